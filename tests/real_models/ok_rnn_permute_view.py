"""https://github.com/prakashpandey9/Text-Classification-Pytorch/blob/master/models/RNN.py — RNN text
classifier

A correct model (``fixed()`` returns the same model). A 2-layer bidirectional ``nn.RNN`` classifies from
its whole final state, flattened per sequence the right way round: ``h_n.permute(1, 0, 2)`` puts the
batch first, then ``h_n.contiguous().view(h_n.size()[0], h_n.size()[1]*h_n.size()[2])`` gives each
sequence its four states side by side, into ``Linear(4*hidden_size, output_size)``. Compare the
``view`` without the ``permute`` of the mixed-consumer cases: this one must not be flagged. (The
original builds ``h_0`` with ``.cuda()``; here it is a CPU zero tensor.)
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, EMBED, HIDDEN, OUT, BATCH, STEPS = 25, 6, 5, 2, 3, 6


class RNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.batch_size, self.hidden_size = BATCH, HIDDEN
        self.word_embeddings = nn.Embedding(VOCAB, EMBED)
        self.rnn = nn.RNN(EMBED, HIDDEN, num_layers=2, bidirectional=True)
        self.label = nn.Linear(4 * HIDDEN, OUT)

    def forward(self, input_sentences: torch.Tensor) -> torch.Tensor:
        input = self.word_embeddings(input_sentences)
        input = input.permute(1, 0, 2)
        h_0 = torch.zeros(4, self.batch_size, self.hidden_size)  # 4 = num_layers*num_directions
        _output, h_n = self.rnn(input, h_0)
        h_n = h_n.permute(1, 0, 2)  # (batch_size, 4, hidden_size)
        h_n = h_n.contiguous().view(h_n.size()[0], h_n.size()[1] * h_n.size()[2])
        return self.label(h_n)


def _build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return RNN(), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()
