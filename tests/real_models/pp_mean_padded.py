"""https://github.com/pytorch/pytorch/issues/2311 — "LSTM mask / remove zeros"

"I got the lstm output using ``lstm_out, _ = pad_packed_sequence(packed_output, batch_first=True)`` ...
What I want is the average of lstm output for every sequence. The length of every sequence is also
available." Averaging with ``lstm_out.mean(1)`` divides by the padded length, so the zeros of the
padding pull every shorter sequence's average toward 0. The answer: "Just sum the time axis and
divide it with length tensor" — the fixed twin, ``lstm_out.sum(1) / lengths.unsqueeze(1)``. The
trace must follow the mean over time and, for the buggy twin, say that padding is averaged in.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

FEATURES, HIDDEN, CLASSES = 4, 6, 3
LENGTHS = (5, 3, 2)


class MeanPoolLSTM(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.lstm = nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        self.fc = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        packed_output, _ = self.lstm(packed)
        lstm_out, _ = pad_packed_sequence(packed_output, batch_first=True)
        # The answer's average: sum over time, divided by each sequence's own length.
        pooled = lstm_out.sum(1) / lengths.unsqueeze(1).float() if self.fixed else lstm_out.mean(1)
        return self.fc(pooled)


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.zeros(len(LENGTHS), max(LENGTHS), FEATURES)
    for row, length in enumerate(LENGTHS):
        x[row, :length] = torch.randn(length, FEATURES)
    return x, torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return MeanPoolLSTM(fixed=False), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return MeanPoolLSTM(fixed=True), _batch()
