"""gru-shapes issue 20, item 8 — "Hostile or odd model files": a forward that never returns

A greedy decoder that steps its ``GRUCell`` "until the model says <eos>" with no length bound, the
shape of the chatbot and translation tutorials' ``evaluate`` loops minus their ``max_length``. An
untrained (or badly trained) model never says it; here the output layer's ``<eos>`` bias is set very
low to stand in for that, so the loop never ends. ``gru-shapes trace`` hung. It must stop the traced
call after ``--timeout SECONDS`` (a documented default) with one line naming where it was (the call it
was in, how many recurrent calls it had made) and exit 1. The fixed twin bounds the loop with
``max_length``, as the tutorials do.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, HIDDEN, SOS, EOS, MAX_LENGTH = 10, 6, 0, 1, 8


class GreedyDecoder(nn.Module):
    def __init__(self, bounded: bool) -> None:
        super().__init__()
        self.bounded = bounded
        self.embedding = nn.Embedding(VOCAB, HIDDEN)
        self.cell = nn.GRUCell(HIDDEN, HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCAB)
        with torch.no_grad():
            self.out.bias[EOS] = -1e4  # this model never learned to stop

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        token = torch.full((hidden.size(0),), SOS)
        decoded = []
        while True:
            hidden = self.cell(self.embedding(token), hidden)
            token = self.out(hidden).argmax(1)
            decoded.append(token)
            if bool((token == EOS).all()):
                break
            if self.bounded and len(decoded) >= MAX_LENGTH:
                break
        return torch.stack(decoded, 1)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return GreedyDecoder(bounded=False), (torch.randn(2, HIDDEN),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return GreedyDecoder(bounded=True), (torch.randn(2, HIDDEN),)
