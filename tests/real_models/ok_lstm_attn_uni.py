"""https://github.com/prakashpandey9/Text-Classification-Pytorch/blob/master/models/LSTM_Attn.py — LSTM with
attention text classifier

A correct model (``fixed()`` returns the same model). The one-way counterpart of the Bi-LSTM attention
cases: ``hidden = final_state.squeeze(0)`` is ``[B, H]`` (one layer, one direction), the attention
scores are ``torch.bmm(lstm_output, hidden.unsqueeze(2))`` and the new state
``torch.bmm(lstm_output.transpose(1, 2), soft_attn_weights.unsqueeze(2))``. Nothing mixes sequences;
the trace must not flag the ``bmm`` calls. (The original builds ``h_0``/``c_0`` with ``.cuda()``; CPU zeros
here.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

VOCAB, EMBED, HIDDEN, OUT, BATCH, STEPS = 25, 6, 5, 2, 3, 6


class AttentionModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.batch_size, self.hidden_size = BATCH, HIDDEN
        self.word_embeddings = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN)
        self.label = nn.Linear(HIDDEN, OUT)

    def attention_net(self, lstm_output: torch.Tensor, final_state: torch.Tensor) -> torch.Tensor:
        hidden = final_state.squeeze(0)
        attn_weights = torch.bmm(lstm_output, hidden.unsqueeze(2)).squeeze(2)
        soft_attn_weights = F.softmax(attn_weights, 1)
        return torch.bmm(lstm_output.transpose(1, 2), soft_attn_weights.unsqueeze(2)).squeeze(2)

    def forward(self, input_sentences: torch.Tensor) -> torch.Tensor:
        input = self.word_embeddings(input_sentences).permute(1, 0, 2)
        h_0 = torch.zeros(1, self.batch_size, self.hidden_size)
        c_0 = torch.zeros(1, self.batch_size, self.hidden_size)
        output, (final_hidden_state, _final_cell_state) = self.lstm(input, (h_0, c_0))
        output = output.permute(1, 0, 2)  # (batch_size, num_seq, hidden_size)
        return self.label(self.attention_net(output, final_hidden_state))


def _build() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return AttentionModel(), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    return _build()
