"""https://github.com/pytorch/pytorch/issues/2769 — "LSTM architecture has met a explosive growth in the
training process"

A video-feature classifier keeps its LSTM state in ``self.hidden`` and feeds it back in on every call:
``lstm_out, self.hidden = self.lstm(x, self.hidden)``. Nothing ever detaches it, so each batch's graph
hangs on the previous one; the reporter's log shows the time per batch growing from 3.6 s to 7.8 s
over 90 batches (and, with ``backward()`` per batch, torch's "Trying to backward through the graph a
second time"). The fix given for this pattern is to repackage the state between batches: store
``tuple(h.detach() for h in hidden)`` (or re-initialise it per batch). ``buggy()`` runs one earlier
training batch, as the training loop would, so the state the traced call receives carries that
batch's graph; in the fixed twin it was detached when stored.
"""

from __future__ import annotations

import torch
from torch import nn

FEATURES, HIDDEN, CLASSES, STEPS = 12, 8, 5, 6


class LSTM(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.hidden_len = HIDDEN
        self.lstm = nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        self.hidden2class = nn.Linear(HIDDEN, CLASSES)
        self.hidden = self.init_hidden()

    def init_hidden(self) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.zeros(1, 1, self.hidden_len), torch.zeros(1, 1, self.hidden_len)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lstm_out, hidden = self.lstm(x, self.hidden)
        self.hidden = tuple(h.detach() for h in hidden) if self.fixed else hidden
        return self.hidden2class(lstm_out[:, -1, :]).view(-1, CLASSES)


def _build(fixed: bool) -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    model = LSTM(fixed)
    model.train()
    model(torch.randn(1, STEPS, FEATURES))  # the previous training batch
    return model, (torch.randn(1, STEPS, FEATURES),)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build(fixed=False)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build(fixed=True)
