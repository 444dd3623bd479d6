"""gru-shapes issue 20, item 8 — "Hostile or odd model files": ``sys.exit(n)`` inside ``forward``

Debugging code left in a model: ``print(lstm_out.shape)`` then ``exit()`` right after the LSTM (the
pattern is common in public training scripts, here in a stock-ranking LSTM that carries
``self.hidden_cell``). ``exit()`` raises ``SystemExit(None)``, status 0: ``gru-shapes trace`` exited 0
with nothing printed, which a script reads as success. It must print one line saying the model called
``exit()`` (``SystemExit``) during the forward, and exit 1. The fixed twin is the same model with the
debugging lines removed.
"""

from __future__ import annotations

import torch
from torch import nn

ATTRIBUTES, HIDDEN, LAYERS, STOCKS, STEPS = 5, 8, 1, 3, 6


class LstmModel1(nn.Module):
    def __init__(self, debugging: bool) -> None:
        super().__init__()
        self.debugging = debugging
        self.lstm = nn.LSTM(input_size=ATTRIBUTES, hidden_size=HIDDEN, num_layers=LAYERS, batch_first=True)
        self.linear = nn.Linear(in_features=HIDDEN, out_features=1)
        self.hidden_cell = (torch.zeros(LAYERS, STOCKS, HIDDEN), torch.zeros(LAYERS, STOCKS, HIDDEN))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lstm_out, self.hidden_cell = self.lstm(x, self.hidden_cell)
        lstm_out_last = lstm_out[:, -1, :]
        if self.debugging:
            print(lstm_out.shape)
            exit()
        return self.linear(lstm_out_last)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return LstmModel1(debugging=True), (torch.randn(STOCKS, STEPS, ATTRIBUTES),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return LstmModel1(debugging=False), (torch.randn(STOCKS, STEPS, ATTRIBUTES),)
