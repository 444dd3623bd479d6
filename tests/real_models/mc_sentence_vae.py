"""https://github.com/timbmg/Sentence-VAE/issues/15 — "Confusion about the batch in model.py (I think batch
should be the second dimension.)"

With a bidirectional (or multi-layer) encoder the VAE flattens the final state with
``hidden = hidden.view(batch_size, self.hidden_size*self.hidden_factor)``; ``hidden`` is
``[layers*directions, B, H]``, so each row mixes states of different sentences, and
``hidden2mean``/``hidden2logv`` turn that mix into each sentence's latent. The decoder side unflattens
``latent2hidden(z)`` with ``view(self.hidden_factor, batch_size, self.hidden_size)``, the same mix in
reverse. The issue's example shows ``t.view(3, 4*2)`` against ``torch.cat([t[i] for i in range(2)],
dim=1)``; the fixed twin flattens with ``hidden.transpose(0, 1).reshape(batch_size, -1)`` and
unflattens with ``view(batch_size, self.hidden_factor, self.hidden_size).transpose(0, 1)``.
"""

from __future__ import annotations

import torch
import torch.nn.utils.rnn as rnn_utils
from torch import nn

VOCAB, EMBED, HIDDEN, LATENT = 20, 6, 4, 3
LENGTHS = (5, 5, 4)


class SentenceVAE(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.latent_size, self.hidden_size = LATENT, HIDDEN
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.encoder_rnn = nn.GRU(EMBED, HIDDEN, num_layers=1, bidirectional=True, batch_first=True)
        self.decoder_rnn = nn.GRU(EMBED, HIDDEN, num_layers=1, bidirectional=True, batch_first=True)
        self.hidden_factor = 2
        self.hidden2mean = nn.Linear(HIDDEN * self.hidden_factor, LATENT)
        self.hidden2logv = nn.Linear(HIDDEN * self.hidden_factor, LATENT)
        self.latent2hidden = nn.Linear(LATENT, HIDDEN * self.hidden_factor)
        self.outputs2vocab = nn.Linear(HIDDEN * 2, VOCAB)

    def forward(self, input_sequence: torch.Tensor, length: torch.Tensor):  # type: ignore[no-untyped-def]
        batch_size = input_sequence.size(0)
        sorted_lengths, sorted_idx = torch.sort(length, descending=True)
        input_sequence = input_sequence[sorted_idx]
        input_embedding = self.embedding(input_sequence)
        packed_input = rnn_utils.pack_padded_sequence(
            input_embedding, sorted_lengths.tolist(), batch_first=True
        )
        _, hidden = self.encoder_rnn(packed_input)
        if self.fixed:
            hidden = hidden.transpose(0, 1).reshape(batch_size, self.hidden_size * self.hidden_factor)
        else:
            hidden = hidden.view(batch_size, self.hidden_size * self.hidden_factor)
        mean = self.hidden2mean(hidden)
        logv = self.hidden2logv(hidden)
        std = torch.exp(0.5 * logv)
        z = torch.randn([batch_size, self.latent_size]) * std + mean
        hidden = self.latent2hidden(z)
        if self.fixed:
            hidden = (
                hidden.view(batch_size, self.hidden_factor, self.hidden_size).transpose(0, 1).contiguous()
            )
        else:
            hidden = hidden.view(self.hidden_factor, batch_size, self.hidden_size)
        packed_input = rnn_utils.pack_padded_sequence(
            input_embedding, sorted_lengths.tolist(), batch_first=True
        )
        outputs, _ = self.decoder_rnn(packed_input, hidden)
        padded_outputs = rnn_utils.pad_packed_sequence(outputs, batch_first=True)[0].contiguous()
        _, reversed_idx = torch.sort(sorted_idx)
        padded_outputs = padded_outputs[reversed_idx]
        logp = nn.functional.log_softmax(self.outputs2vocab(padded_outputs), dim=-1)
        return logp, mean, logv, z


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randint(1, VOCAB, (len(LENGTHS), max(LENGTHS))), torch.tensor(LENGTHS)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return SentenceVAE(fixed=False), _batch()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return SentenceVAE(fixed=True), _batch()
