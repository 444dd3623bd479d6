"""https://github.com/NeuromatchAcademy/course-content-dl/blob/main/tutorials/W2D3_ModernRecurrentNeuralNetworks/solutions/W2D3_Tutorial2_Solution_f98cf0cd.py
— Neuromatch Academy Deep Learning, W2D3 Tutorial 2, ``biLSTM`` exercise solution

A correct model (``fixed()`` returns the same model). A 2-layer bidirectional LSTM classifier with a
random initial state (``torch.randn(4, batch, hidden)``, drawn on every call) that classifies from all
four final states per sequence: ``h_n = hidden[0].permute(1, 0, 2)`` then
``h_n.contiguous().view(h_n.shape[0], -1)`` into ``Linear(4*hidden_size, output_size)``. Both the
``permute``/``view`` and the given ``(h_0, c_0)`` are right; no pitfall.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, EMBED, HIDDEN, OUT, BATCH, STEPS = 30, 6, 5, 3, 4, 7


class BiLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden_size = HIDDEN
        self.word_embeddings = nn.Embedding(VOCAB, EMBED)
        self.dropout = nn.Dropout(0.5)
        self.bilstm = nn.LSTM(EMBED, HIDDEN, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(4 * HIDDEN, OUT)

    def forward(self, input_sentences: torch.Tensor) -> torch.Tensor:
        input = self.word_embeddings(input_sentences).permute(1, 0, 2)
        hidden = (
            torch.randn(4, input.shape[1], self.hidden_size),
            torch.randn(4, input.shape[1], self.hidden_size),
        )
        input = self.dropout(input)
        _output, hidden = self.bilstm(input, hidden)
        h_n = hidden[0].permute(1, 0, 2)
        h_n = h_n.contiguous().view(h_n.shape[0], -1)
        return self.fc(h_n)


def _build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BiLSTM(), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()
