"""https://github.com/MorvanZhou/PyTorch-Tutorial/blob/master/tutorial-contents/402_RNN_classifier.py — the
RNN classifier that reads an MNIST digit row by row

A correct model (``fixed()`` returns the same model). Each 28 x 28 image is a sequence of 28 rows of 28
pixels, scaled to [0, 1] by ``ToTensor`` alone, so the blank rows at the bottom of a digit are all-zero
input vectors at the end of the sequence; the classifier reads ``r_out[:, -1, :]``, the last row's output,
as it should: those rows are part of the image, not padding. Trailing zero vectors are not evidence of
padding by themselves (no embedding with a ``padding_idx``, no lengths given): the trace must not call
the last step padding here.
"""

from __future__ import annotations

import torch
from torch import nn

INPUT_SIZE, TIME_STEP, HIDDEN, CLASSES, BATCH = 28, 28, 16, 10, 3


class RNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(input_size=INPUT_SIZE, hidden_size=HIDDEN, num_layers=1, batch_first=True)
        self.out = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r_out, (_h_n, _h_c) = self.rnn(x, None)  # None: zero initial state
        return self.out(r_out[:, -1, :])


def _digits() -> torch.Tensor:
    """Images whose ink stops a few rows above the bottom, as handwritten digits' does."""
    images = torch.zeros(BATCH, TIME_STEP, INPUT_SIZE)
    for b, last_ink_row in enumerate((22, 24, 25)):
        images[b, 4:last_ink_row, 6:22] = torch.rand(last_ink_row - 4, 16)
    return images


def _build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return RNN(), (_digits(),)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()
