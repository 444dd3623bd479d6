"""https://github.com/pytorch/pytorch/issues/8026 — "lengths array has to be sorted in decreasing order"

An encoder packs its padded batch with ``pack_padded_sequence(embedded, input_lengths)`` and the batch
is not sorted by length, so packing raises before the GRU is ever called (torch today: "`lengths` array
must be sorted in decreasing order when `enforce_sorted` is True"). The answer in the thread: "you
should sort your array before feeding into ``pack_padded_sequence``"; since torch 1.1 the same is
``enforce_sorted=False``, which the fixed twin passes (torch sorts, and restores the order in ``h_n``).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

VOCAB, HIDDEN, LAYERS = 25, 6, 1
LENGTHS = (3, 5, 2)


class EncoderRNN(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, HIDDEN)
        self.gru = nn.GRU(HIDDEN, HIDDEN, LAYERS)

    def forward(self, input_seqs: torch.Tensor, input_lengths: torch.Tensor):  # type: ignore[no-untyped-def]
        embedded = self.embedding(input_seqs)
        if self.fixed:
            packed = pack_padded_sequence(embedded, input_lengths, enforce_sorted=False)
        else:
            packed = pack_padded_sequence(embedded, input_lengths)
        outputs, hidden = self.gru(packed)
        outputs, _output_lengths = pad_packed_sequence(outputs)
        return outputs, hidden


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    seqs = torch.zeros(max(LENGTHS), len(LENGTHS), dtype=torch.long)
    for column, length in enumerate(LENGTHS):
        seqs[:length, column] = torch.randint(1, VOCAB, (length,))
    return seqs, torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return EncoderRNN(fixed=False), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return EncoderRNN(fixed=True), _batch()
