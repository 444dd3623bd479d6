"""A part-of-speech style tagger: a packed batch of sentences of different lengths through an LSTM."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Tagger(nn.Module):
    def __init__(self, vocab: int = 50, embed: int = 8, hidden: int = 16, tags: int = 5) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=0)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, tags)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        packed_output, (_h_n, _c_n) = self.lstm(packed)
        output, _lengths = pad_packed_sequence(packed_output, batch_first=True)
        return self.out(output)


def build() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    lengths = torch.tensor([6, 3, 5])
    tokens = torch.randint(1, 50, (3, 6))
    return Tagger(), (tokens, lengths)


if __name__ == "__main__":
    model, args = build()
    print(model(*args).shape)
