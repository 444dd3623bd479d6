"""https://github.com/yunjey/pytorch-tutorial/issues/149 — "output of bidirectional LSTM"

The tutorial's bidirectional RNN classifies a row-by-row image from ``out[:, -1, :]`` of a 2-layer
bidirectional LSTM (batch first). The reporter: at the last time step "the reverse RNN will have
only seen the last input", and a more useful reading concatenates "the *last* hidden state of
*forward* LSTM and *first* hidden state of *reverse* LSTM". Pull request #174 (and the C++ port's
https://github.com/prabhuomkar/pytorch-cpp/pull/13) does exactly that: ``torch.cat((out[:, -1,
:hidden_size], out[:, 0, hidden_size:]), 1)``, the fixed twin.
"""

from __future__ import annotations

import torch
from torch import nn

INPUT, HIDDEN, LAYERS, CLASSES, BATCH, STEPS = 7, 6, 2, 4, 3, 7


class BiRNN(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.hidden_size, self.num_layers = HIDDEN, LAYERS
        self.lstm = nn.LSTM(INPUT, HIDDEN, LAYERS, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(HIDDEN * 2, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        if self.fixed:
            return self.fc(torch.cat((out[:, -1, : self.hidden_size], out[:, 0, self.hidden_size :]), 1))
        return self.fc(out[:, -1, :])


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BiRNN(fixed=False), (torch.randn(BATCH, STEPS, INPUT),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BiRNN(fixed=True), (torch.randn(BATCH, STEPS, INPUT),)
