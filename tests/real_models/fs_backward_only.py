"""https://github.com/pytorch/pytorch/issues/3587 — "Documentation: Indexing output from bidirectional RNN
(GRU,LSTM)"

The reporter could not tell from the documentation how the two directions sit in a bidirectional
RNN's results ("I'd like to get the output from the last cell on the forward RNN, and the output from
the first cell in the backward RNN"); the thread, and later the documentation (pull request
https://github.com/pytorch/pytorch/pull/74291), settle it: ``h_n`` holds each layer's forward then
backward final state, so ``h_n[-1]`` is the last layer's backward state alone. A GRU classifier that
takes ``h_n[-1]`` as "the final hidden state" (the one-way habit) reads half of it; the fixed twin
concatenates the last layer's two directions, ``torch.cat((h_n[-2], h_n[-1]), 1)``, and its Linear is as
wide as that.
"""

from __future__ import annotations

import torch
from torch import nn

FEATURES, HIDDEN, LAYERS, CLASSES, BATCH, STEPS = 4, 6, 2, 3, 3, 5


class GRUClassifier(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.rnn = nn.GRU(FEATURES, HIDDEN, LAYERS, bidirectional=True)
        self.fc = nn.Linear(2 * HIDDEN if fixed else HIDDEN, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _output, h_n = self.rnn(x)
        final = torch.cat((h_n[-2], h_n[-1]), 1) if self.fixed else h_n[-1]
        return self.fc(final)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return GRUClassifier(fixed=False), (torch.randn(STEPS, BATCH, FEATURES),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return GRUClassifier(fixed=True), (torch.randn(STEPS, BATCH, FEATURES),)
