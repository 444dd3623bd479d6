"""https://github.com/prakashpandey9/Text-Classification-Pytorch/blob/master/models/RCNN.py — RCNN text
classifier ("Recurrent Convolutional Neural Networks for Text Classification")

A correct model (``fixed()`` returns the same model). Each word's representation is its left and right
context from a bidirectional LSTM beside its own embedding: ``torch.cat((output, input), 2)`` keeps
every step of ``output`` and appends the LSTM's own input, then ``W2`` maps it down and
``F.max_pool1d(y, y.size()[2])`` takes the maximum over all steps. The trace described the ``cat`` as
"h_t ... at steps []"; it must say every step is kept and that the other operand is the recurrent
layer's input, and it must follow the max over time. (The original builds ``h_0``/``c_0`` with
``.cuda()``; here they are CPU zeros.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

VOCAB, EMBED, HIDDEN, OUT, BATCH, STEPS = 25, 6, 5, 2, 3, 7


class RCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.batch_size, self.hidden_size = BATCH, HIDDEN
        self.word_embeddings = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, bidirectional=True)
        self.W2 = nn.Linear(2 * HIDDEN + EMBED, HIDDEN)
        self.label = nn.Linear(HIDDEN, OUT)

    def forward(self, input_sentence: torch.Tensor) -> torch.Tensor:
        input = self.word_embeddings(input_sentence)  # [B, T, E]
        input = input.permute(1, 0, 2)  # [T, B, E]
        h_0 = torch.zeros(2, self.batch_size, self.hidden_size)
        c_0 = torch.zeros(2, self.batch_size, self.hidden_size)
        output, (_final_hidden_state, _final_cell_state) = self.lstm(input, (h_0, c_0))
        final_encoding = torch.cat((output, input), 2).permute(1, 0, 2)
        y = self.W2(final_encoding)  # [B, T, H]
        y = y.permute(0, 2, 1)  # [B, H, T]
        y = F.max_pool1d(y, y.size()[2])  # [B, H, 1]
        y = y.squeeze(2)
        return self.label(y)


def _build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return RCNN(), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()
