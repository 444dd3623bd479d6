"""https://github.com/claravania/lstm-pytorch/blob/master/model.py — "LSTM classification using Pytorch"

A correct model (``fixed()`` returns the same model). A one-way, one-layer LSTM classifier packs its
padded, length-sorted batch and classifies from ``ht[-1]``: "ht is the last hidden state of the
sequences", and with a packed batch it is each sequence's state at its own last token, whatever the
padding. The trace must not flag padding here, nor call ``ht[-1]`` anything but the last layer's
final state. (The original draws ``self.hidden`` with ``torch.randn`` on every call; so does this.)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

VOCAB, EMBED, HIDDEN, OUT = 30, 6, 8, 3
LENGTHS = (6, 4, 3, 1)


class LSTMClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden_dim = HIDDEN
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, num_layers=1)
        self.hidden2out = nn.Linear(HIDDEN, OUT)
        self.softmax = nn.LogSoftmax(dim=1)
        self.dropout_layer = nn.Dropout(p=0.2)

    def init_hidden(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.randn(1, batch_size, self.hidden_dim), torch.randn(1, batch_size, self.hidden_dim)

    def forward(self, batch: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        self.hidden = self.init_hidden(batch.size(-1))
        embeds = self.embedding(batch)
        packed_input = pack_padded_sequence(embeds, lengths)
        _outputs, (ht, _ct) = self.lstm(packed_input, self.hidden)
        output = self.dropout_layer(ht[-1])
        return self.softmax(self.hidden2out(output))


def _build() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    batch = torch.zeros(max(LENGTHS), len(LENGTHS), dtype=torch.long)
    for column, length in enumerate(LENGTHS):
        batch[:length, column] = torch.randint(1, VOCAB, (length,))
    return LSTMClassifier(), (batch, torch.tensor(LENGTHS))


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()
