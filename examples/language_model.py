"""A word-level language model that carries its LSTM state from one chunk of text to the next."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class LanguageModel(nn.Module):
    def __init__(self, vocab: int = 60, embed: int = 12, hidden: int = 24, layers: int = 2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, chunks: torch.Tensor) -> torch.Tensor:
        hidden: Any = None
        logits = []
        for chunk in chunks:  # (chunks, seq, batch): one truncated-backpropagation window at a time
            output, hidden = self.lstm(self.embedding(chunk), hidden)
            hidden = tuple(state.detach() for state in hidden)
            logits.append(self.decoder(output))
        return torch.cat(logits)


def build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return LanguageModel(), (torch.randint(0, 60, (2, 5, 3)),)


if __name__ == "__main__":
    model, args = build()
    print(model(*args).shape)
