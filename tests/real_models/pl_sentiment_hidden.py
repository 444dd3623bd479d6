"""https://github.com/bentrevett/pytorch-sentiment-analysis/issues/5 — "How to use pack_padded_sequence with
the existing sentiment analysis code?"

The upgraded sentiment tutorial (2-layer bidirectional LSTM, both last-layer final states into the
classifier) first ran over the padded batch as is: the forward direction's final state ``hidden[-2]``
is then taken after the padding of every shorter review, and the backward direction starts inside it.
The maintainer's answer adds ``text_lengths`` and packs the embedded batch,
``nn.utils.rnn.pack_padded_sequence(embedded, text_lengths)``, so each direction stops and starts at
each review's own ends; ``torch.cat((hidden[-2], hidden[-1]), dim=1)`` is then right. That is the
fixed twin (also one of the correct bidirectional reads the trace must not flag).
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, EMB, HIDDEN, OUT, LAYERS, PAD = 30, 6, 5, 1, 2, 1
LENGTHS = (6, 4, 2)


class RNN(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, EMB, padding_idx=PAD)
        self.rnn = nn.LSTM(EMB, HIDDEN, num_layers=LAYERS, bidirectional=True, dropout=0.5)
        self.fc = nn.Linear(HIDDEN * 2, OUT)
        self.dropout = nn.Dropout(0.5)

    def forward(self, text: torch.Tensor, text_lengths: torch.Tensor) -> torch.Tensor:
        embedded = self.dropout(self.embedding(text))
        if self.fixed:
            packed_embedded = nn.utils.rnn.pack_padded_sequence(embedded, text_lengths)
            _packed_output, (hidden, _cell) = self.rnn(packed_embedded)
        else:
            _output, (hidden, _cell) = self.rnn(embedded)
        hidden = self.dropout(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1))
        return self.fc(hidden)


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    text = torch.full((max(LENGTHS), len(LENGTHS)), PAD)
    for column, length in enumerate(LENGTHS):
        text[:length, column] = torch.randint(2, VOCAB, (length,))
    return text, torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return RNN(fixed=False), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return RNN(fixed=True), _batch()
