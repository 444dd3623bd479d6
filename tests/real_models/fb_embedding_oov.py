"""https://github.com/pytorch/text/issues/235 — "RuntimeError: index out of range when using dataset loaded
using torchtext"

A translation encoder is built with ``nn.Embedding(vocab_size, hidden_size, padding_idx=1)`` where
``vocab_size`` comes from a vocabulary rebuilt with ``min_freq=100`` (2383 words), while the batches
were numericalized against the full one (indices up to 31760): ``self.embedding(word_inputs)`` raises
"index out of range" before the GRU runs. The thread's resolution is to numericalize with the same
vocabulary the embedding is sized for; the fixed twin's ids stay below ``vocab_size``.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, FULL_VOCAB, HIDDEN, BATCH, STEPS = 24, 60, 6, 3, 5


class EncoderRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, HIDDEN, padding_idx=1)
        self.gru = nn.GRU(HIDDEN, HIDDEN)

    def forward(self, word_inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedded = self.embedding(word_inputs)
        return self.gru(embedded)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    ids = torch.randint(2, FULL_VOCAB, (STEPS, BATCH))
    ids[0, 0] = FULL_VOCAB - 1  # a word the smaller vocabulary does not have
    return EncoderRNN(), (ids,)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return EncoderRNN(), (torch.randint(2, VOCAB, (STEPS, BATCH)),)
