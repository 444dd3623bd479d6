"""https://github.com/facebookresearch/InferSent/blob/master/models.py — InferSent ``BLSTMEncoder.forward``
(``max_pad``: version 1 against version 2)

InferSent encodes a sentence by max-pooling a BiLSTM's outputs over time: it packs the padded batch,
unpacks with ``pad_packed_sequence`` (which fills the padding with zeros), and takes
``torch.max(sent_output, 0)[0]``. With ``max_pad`` set (the version-1 models) the zeros of the padding
take part in the max, so a feature whose real values are all negative comes out 0 for every shorter
sentence. Version 2 sets ``max_pad = False``, which masks first, in place:
``sent_output[sent_output == 0] = -1e9``, then takes the max. The buggy twin is version 1, the fixed
twin version 2 (the repository's own change). The trace stopped at ``pad_packed_sequence``; it must
follow the max over time and, for version 1, say that padding takes part in it.
"""

from __future__ import annotations

import torch
from torch import nn

WORD_DIM, ENC_DIM, BATCH = 5, 4, 3
LENGTHS = (6, 4, 2)


class BLSTMEncoder(nn.Module):
    def __init__(self, max_pad: bool) -> None:
        super().__init__()
        self.max_pad = max_pad
        self.pool_type = "max"
        self.enc_lstm = nn.LSTM(WORD_DIM, ENC_DIM, 1, bidirectional=True)

    def forward(self, sent: torch.Tensor, sent_len: torch.Tensor) -> torch.Tensor:
        # sent: (seqlen x bsize x worddim), sorted by length as InferSent sorts it
        sent_packed = nn.utils.rnn.pack_padded_sequence(sent, sent_len)
        sent_output = self.enc_lstm(sent_packed)[0]  # seqlen x batch x 2*nhid
        sent_output = nn.utils.rnn.pad_packed_sequence(sent_output)[0]
        if not self.max_pad:
            sent_output[sent_output == 0] = -1e9
        emb = torch.max(sent_output, 0)[0]
        if emb.ndimension() == 3:
            emb = emb.squeeze(0)
        return emb


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    sent = torch.zeros(max(LENGTHS), BATCH, WORD_DIM)
    for column, length in enumerate(LENGTHS):
        sent[:length, column] = torch.randn(length, WORD_DIM)
    return sent, torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return BLSTMEncoder(max_pad=True), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return BLSTMEncoder(max_pad=False), _batch()
