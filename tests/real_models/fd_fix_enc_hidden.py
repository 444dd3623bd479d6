"""https://github.com/OpenNMT/OpenNMT-py/issues/61 — "About the _fix_enc_hidden() function"

A correct model (``fixed()`` returns the same model). OpenNMT hands a bidirectional encoder's state
to its decoder with ``h.view(h.size(0) // 2, 2, h.size(1), h.size(2)).transpose(1, 2).contiguous()
.view(h.size(0) // 2, h.size(1), h.size(2) * 2)``: "the encoder hidden is (layers*directions) x batch x
dim, we need to convert it to layers x batch x (directions*dim)". The issue asked whether ``h_n`` really
is ordered layer0-forward, layer0-backward, layer1-forward, ...; a commenter checked it, and it is, so
each decoder layer gets its encoder layer's forward state beside its backward state. Unlike a bare
``view`` this one does not mix sequences; the trace must describe it as that pairing and not flag it.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB_IN, VOCAB_OUT, EMB, RNN_SIZE, LAYERS, BATCH, STEPS, TARGET = 20, 12, 5, 8, 2, 3, 6, 4


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.num_directions = 2
        self.embeddings = nn.Embedding(VOCAB_IN, EMB)
        self.rnn = nn.LSTM(EMB, RNN_SIZE // self.num_directions, num_layers=LAYERS, bidirectional=True)

    def forward(self, src: torch.Tensor):  # type: ignore[no-untyped-def]
        outputs, hidden_t = self.rnn(self.embeddings(src))
        return hidden_t, outputs


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embeddings = nn.Embedding(VOCAB_OUT, EMB)
        self.rnn = nn.LSTM(EMB, RNN_SIZE, num_layers=LAYERS)
        self.generator = nn.Linear(RNN_SIZE, VOCAB_OUT)

    def forward(self, tgt: torch.Tensor, hidden):  # type: ignore[no-untyped-def]
        outputs, _hidden = self.rnn(self.embeddings(tgt), hidden)
        return self.generator(outputs)


class NMTModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()

    def _fix_enc_hidden(self, h: torch.Tensor) -> torch.Tensor:
        if self.encoder.num_directions == 2:
            return (
                h.view(h.size(0) // 2, 2, h.size(1), h.size(2))
                .transpose(1, 2)
                .contiguous()
                .view(h.size(0) // 2, h.size(1), h.size(2) * 2)
            )
        return h

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        enc_hidden, _context = self.encoder(src)
        enc_hidden = (self._fix_enc_hidden(enc_hidden[0]), self._fix_enc_hidden(enc_hidden[1]))
        return self.decoder(tgt[:-1], enc_hidden)


def _build() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return NMTModel(), (
        torch.randint(0, VOCAB_IN, (STEPS, BATCH)),
        torch.randint(0, VOCAB_OUT, (TARGET, BATCH)),
    )


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()
