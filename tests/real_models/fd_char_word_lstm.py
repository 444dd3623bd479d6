"""https://github.com/jiesutd/NCRFpp/blob/master/model/charbilstm.py — NCRF++ ``CharBiLSTM.get_last_hiddens``
and the word sequence layer that uses it

A correct model (``fixed()`` returns the same model). Two recurrent layers in one forward: a
character BiLSTM runs over every word of the batch (its batch is sentences x words, here 2 x 3 = 6),
its final state is regrouped per word with ``char_hidden[0].transpose(1, 0).contiguous().view(batch_size,
-1)`` and then per sentence with ``.view(batch_size, sent_len, -1)``, concatenated with the word
embeddings, and a word BiLSTM (batch 2) runs over the result. Each regrouping belongs to the character
layer's ``h_n``; a trace that reports it on the word layer's row, or describes the word layer's
tensors with the character layer's batch, is false.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

CHARS, CHAR_EMB, CHAR_HIDDEN, WORDS, WORD_EMB, HIDDEN, TAGS = 30, 4, 6, 40, 5, 8, 4
SENTENCES, SENT_LEN, WORD_LEN = 2, 3, 4


class CharBiLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden_dim = CHAR_HIDDEN // 2
        self.char_embeddings = nn.Embedding(CHARS, CHAR_EMB)
        self.char_lstm = nn.LSTM(
            CHAR_EMB, self.hidden_dim, num_layers=1, batch_first=True, bidirectional=True
        )

    def get_last_hiddens(self, input: torch.Tensor, seq_lengths: torch.Tensor) -> torch.Tensor:
        batch_size = input.size(0)
        char_embeds = self.char_embeddings(input)
        pack_input = pack_padded_sequence(char_embeds, seq_lengths, True)
        _char_rnn_out, char_hidden = self.char_lstm(pack_input, None)
        return char_hidden[0].transpose(1, 0).contiguous().view(batch_size, -1)


class WordSequence(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.char_feature = CharBiLSTM()
        self.word_embedding = nn.Embedding(WORDS, WORD_EMB)
        self.lstm = nn.LSTM(
            WORD_EMB + CHAR_HIDDEN, HIDDEN // 2, num_layers=1, batch_first=True, bidirectional=True
        )
        self.hidden2tag = nn.Linear(HIDDEN, TAGS)

    def forward(self, word_inputs, char_inputs, char_seq_lengths, char_seq_recover):  # type: ignore[no-untyped-def]
        batch_size, sent_len = word_inputs.size(0), word_inputs.size(1)
        word_embs = self.word_embedding(word_inputs)
        char_features = self.char_feature.get_last_hiddens(char_inputs, char_seq_lengths)
        char_features = char_features[char_seq_recover].view(batch_size, sent_len, -1)
        word_represent = torch.cat([word_embs, char_features], 2)
        lstm_out, _hidden = self.lstm(word_represent, None)
        return self.hidden2tag(lstm_out)


def _build() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    torch.manual_seed(0)
    word_inputs = torch.randint(1, WORDS, (SENTENCES, SENT_LEN))
    lengths = torch.tensor([4, 3, 3, 2, 2, 1])  # each word's characters, sorted as NCRF++ sorts them
    char_inputs = torch.zeros(SENTENCES * SENT_LEN, WORD_LEN, dtype=torch.long)
    for row, length in enumerate(lengths.tolist()):
        char_inputs[row, :length] = torch.randint(1, CHARS, (length,))
    char_seq_recover = torch.randperm(SENTENCES * SENT_LEN)
    return WordSequence(), (word_inputs, char_inputs, lengths, char_seq_recover)


def buggy() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return _build()


def fixed() -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    return _build()
