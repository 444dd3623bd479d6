"""https://github.com/spro/practical-pytorch/issues/81 — "question of 'context vector' in
seq2seq-translation/seq2seq-translation-batched.ipynb"

The batched translation tutorial hands a 2-layer bidirectional GRU encoder's state to its 2-layer
decoder with ``decoder_hidden = encoder_hidden[:decoder.n_layers]  # Use last (forward) hidden state
from encoder``. The thread works out what that slice is: "the hidden state has (2 * 2)=4 parts, the
first two parts are the forward and backward state of layer 1" — so the decoder's first layer gets the
encoder's first layer forward and its second layer the same encoder layer's backward state, not each
layer's forward state as the comment says. torch accepts the shapes. The fixed twin takes what the
comment meant, each encoder layer's forward state for the decoder layer of the same depth:
``encoder_hidden[0::2]``.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB_IN, VOCAB_OUT, HIDDEN, LAYERS, BATCH, STEPS = 20, 12, 6, 2, 3, 5


class Seq2Seq(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.embedding = nn.Embedding(VOCAB_IN, HIDDEN)
        self.encoder = nn.GRU(HIDDEN, HIDDEN, LAYERS, bidirectional=True)
        self.decoder_embedding = nn.Embedding(VOCAB_OUT, HIDDEN)
        self.decoder = nn.GRU(HIDDEN, HIDDEN, LAYERS)
        self.out = nn.Linear(HIDDEN, VOCAB_OUT)

    def forward(self, source: torch.Tensor) -> torch.Tensor:
        _outputs, encoder_hidden = self.encoder(self.embedding(source))
        # As written: "Use last (forward) hidden state from encoder"; fixed: each layer's forward state.
        decoder_hidden = encoder_hidden[0::2] if self.fixed else encoder_hidden[: self.decoder.num_layers]
        decoder_input = torch.zeros(1, source.size(1), dtype=torch.long)
        output, _hidden = self.decoder(self.decoder_embedding(decoder_input), decoder_hidden)
        return self.out(output.squeeze(0))


def buggy() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2Seq(fixed=False), (torch.randint(0, VOCAB_IN, (STEPS, BATCH)),)


def fixed() -> tuple[nn.Module, tuple[torch.Tensor]]:
    torch.manual_seed(0)
    return Seq2Seq(fixed=True), (torch.randint(0, VOCAB_IN, (STEPS, BATCH)),)
