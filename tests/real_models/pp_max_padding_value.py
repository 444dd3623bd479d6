"""https://github.com/pytorch/pytorch/pull/2751 — "Specifying the value used for padding"

"The ``pad_packed_sequence`` function fills padded elements with zeros, but sometimes it is not useful.
For example, ... the max-pooling technique selects the maximum value from all time steps ... In such a
case, we do not want the padded zeros to be selected." The PR's example (from the Joint Many-Task
Model) unpacks with a very small padding value, ``pad_packed_sequence(h, -1024.0, batch_first=True)``,
then ``torch.max(h, 1, keepdim=True)``. The buggy twin unpacks with the default zeros and takes the
same max; the fixed twin passes ``padding_value=-1024.0`` as the PR added. The trace must follow the
max over time and tell the two apart.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, EMB, HIDDEN, CLASSES = 30, 5, 4, 3
LENGTHS = (6, 3, 2)


class JointEncoder(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, EMB, padding_idx=0)
        self.lstm = nn.LSTM(EMB, HIDDEN, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * HIDDEN, CLASSES)

    def forward(self, batch_input: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        input = self.embedding(batch_input)
        packed_input = nn.utils.rnn.pack_padded_sequence(input, lengths, batch_first=True)
        h, (_hn, _cn) = self.lstm(packed_input)
        if self.fixed:
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, padding_value=-1024.0)
        else:
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True)
        sentence_rep, _ = torch.max(h, 1, keepdim=True)
        return self.out(sentence_rep.squeeze(1))


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.zeros(len(LENGTHS), max(LENGTHS), dtype=torch.long)
    for row, length in enumerate(LENGTHS):
        ids[row, :length] = torch.randint(1, VOCAB, (length,))
    return ids, torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return JointEncoder(fixed=False), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return JointEncoder(fixed=True), _batch()
