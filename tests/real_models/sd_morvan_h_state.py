"""https://github.com/MorvanZhou/PyTorch-Tutorial/issues/57 — "403: question about h_state = h_state.data"

The RNN regressor tutorial (predict cos from sin) passes the state through the caller:
``prediction, h_state = rnn(x, h_state)`` then ``h_state = h_state.data`` ("repack the hidden state,
break the connection from last iteration"). The reporter commented that line out and got "Trying to
backward through the graph a second time"; ``retain_graph=True`` hid the error while the graph kept
growing. The answer is the tutorial's own line: carry the values, not the graph. ``buggy()`` runs one
earlier step and hands its ``h_state`` on as it came back; the fixed twin hands on ``h_state.data``.
"""

from __future__ import annotations

import torch
from torch import nn

INPUT_SIZE, HIDDEN, TIME_STEP = 1, 8, 10


class RNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.RNN(input_size=INPUT_SIZE, hidden_size=HIDDEN, num_layers=1, batch_first=True)
        self.out = nn.Linear(HIDDEN, 1)

    def forward(self, x: torch.Tensor, h_state: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        r_out, h_state = self.rnn(x, h_state)
        outs = [self.out(r_out[:, time_step, :]) for time_step in range(r_out.size(1))]
        return torch.stack(outs, dim=1), h_state


def _window(step: int) -> torch.Tensor:
    steps = torch.linspace(step * torch.pi, (step + 1) * torch.pi, TIME_STEP)
    return torch.sin(steps)[None, :, None]


def _build(fixed: bool) -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    rnn = RNN()
    rnn.train()
    _prediction, h_state = rnn(_window(0), None)  # the previous training step
    if fixed:
        h_state = h_state.data
    return rnn, (_window(1), h_state)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build(fixed=False)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build(fixed=True)
