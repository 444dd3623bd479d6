"""https://github.com/zy1996code/nlp_basic_model/issues/1 — "Why do you use .view(-1,n_hidden,1)"

A copy of the Bi-LSTM attention tutorial that reshapes the bidirectional final state with
``final_state.view(-1, n_hidden, 1)``: ``[2, B, H]`` becomes ``[2B, H, 1]``, so the directions end up
in the batch dim, and ``torch.bmm(lstm_output, hidden)`` with ``lstm_output`` ``[B, T, 2H]`` fails
(batch ``B`` against ``2B``; and ``2H`` against ``H``). The reporter: "It should use '.permute'", and a
commenter points out that ``lstm_output`` is ``[B, T, 2H]``. The fixed twin puts each sequence's two
directions side by side, ``torch.cat((final_state[0], final_state[1]), 1).unsqueeze(2)``:
``[B, 2H, 1]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

VOCAB, EMBED, N_HIDDEN, CLASSES, BATCH, STEPS = 16, 6, 5, 2, 3, 4


class BiLSTMAttention(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.lstm = nn.LSTM(EMBED, N_HIDDEN, bidirectional=True)
        self.out = nn.Linear(N_HIDDEN * 2, CLASSES)

    def attention_net(self, lstm_output: torch.Tensor, final_state: torch.Tensor) -> torch.Tensor:
        if self.fixed:
            hidden = torch.cat((final_state[0], final_state[1]), 1).unsqueeze(2)
        else:
            hidden = final_state.view(-1, N_HIDDEN, 1)
        attn_weights = torch.bmm(lstm_output, hidden).squeeze(2)
        soft_attn_weights = F.softmax(attn_weights, 1)
        return torch.bmm(lstm_output.transpose(1, 2), soft_attn_weights.unsqueeze(2)).squeeze(2)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        input = self.embedding(X).permute(1, 0, 2)  # [T, B, E]
        output, (final_hidden_state, _final_cell_state) = self.lstm(input)
        output = output.permute(1, 0, 2)  # [B, T, 2H]
        return self.out(self.attention_net(output, final_hidden_state))


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BiLSTMAttention(fixed=False), (torch.randint(0, VOCAB, (BATCH, STEPS)),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return BiLSTMAttention(fixed=True), (torch.randint(0, VOCAB, (BATCH, STEPS)),)
