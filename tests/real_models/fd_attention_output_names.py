"""https://github.com/IBM/pytorch-seq2seq/blob/master/seq2seq/models/attention.py — IBM pytorch-seq2seq,
``Attention.forward(output, context)``

A correct model (``fixed()`` returns the same model). The decoder runs its GRU over the target and
attends over the encoder's outputs: ``attn = torch.bmm(output, context.transpose(1, 2))`` with
``output`` the decoder's ``[batch, out_len, dim]`` and ``context`` the encoder's ``[batch, in_len, dim]``
("(batch, out_len, dim) * (batch, in_len, dim) -> (batch, out_len, in_len)"), then ``mix = torch.bmm(
attn, context)`` and ``torch.cat((mix, output), dim=2)``. Both tensors are some GRU's ``output``; a
trace that writes both as ``output`` shows ``output.bmm(output.transpose(1, 2))``, which reads as
self-attention. Each must be named by the call it came from (``encoder.rnn`` and ``decoder.rnn``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

VOCAB_IN, VOCAB_OUT, HIDDEN, BATCH, STEPS, TARGET = 20, 12, 6, 3, 5, 4


class Attention(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.linear_out = nn.Linear(dim * 2, dim)

    def forward(self, output: torch.Tensor, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch_size, hidden_size, input_size = output.size(0), output.size(2), context.size(1)
        attn = torch.bmm(output, context.transpose(1, 2))
        attn = F.softmax(attn.view(-1, input_size), dim=1).view(batch_size, -1, input_size)
        mix = torch.bmm(attn, context)
        combined = torch.cat((mix, output), dim=2)
        output = torch.tanh(self.linear_out(combined.view(-1, 2 * hidden_size))).view(
            batch_size, -1, hidden_size
        )
        return output, attn


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_IN, HIDDEN)
        self.rnn = nn.GRU(HIDDEN, HIDDEN, batch_first=True)

    def forward(self, input_var: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.rnn(self.embedding(input_var))


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_OUT, HIDDEN)
        self.rnn = nn.GRU(HIDDEN, HIDDEN, batch_first=True)
        self.attention = Attention(HIDDEN)
        self.out = nn.Linear(HIDDEN, VOCAB_OUT)

    def forward(self, input_var, hidden, encoder_outputs):  # type: ignore[no-untyped-def]
        batch_size, output_size = input_var.size(0), input_var.size(1)
        output, hidden = self.rnn(self.embedding(input_var), hidden)
        output, _attn = self.attention(output, encoder_outputs)
        predicted = F.log_softmax(self.out(output.contiguous().view(-1, HIDDEN)), dim=1)
        return predicted.view(batch_size, output_size, -1)


class Seq2seq(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()

    def forward(self, input_variable: torch.Tensor, target_variable: torch.Tensor) -> torch.Tensor:
        encoder_outputs, encoder_hidden = self.encoder(input_variable)
        return self.decoder(target_variable[:, :-1], encoder_hidden, encoder_outputs)


def _build() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2seq(), (
        torch.randint(0, VOCAB_IN, (BATCH, STEPS)),
        torch.randint(0, VOCAB_OUT, (BATCH, TARGET)),
    )


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()
