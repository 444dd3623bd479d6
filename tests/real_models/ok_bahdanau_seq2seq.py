"""https://github.com/bentrevett/pytorch-seq2seq — "3 - Neural Machine Translation by Jointly Learning to
Align and Translate"

A correct model (``fixed()`` returns the same model). A bidirectional GRU encoder whose two final states
are joined and bridged to the decoder's size, ``torch.tanh(self.fc(torch.cat((hidden[-2,:,:],
hidden[-1,:,:]), dim=1)))``; an attention over every encoder output (``hidden.unsqueeze(1).repeat(1,
src_len, 1)`` beside ``encoder_outputs.permute(1, 0, 2)``); and a one-step GRU decoder called in a loop
with ``hidden.unsqueeze(0)``, returning ``hidden.squeeze(0)``. Every hand-off is right; the trace must
end on no pitfall. (Teacher forcing is off so the run is deterministic: each step feeds the argmax.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

INPUT_DIM, OUTPUT_DIM, EMB, ENC_HID, DEC_HID, SRC_LEN, TRG_LEN, BATCH = 20, 12, 5, 4, 6, 5, 4, 3


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(INPUT_DIM, EMB)
        self.rnn = nn.GRU(EMB, ENC_HID, bidirectional=True)
        self.fc = nn.Linear(ENC_HID * 2, DEC_HID)
        self.dropout = nn.Dropout(0.5)

    def forward(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedded = self.dropout(self.embedding(src))
        outputs, hidden = self.rnn(embedded)
        hidden = torch.tanh(self.fc(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)))
        return outputs, hidden


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.Linear(ENC_HID * 2 + DEC_HID, DEC_HID)
        self.v = nn.Linear(DEC_HID, 1, bias=False)

    def forward(self, hidden: torch.Tensor, encoder_outputs: torch.Tensor) -> torch.Tensor:
        src_len = encoder_outputs.shape[0]
        hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)
        encoder_outputs = encoder_outputs.permute(1, 0, 2)
        energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
        return F.softmax(self.v(energy).squeeze(2), dim=1)


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = Attention()
        self.embedding = nn.Embedding(OUTPUT_DIM, EMB)
        self.rnn = nn.GRU(ENC_HID * 2 + EMB, DEC_HID)
        self.fc_out = nn.Linear(ENC_HID * 2 + DEC_HID + EMB, OUTPUT_DIM)
        self.dropout = nn.Dropout(0.5)

    def forward(self, input, hidden, encoder_outputs):  # type: ignore[no-untyped-def]
        embedded = self.dropout(self.embedding(input.unsqueeze(0)))
        a = self.attention(hidden, encoder_outputs).unsqueeze(1)
        weighted = torch.bmm(a, encoder_outputs.permute(1, 0, 2)).permute(1, 0, 2)
        output, hidden = self.rnn(torch.cat((embedded, weighted), dim=2), hidden.unsqueeze(0))
        prediction = self.fc_out(
            torch.cat((output.squeeze(0), weighted.squeeze(0), embedded.squeeze(0)), dim=1)
        )
        return prediction, hidden.squeeze(0)


class Seq2Seq(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()

    def forward(self, src: torch.Tensor, trg: torch.Tensor) -> torch.Tensor:
        outputs = torch.zeros(trg.shape[0], trg.shape[1], OUTPUT_DIM)
        encoder_outputs, hidden = self.encoder(src)
        input = trg[0, :]
        for t in range(1, trg.shape[0]):
            output, hidden = self.decoder(input, hidden, encoder_outputs)
            outputs[t] = output
            input = output.argmax(1)
        return outputs


def _build() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    src = torch.randint(0, INPUT_DIM, (SRC_LEN, BATCH))
    return Seq2Seq(), (src, torch.randint(0, OUTPUT_DIM, (TRG_LEN, BATCH)))


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, torch.Tensor]]:
    return _build()
