"""https://github.com/IBM/pytorch-seq2seq/blob/master/seq2seq/models/DecoderRNN.py — IBM pytorch-seq2seq,
``DecoderRNN._cat_directions``

A correct model (``fixed()`` returns the same model). A bidirectional 2-layer encoder hands its state
to a one-way 2-layer decoder of twice the width through ``_cat_directions``:
``torch.cat([h[0:h.size(0):2], h[1:h.size(0):2]], 2)``, "(#directions * #layers, #batch, hidden_size)
-> (#layers, #batch, #directions * hidden_size)". The strided slices are every layer's forward state
and every layer's backward state, and the ``cat`` puts each layer's forward beside its backward: the
usual bidirectional-encoder hand-off. The trace described the ``cat`` as "every layer and direction:
the whole final state"; it must say what the slices pair.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

VOCAB_IN, VOCAB_OUT, HIDDEN, LAYERS, BATCH, STEPS, TARGET = 20, 12, 4, 2, 3, 5, 4


class EncoderRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_IN, HIDDEN)
        self.rnn = nn.GRU(HIDDEN, HIDDEN, LAYERS, batch_first=True, bidirectional=True)

    def forward(self, input_var: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.rnn(self.embedding(input_var))


class DecoderRNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bidirectional_encoder = True
        self.hidden_size = HIDDEN * 2
        self.embedding = nn.Embedding(VOCAB_OUT, self.hidden_size)
        self.rnn = nn.GRU(self.hidden_size, self.hidden_size, LAYERS, batch_first=True)
        self.out = nn.Linear(self.hidden_size, VOCAB_OUT)

    def _cat_directions(self, h: torch.Tensor) -> torch.Tensor:
        if self.bidirectional_encoder:
            h = torch.cat([h[0 : h.size(0) : 2], h[1 : h.size(0) : 2]], 2)
        return h

    def forward(self, inputs: torch.Tensor, encoder_hidden: torch.Tensor) -> torch.Tensor:
        decoder_hidden = self._cat_directions(encoder_hidden)
        batch_size, output_size = inputs.size(0), inputs.size(1) - 1
        output, _hidden = self.rnn(self.embedding(inputs[:, :-1]), decoder_hidden)
        predicted = F.log_softmax(self.out(output.contiguous().view(-1, self.hidden_size)), dim=1)
        return predicted.view(batch_size, output_size, -1)


class Seq2seq(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = EncoderRNN()
        self.decoder = DecoderRNN()

    def forward(self, input_variable: torch.Tensor, target_variable: torch.Tensor) -> torch.Tensor:
        _encoder_outputs, encoder_hidden = self.encoder(input_variable)
        return self.decoder(target_variable, encoder_hidden)


def _build() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    source = torch.randint(0, VOCAB_IN, (BATCH, STEPS))
    return Seq2seq(), (source, torch.randint(0, VOCAB_OUT, (BATCH, TARGET)))


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()
