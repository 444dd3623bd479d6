"""https://github.com/gabrielloye/RNN-walkthrough/issues/3 — "how does hidden state work"

The walkthrough's character model builds a zero state on every call, and the reporter wanted it to
carry over: ``out, self.hidden = self.rnn(x, self.hidden)``. Without a detach that "causes all kinds
of pytorch errors" (the second ``backward()`` walks into the first batch's freed graph); with
``out, self.hidden = self.rnn(x, self.hidden.detach())`` it trains, and better. Unlike the other two
cases the stored state keeps its graph here: the detach happens where it is passed in, so what the
recurrent call receives is what must be judged. ``buggy()`` runs one earlier training batch first.
"""

from __future__ import annotations

import torch
from torch import nn

DICT_SIZE, HIDDEN, LAYERS, BATCH, STEPS = 10, 6, 1, 3, 7


class Model(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.hidden_dim, self.n_layers = HIDDEN, LAYERS
        self.rnn = nn.RNN(DICT_SIZE, HIDDEN, LAYERS, batch_first=True)
        self.fc = nn.Linear(HIDDEN, DICT_SIZE)
        self.hidden = torch.zeros(self.n_layers, BATCH, self.hidden_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hx = self.hidden.detach() if self.fixed else self.hidden
        out, self.hidden = self.rnn(x, hx)
        out = out.contiguous().view(-1, self.hidden_dim)
        return self.fc(out), self.hidden


def _one_hot() -> torch.Tensor:
    return nn.functional.one_hot(torch.randint(0, DICT_SIZE, (BATCH, STEPS)), DICT_SIZE).float()


def _build(fixed: bool) -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    model = Model(fixed)
    model.train()
    model(_one_hot())  # the previous training batch
    return model, (_one_hot(),)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build(fixed=False)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build(fixed=True)
