"""https://github.com/PaccMann/paccmann_chemistry/issues/5 — "Incorrect hidden layer reshaping in
GRUEncoder"

The SMILES VAE's GRU encoder (bidirectional, several layers) reshaped its final state straight into
``[batch, directions * cell]`` before the ``hidden_to_mu`` / ``hidden_to_logvar`` layers; the reporter
found "``hidden``'s batch dimension ends up being mixed up with the ``n_directions`` dimension, i.e.
mixing the samples together", checked it on dummy data, and proposed: take the last layer
(``hidden.view(layers, directions, batch, cell)[-1]``), ``permute(1, 0, 2)`` to put the batch first,
then ``reshape(batch_size, cell_size * n_directions)``. The buggy twin takes the last layer the same way
and then reshapes without the permute; the fixed twin is the reporter's code. (The current repository
has since moved to a stack-augmented GRU; this is the encoder as the issue describes it.)
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB, EMBED, CELL, LAYERS, DIRECTIONS, LATENT, BATCH, STEPS = 20, 6, 4, 2, 2, 3, 3, 5


class GRUEncoder(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB, EMBED, padding_idx=0)
        self.gru = nn.GRU(EMBED, CELL, num_layers=LAYERS, bidirectional=True)
        self.hidden_to_mu = nn.Linear(CELL * DIRECTIONS, LATENT)
        self.hidden_to_logvar = nn.Linear(CELL * DIRECTIONS, LATENT)

    def forward(self, input_seq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch_size = input_seq.size(1)
        _output, hidden = self.gru(self.embedding(input_seq))
        # Layers x Directions x Batch x Cell_size -> Directions x Batch x Cell_size
        hidden = hidden.view(LAYERS, DIRECTIONS, batch_size, CELL)[-1]
        if self.fixed:
            hidden = hidden.permute(1, 0, 2)  # D x B x C -> B x D x C
        hidden = hidden.reshape(batch_size, CELL * DIRECTIONS)
        return self.hidden_to_mu(hidden), self.hidden_to_logvar(hidden)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return GRUEncoder(fixed=False), (torch.randint(1, VOCAB, (STEPS, BATCH)),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return GRUEncoder(fixed=True), (torch.randint(1, VOCAB, (STEPS, BATCH)),)
