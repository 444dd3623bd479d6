"""https://github.com/Atcold/NYU-DLSP20/pull/19 — "bug fix related to output sequence"

A correct model (``fixed()`` returns the same model). The course's temporal-order classifier pads its
sequences at the front (``pad_sequences(..., padding='pre')``, Keras style), so every sequence ends at
the last step and ``output[:, -1, :]`` is each sequence's real last output: "we should pick the last
element of output sequence, because input is pre-padded with 0s, not post-padded". The zero vectors
here lead the shorter sequences; a trace that calls ``output[:, -1]`` "padding" for them raises a
false alarm.
"""

from __future__ import annotations

import torch
from torch import nn

FEATURES, HIDDEN, CLASSES = 8, 6, 4
LENGTHS = (9, 7, 5)


class SimpleLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        self.linear = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.lstm(x)
        output = output[:, -1, :]
        return self.linear(output)


def _build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    length = max(LENGTHS)
    x = torch.zeros(len(LENGTHS), length, FEATURES)
    for row, n in enumerate(LENGTHS):
        x[row, length - n :] = nn.functional.one_hot(torch.randint(0, FEATURES, (n,)), FEATURES).float()
    return SimpleLSTM(), (x,)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()
