"""gru-shapes issue 20, item 8 — "Hostile or odd model files": an exception whose ``__str__`` raises

A model checks the shape of its LSTM's final state and raises its own ``ShapeError`` when it is not
what it expects; the error class formats its message from an attribute it never set (a misspelling),
so ``str(error)`` itself raises ``AttributeError``. ``gru-shapes trace`` printed a 55-line traceback.
It must print one line (the exception's type, and that its message could not be rendered) and exit 1.
The fixed twin's error class formats what it stored, and the check reads the last layer, so it
passes.
"""

from __future__ import annotations

import torch
from torch import nn

FEATURES, HIDDEN, LAYERS, CLASSES, BATCH, STEPS = 4, 6, 2, 3, 3, 5


class ShapeError(Exception):
    def __init__(self, expected: tuple[int, ...], got: tuple[int, ...], misspelt: bool) -> None:
        super().__init__()
        self.expected, self.got, self.misspelt = expected, got, misspelt

    def __str__(self) -> str:
        if self.misspelt:
            return f"expected {self.expectd}, got {self.got}"  # type: ignore[attr-defined]
        return f"expected {self.expected}, got {self.got}"


class Checked(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.lstm = nn.LSTM(FEATURES, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.fc = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _output, (h_n, _c_n) = self.lstm(x)
        last = h_n[-1] if self.fixed else h_n
        if tuple(last.shape) != (x.size(0), HIDDEN):
            raise ShapeError((x.size(0), HIDDEN), tuple(last.shape), misspelt=not self.fixed)
        return self.fc(last)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Checked(fixed=False), (torch.randn(BATCH, STEPS, FEATURES),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Checked(fixed=True), (torch.randn(BATCH, STEPS, FEATURES),)
