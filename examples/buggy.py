"""A classifier with a shape bug: its Linear was sized for one direction, but it is fed both."""

from __future__ import annotations

import torch
from torch import nn


class BuggyClassifier(nn.Module):
    def __init__(self, features: int = 8, hidden: int = 32, classes: int = 4) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden, classes)  # should be 2 * hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _output, (h_n, _c_n) = self.lstm(x)
        return self.fc(torch.cat((h_n[-2], h_n[-1]), dim=1))


model = BuggyClassifier()


def build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BuggyClassifier(), (torch.randn(4, 9, 8),)


if __name__ == "__main__":
    model, args = build()
    model(*args)
