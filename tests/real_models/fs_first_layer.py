"""https://github.com/spro/practical-pytorch/issues/81 — "question of 'context vector' in
seq2seq-translation/seq2seq-translation-batched.ipynb" (the layer half of the question)

"So the question is: do we use the hidden state of the layer 1 or layer 2?" The thread's point holds
for one-way modules too: ``h_n`` lists the layers bottom first, so in a 2-layer GRU ``hidden[0]`` is
the first layer's final state, not the top layer's. A classifier that reads ``hidden[0]`` as "the final
hidden state" skips the second layer altogether; the fixed twin reads ``hidden[-1]``, the last layer.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, EMBED, HIDDEN, LAYERS, CLASSES, BATCH, STEPS = 25, 6, 8, 2, 3, 3, 6


class Classifier(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.gru = nn.GRU(EMBED, HIDDEN, LAYERS, batch_first=True)
        self.fc = nn.Linear(HIDDEN, CLASSES)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _output, hidden = self.gru(self.embedding(tokens))
        return self.fc(hidden[-1] if self.fixed else hidden[0])


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Classifier(fixed=False), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Classifier(fixed=True), (torch.randint(0, VOCAB, (BATCH, STEPS)),)
