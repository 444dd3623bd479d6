"""An encoder-decoder with attention: a bidirectional GRU encoder, and a GRUCell decoder that steps
in a loop, attending over the encoder's outputs at each step."""

from __future__ import annotations

import torch
from torch import nn


class Seq2Seq(nn.Module):
    def __init__(self, features: int = 10, hidden: int = 16, vocab: int = 20, steps: int = 4) -> None:
        super().__init__()
        self.hidden, self.steps = hidden, steps
        self.encoder = nn.GRU(features, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)
        self.embedding = nn.Embedding(vocab, hidden)
        self.decoder = nn.GRUCell(2 * hidden, hidden)
        self.keys = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, source: torch.Tensor) -> torch.Tensor:
        memory, h_n = self.encoder(source)
        batch = source.shape[0]
        # Both directions' final states, concatenated per sequence, then bridged to the decoder's size.
        state = torch.tanh(self.bridge(h_n.transpose(0, 1).reshape(batch, 2 * self.hidden)))
        keys = self.keys(memory)
        token = torch.zeros(batch, dtype=torch.long)
        logits = []
        for _step in range(self.steps):
            scores = torch.bmm(keys, state.unsqueeze(2)).squeeze(2)
            context = torch.bmm(scores.softmax(1).unsqueeze(1), memory).squeeze(1)
            state = self.decoder(torch.cat((self.embedding(token), context[:, : self.hidden]), dim=1), state)
            step_logits = self.out(state)
            token = step_logits.argmax(1)
            logits.append(step_logits)
        return torch.stack(logits, dim=1)


def build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2Seq(), (torch.randn(2, 7, 10),)


if __name__ == "__main__":
    model, args = build()
    print(model(*args).shape)
