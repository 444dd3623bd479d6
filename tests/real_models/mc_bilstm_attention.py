"""https://github.com/graykode/nlp-tutorial/issues/38 — "Question about tensor.view operation in
Bi-LSTM(Attention)"

The tutorial's attention query is ``hidden = final_state.view(-1, n_hidden * 2, 1)``: ``final_state`` is
``[2, B, H]`` (directions first), so the view puts sequence 0's forward state beside sequence 1's
forward state, and so on, instead of each sequence's forward beside its backward; the shapes work out
and ``torch.bmm(lstm_output, hidden)`` runs, scoring every sequence against a mix of others. The
issue demonstrates it with ``torch.arange``; issue #68 gives the fix,
``final_state.transpose(0, 1).reshape(batch_size, -1, 1)``, which is the twin. The trace already flags
the view; what consumes it (both ``bmm`` calls, the ``Linear``) must not be called ok.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

VOCAB, EMBED, N_HIDDEN, CLASSES, BATCH, STEPS = 16, 2, 5, 2, 3, 3


class BiLSTMAttention(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, N_HIDDEN, bidirectional=True)
        self.out = nn.Linear(N_HIDDEN * 2, CLASSES)

    def attention_net(self, lstm_output: torch.Tensor, final_state: torch.Tensor) -> torch.Tensor:
        batch_size = len(lstm_output)
        if self.fixed:
            hidden = final_state.transpose(0, 1).reshape(batch_size, -1, 1)
        else:
            hidden = final_state.view(-1, N_HIDDEN * 2, 1)
        attn_weights = torch.bmm(lstm_output, hidden).squeeze(2)
        soft_attn_weights = F.softmax(attn_weights, 1)
        return torch.bmm(lstm_output.transpose(1, 2), soft_attn_weights.unsqueeze(2)).squeeze(2)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        input = self.embedding(X).permute(1, 0, 2)  # [T, B, E]
        hidden_state = torch.zeros(1 * 2, len(X), N_HIDDEN)
        cell_state = torch.zeros(1 * 2, len(X), N_HIDDEN)
        output, (final_hidden_state, _final_cell_state) = self.lstm(input, (hidden_state, cell_state))
        output = output.permute(1, 0, 2)  # [B, T, 2H]
        return self.out(self.attention_net(output, final_hidden_state))


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BiLSTMAttention(fixed=False), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BiLSTMAttention(fixed=True), (torch.randint(0, VOCAB, (BATCH, STEPS)),)
