"""A sentiment-style classifier: a bidirectional GRU reads the tokens, both final states feed a Linear."""

from __future__ import annotations

import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, vocab: int = 100, embed: int = 16, hidden: int = 32, classes: int = 3) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.rnn = nn.GRU(embed, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _output, h_n = self.rnn(self.embedding(tokens))
        # The last layer's forward and backward final states, side by side.
        return self.fc(torch.cat((h_n[-2], h_n[-1]), dim=1))


model = Classifier()


def build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Classifier(), (torch.randint(0, 100, (4, 12)),)


if __name__ == "__main__":
    model, args = build()
    print(model(*args).shape)
