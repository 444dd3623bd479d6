"""https://github.com/WellyZhang/RAVEN/issues/4 — "code fails to run for CNN_LSTM and CNN_MLP"

RAVEN's CNN-LSTM reshapes the 16 panels of each puzzle with ``x.view(-1, 1, 80, 80)`` before its
convolutions and LSTM. Run with the default ``--img_size`` 224 it fails right there ("shape '[-1, 1,
80, 80]' is invalid for input of size 25690112"), before any recurrent call; the maintainer's answer:
set ``--img_size 80``. The fixed twin feeds 80 x 80 panels. (The FCTreeNet attribute branch is left
out: the convolution features go straight to the LSTM.) With ``--json`` the trace printed nothing on
stdout for a model that fails before any recurrent call; it must print its JSON with the error.
"""

from __future__ import annotations

import torch
from torch import nn


class ConvModule(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for channels_in in (1, 16, 16, 16):
            layers += [nn.Conv2d(channels_in, 16, kernel_size=3, stride=2), nn.BatchNorm2d(16), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(-1, 16, 16 * 4 * 4)


class LSTMModule(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=16 * 4 * 4, hidden_size=12, num_layers=1)
        self.fc = nn.Linear(12, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(1, 0, 2)
        hidden, _ = self.lstm(x)
        return self.fc(hidden[-1, :, :])


class CNNLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = ConvModule()
        self.lstm = LSTMModule()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.conv(x.view(-1, 1, 80, 80))
        return self.lstm(features)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return CNNLSTM(), (torch.randn(1, 16, 224, 224),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return CNNLSTM(), (torch.randn(1, 16, 80, 80),)
