"""https://github.com/keitakurita/practical-torchtext/issues/5 — "Last timestep output in the text classifier
wrong?"

The torchtext tutorial's classifier runs its LSTM over a padded, unpacked batch (sequence first) and
takes ``feature = hdn[-1, :, :]``, the output at the last padded step. The reporter: "If there are two
sentences in my batch, one of length 20 and another of length 10, then -1 would slice the correct
output for first sentence but not for second sentence", pointing at the packed-sequence answer on
Stack Overflow (46387661). The maintainer's reply that torchtext pads beforehand is exactly why the
last step is padding for every shorter sentence. Here the pad token is torchtext's ``<pad>`` id 1 and
the embedding declares it (``padding_idx=1``), so the padding is visible in the model. The fixed twin
packs the batch with its lengths and reads the last layer's final state ``h_n[-1]``, which a packed
call ends at each sequence's own last token.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

VOCAB, EMB, HIDDEN, CLASSES, PAD = 30, 6, 8, 6, 1
LENGTHS = (7, 4, 2)


class SimpleLSTMBaseline(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, EMB, padding_idx=PAD)
        self.encoder = nn.LSTM(EMB, HIDDEN, num_layers=1)
        self.linear_layers = nn.ModuleList([nn.Linear(HIDDEN, HIDDEN)])
        self.predictor = nn.Linear(HIDDEN, CLASSES)

    def forward(self, seq: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.fixed:
            packed = pack_padded_sequence(self.embedding(seq), lengths, enforce_sorted=False)
            _packed_out, (h_n, _c_n) = self.encoder(packed)
            feature = h_n[-1]
        else:
            hdn, _ = self.encoder(self.embedding(seq))
            feature = hdn[-1, :, :]
        for layer in self.linear_layers:
            feature = layer(feature)
        return self.predictor(feature)


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    seq = torch.full((max(LENGTHS), len(LENGTHS)), PAD)
    for column, length in enumerate(LENGTHS):
        seq[:length, column] = torch.randint(2, VOCAB, (length,))
    return seq, torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return SimpleLSTMBaseline(fixed=False), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return SimpleLSTMBaseline(fixed=True), _batch()
