"""https://github.com/gabrielloye/Attention_Seq2seq-Translation/issues/6 — "bug in BahdanauDecoder"

The tutorial's Bahdanau decoder was written for one sequence and a one-layer encoder. Fed a batched
two-layer encoder, ``self.fc_hidden(hidden[0])`` is ``[layers, batch, H]`` (``hidden[0]`` is ``h_n``,
every layer), ``self.fc_encoder(encoder_outputs)`` is ``[batch, steps, H]``, and their sum fails to
broadcast (``The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension
1``). The reporter's answer: the decoder wants the last layer's state, ``[batch, H]``. The fixed twin
takes ``hidden[0][-1]``, unsqueezes it over the encoder's steps, and keeps the rest of the step
batched (scores by a matrix product with the weight vector, context by ``bmm``), the decoder LSTM
having as many layers as the encoder so the whole state is handed over.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

VOCAB_IN, VOCAB_OUT, HIDDEN, LAYERS, BATCH, STEPS = 20, 12, 8, 2, 3, 5


class EncoderLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_IN, HIDDEN)
        self.lstm = nn.LSTM(HIDDEN, HIDDEN, num_layers=LAYERS, batch_first=True)

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        return self.lstm(self.embedding(inputs))


class BahdanauDecoder(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB_OUT, HIDDEN)
        self.fc_hidden = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.fc_encoder = nn.Linear(HIDDEN, HIDDEN, bias=False)
        self.weight = nn.Parameter(torch.randn(1, HIDDEN))
        self.lstm = nn.LSTM(HIDDEN * 2, HIDDEN, num_layers=LAYERS, batch_first=True)
        self.classifier = nn.Linear(HIDDEN, VOCAB_OUT)

    def forward(self, inputs, hidden, encoder_outputs):  # type: ignore[no-untyped-def]
        embedded = self.embedding(inputs)
        if not self.fixed:
            # As written: h_n of every layer against the outputs of every sequence.
            x = torch.tanh(self.fc_hidden(hidden[0]) + self.fc_encoder(encoder_outputs))
            alignment_scores = x.bmm(self.weight.unsqueeze(2))
            attn_weights = F.softmax(alignment_scores.view(1, -1), dim=1)
            context_vector = torch.bmm(attn_weights.unsqueeze(0), encoder_outputs.unsqueeze(0))
            output = torch.cat((embedded.view(1, -1), context_vector[0]), 1).unsqueeze(0)
        else:
            x = torch.tanh(self.fc_hidden(hidden[0][-1]).unsqueeze(1) + self.fc_encoder(encoder_outputs))
            alignment_scores = x @ self.weight.t()  # [batch, steps, 1]
            attn_weights = F.softmax(alignment_scores.squeeze(2), dim=1)
            context_vector = torch.bmm(attn_weights.unsqueeze(1), encoder_outputs)  # [batch, 1, H]
            output = torch.cat((embedded.unsqueeze(1), context_vector), 2)
        output, hidden = self.lstm(output, hidden)
        return F.log_softmax(self.classifier(output[:, 0]), dim=1), hidden, attn_weights


class Seq2Seq(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.encoder = EncoderLSTM()
        self.decoder = BahdanauDecoder(fixed)

    def forward(self, source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        encoder_outputs, hidden = self.encoder(source)
        logits, _hidden, _attn = self.decoder(target[:, 0], hidden, encoder_outputs)
        return logits


def _inputs() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randint(0, VOCAB_IN, (BATCH, STEPS)), torch.randint(1, VOCAB_OUT, (BATCH, 9))


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2Seq(fixed=False), _inputs()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2Seq(fixed=True), _inputs()
