"""https://github.com/AuCson/PyTorch-Batch-Attention-Seq2seq/issues/7 — "The shape of the hidden vector is
not match with encoder_outputs"

``Attn.forward`` repeats the decoder state over the source steps with
``hidden.repeat(max_len, 1, 1).transpose(0, 1)``; it was called with the decoder's whole
``last_hidden``, ``[layers, B, H]``, so with two layers ``H`` becomes ``[B, layers * T, H]`` and the
``torch.cat([H, encoder_outputs], 2)`` in ``score`` fails on dim 1 (``2T`` against ``T``). The maintainer
agreed ("this code only meant to tackle single layer cases") and the repository's fix passes
``last_hidden[-1]``, the last layer's state, ``[B, H]``. Here the encoder is one-way with as many
layers as the decoder, so the hand-off itself is clean and only the attention call differs.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

VOCAB_IN, VOCAB_OUT, EMBED, HIDDEN, LAYERS, BATCH, STEPS = 20, 12, 6, 8, 2, 3, 5


class Attn(nn.Module):
    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.attn = nn.Linear(hidden_size * 2, hidden_size)
        self.v = nn.Parameter(torch.rand(hidden_size))
        self.v.data.normal_(mean=0, std=1.0 / math.sqrt(hidden_size))

    def forward(self, hidden: torch.Tensor, encoder_outputs: torch.Tensor) -> torch.Tensor:
        max_len = encoder_outputs.size(0)
        H = hidden.repeat(max_len, 1, 1).transpose(0, 1)
        encoder_outputs = encoder_outputs.transpose(0, 1)  # [B, T, H]
        return F.softmax(self.score(H, encoder_outputs), dim=1).unsqueeze(1)

    def score(self, hidden: torch.Tensor, encoder_outputs: torch.Tensor) -> torch.Tensor:
        energy = torch.tanh(self.attn(torch.cat([hidden, encoder_outputs], 2)))  # [B, T, H]
        energy = energy.transpose(2, 1)
        v = self.v.repeat(encoder_outputs.shape[0], 1).unsqueeze(1)  # [B, 1, H]
        return torch.bmm(v, energy).squeeze(1)


class BahdanauAttnDecoderRNN(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB_OUT, EMBED)
        self.attn = Attn(HIDDEN)
        self.gru = nn.GRU(HIDDEN + EMBED, HIDDEN, LAYERS)
        self.out = nn.Linear(HIDDEN, VOCAB_OUT)

    def forward(self, word_input, last_hidden, encoder_outputs):  # type: ignore[no-untyped-def]
        word_embedded = self.embedding(word_input).view(1, word_input.size(0), -1)
        query = last_hidden[-1] if self.fixed else last_hidden
        attn_weights = self.attn(query, encoder_outputs)
        context = attn_weights.bmm(encoder_outputs.transpose(0, 1)).transpose(0, 1)  # [1, B, H]
        output, hidden = self.gru(torch.cat((word_embedded, context), 2), last_hidden)
        return F.log_softmax(self.out(output.squeeze(0)), dim=1), hidden


class Seq2Seq(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_IN, EMBED)
        self.encoder = nn.GRU(EMBED, HIDDEN, LAYERS)
        self.decoder = BahdanauAttnDecoderRNN(fixed)

    def forward(self, input_seqs: torch.Tensor) -> torch.Tensor:
        encoder_outputs, encoder_hidden = self.encoder(self.embedding(input_seqs))
        decoder_input = torch.zeros(input_seqs.size(1), dtype=torch.long)
        decoder_hidden = encoder_hidden
        outputs = []
        for _ in range(2):
            output, decoder_hidden = self.decoder(decoder_input, decoder_hidden, encoder_outputs)
            decoder_input = output.argmax(1)
            outputs.append(output)
        return torch.stack(outputs)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2Seq(fixed=False), (torch.randint(0, VOCAB_IN, (STEPS, BATCH)),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2Seq(fixed=True), (torch.randint(0, VOCAB_IN, (STEPS, BATCH)),)
