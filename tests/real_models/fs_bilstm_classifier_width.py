"""https://github.com/pytorch/pytorch/issues/71991 — "How to make LSTMClassifier Bidirectional?" (and its
follow-up https://github.com/pytorch/pytorch/issues/72417, "Bidirectional LSTM gets val_score: 0.0")

An LSTM text classifier made bidirectional by setting ``bidirectional=True``: its classifier stayed
``nn.Linear(hidden_dim, n)`` and it read ``lstm_out[:, -1, :]``, which is now ``2 * hidden_dim`` wide,
so the forward fails in the Linear. The follow-up shows the classifier rebuilt as
``nn.Linear(2 * hidden_dim, n)`` (the line ``#self.classifier = nn.Linear(hidden_dim, ...)`` kept
commented out above it). The fixed twin has that Linear and reads the final states the way the
PyTorch documentation lays ``h_n`` out, the last layer's forward beside its backward,
``torch.cat((h_n[-2], h_n[-1]), 1)``, rather than ``lstm_out[:, -1, :]`` whose backward half has seen one
word only.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, EMBED, HIDDEN, CLASSES, BATCH, STEPS = 30, 8, 5, 3, 4, 6


class LSTMClassifier(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.word_embeddings = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(input_size=EMBED, hidden_size=HIDDEN, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * HIDDEN if fixed else HIDDEN, CLASSES)

    def forward(self, sentence: torch.Tensor) -> torch.Tensor:
        embeds = self.word_embeddings(sentence)
        lstm_out, (h_n, _c_n) = self.lstm(embeds)
        if self.fixed:
            return self.classifier(torch.cat((h_n[-2], h_n[-1]), 1))
        return self.classifier(lstm_out[:, -1, :])


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return LSTMClassifier(fixed=False), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return LSTMClassifier(fixed=True), (torch.randint(0, VOCAB, (BATCH, STEPS)),)
