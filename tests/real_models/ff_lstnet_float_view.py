"""https://github.com/laiguokun/LSTNet/pull/9 — "Update LSTNet.py"

LSTNet computes ``self.pt = (self.P - self.Ck)/self.skip``, a float under Python 3. The forward runs
the convolution and the first GRU, then the skip-RNN's ``s.view(batch_size, self.hidC, self.pt,
self.skip)`` fails (the reporter's torch: "size '[128 x 100 x 6 x 24]' is invalid for input with
2073600 elements"; torch today refuses the float outright). The failing operation consumes the
convolution's output, not a recurrent result: the trace must say the forward failed, and where, without
blaming ``GRU1``. The PR's fix wraps it in ``int()``. The fixed twin then runs both GRUs: ``GRU1`` over
a batch of B and ``GRUskip`` over a batch of ``B * skip`` whose ``h_n`` is regrouped per sequence with
``s.view(batch_size, self.skip * self.hidS)`` and concatenated with ``GRU1``'s state: each call's rows
must describe that call's own tensors.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

WINDOW, SERIES, HID_CNN, HID_RNN, HID_SKIP, KERNEL, SKIP, BATCH = 13, 3, 4, 5, 2, 3, 3, 2


class LSTNet(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.P, self.m = WINDOW, SERIES
        self.hidR, self.hidC, self.hidS = HID_RNN, HID_CNN, HID_SKIP
        self.Ck, self.skip = KERNEL, SKIP
        self.pt = (self.P - self.Ck) / self.skip
        if fixed:
            self.pt = int(self.pt)
        self.conv1 = nn.Conv2d(1, self.hidC, kernel_size=(self.Ck, self.m))
        self.GRU1 = nn.GRU(self.hidC, self.hidR)
        self.GRUskip = nn.GRU(self.hidC, self.hidS)
        self.linear1 = nn.Linear(self.hidR + self.skip * self.hidS, self.m)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch_size = x.size(0)
        c = x.view(-1, 1, self.P, self.m)
        c = F.relu(self.conv1(c))
        c = torch.squeeze(c, 3)
        r = c.permute(2, 0, 1).contiguous()
        _, r = self.GRU1(r)
        r = torch.squeeze(r, 0)
        s = c[:, :, int(-self.pt * self.skip) :].contiguous()
        s = s.view(batch_size, self.hidC, self.pt, self.skip)
        s = s.permute(2, 0, 3, 1).contiguous()
        s = s.view(self.pt, batch_size * self.skip, self.hidC)
        _, s = self.GRUskip(s)
        s = s.view(batch_size, self.skip * self.hidS)
        r = torch.cat((r, s), 1)
        return self.linear1(r)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return LSTNet(fixed=False), (torch.randn(BATCH, WINDOW, SERIES),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return LSTNet(fixed=True), (torch.randn(BATCH, WINDOW, SERIES),)
