"""https://github.com/HHTseng/video-classification/issues/39 — "Problem with ResnetCRNN_varlen"

The variable-length CRNN zeroes the frame features past each video's length, packs them, runs a
3-layer LSTM and unpacks with ``pad_packed_sequence``; it then decoded the last time step, which "will
be zeros in these cases" for every video shorter than the longest. The reporter's fix: "rely on the
second output of torch.nn.utils.rnn.pad_packed_sequence to decide which timestep to decode". The
repository now gathers ``RNN_out[i][length - 1]`` for each video, which is the fixed twin (the CNN
encoder is left out: the LSTM is fed the frame features directly).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

EMBED, LAYERS, HIDDEN, FC, CLASSES = 6, 3, 8, 5, 4
LENGTHS = (6, 3, 5)


class DecoderRNNVarlen(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.LSTM = nn.LSTM(input_size=EMBED, hidden_size=HIDDEN, num_layers=LAYERS, batch_first=True)
        self.fc1 = nn.Linear(HIDDEN, FC)
        self.fc2 = nn.Linear(FC, CLASSES)

    def forward(self, x_RNN: torch.Tensor, x_lengths: torch.Tensor) -> torch.Tensor:
        N, T, n = x_RNN.size()
        for i in range(N):
            if x_lengths[i] < T:
                x_RNN[i, x_lengths[i] :, :] = torch.zeros(T - x_lengths[i], n, dtype=torch.float)
        lengths_ordered, perm_idx = x_lengths.sort(0, descending=True)
        packed_x_RNN = nn.utils.rnn.pack_padded_sequence(x_RNN[perm_idx], lengths_ordered, batch_first=True)
        packed_RNN_out, (_h_n_sorted, _h_c_sorted) = self.LSTM(packed_x_RNN, None)
        RNN_out, out_lengths = nn.utils.rnn.pad_packed_sequence(packed_RNN_out, batch_first=True)
        RNN_out = RNN_out.contiguous()
        if self.fixed:
            last_out = torch.stack([RNN_out[i][length - 1] for i, length in enumerate(out_lengths)])
        else:
            last_out = RNN_out[:, -1, :]  # choose RNN_out at the last time step
        _, unperm_idx = perm_idx.sort(0)
        x = self.fc1(last_out[unperm_idx])
        x = F.relu(x)
        return self.fc2(x)


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randn(len(LENGTHS), max(LENGTHS), EMBED), torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return DecoderRNNVarlen(fixed=False), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return DecoderRNNVarlen(fixed=True), _batch()
