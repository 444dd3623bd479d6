"""Evidence the trace takes from the forward itself: a state computed by an earlier forward pass (with
its graph) against one carried within this forward, and padding seen in embedding ids or in zero
vectors that stop at lengths the model was given, against zero vectors alone or padding in front."""

from __future__ import annotations

import torch
from torch import nn

from gru_shapes import trace, trace_call


class Chunks(nn.Module):
    """Carries its LSTM state across two chunks of one forward (truncated backprop's inner loop)."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 4)

    def forward(self, x: torch.Tensor, hx: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        first, state = self.lstm(x[:2], hx)
        second, _state = self.lstm(x[2:], state)
        return torch.cat((first, second))


def test_a_state_carried_within_the_forward_is_not_an_earlier_graph() -> None:
    traced = trace_call(Chunks(), (torch.randn(4, 2, 3),), train=True, inference_mode=False, lang="en")
    assert traced.error is None and not traced.pitfalls


def test_a_state_from_an_earlier_forward_with_its_graph_is_flagged_until_detached() -> None:
    # https://github.com/pytorch/pytorch/issues/2769: the previous batch's (h_n, c_n) fed back as hx.
    model = Chunks()
    _output, state = model.lstm(torch.randn(2, 2, 3))  # an earlier training step, autograd on
    flagged = trace(model, torch.randn(4, 2, 3), state, lang="en")
    assert flagged.pitfalls.rules == ("state-not-detached",)
    assert "tuple(h.detach() for h in hx)" in (flagged.pitfalls[0].pitfall or "")
    detached = tuple(h.detach() for h in state)
    assert not trace(model, torch.randn(4, 2, 3), detached, lang="en").pitfalls


class Classifier(nn.Module):
    """Embeds token ids (batch first) and runs a seq-first LSTM over them, reading the last step."""

    def __init__(self, padding_idx: int | None) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 4, padding_idx=padding_idx)
        self.lstm = nn.LSTM(4, 5)

    def forward(self, ids: torch.Tensor, lengths: list[int] | None = None) -> torch.Tensor:
        output, _state = self.lstm(self.embedding(ids).permute(1, 0, 2))
        return output[-1]


def _ids(front: bool = False) -> torch.Tensor:
    ids = torch.full((3, 6), 0)
    for b, length in enumerate((6, 4, 2)):
        real = torch.randint(1, 20, (length,))
        if front:
            ids[b, 6 - length :] = real
        else:
            ids[b, :length] = real
    return ids


def test_padding_is_seen_in_embedding_ids_whatever_their_layout() -> None:
    torch.manual_seed(0)
    last = trace(Classifier(padding_idx=0), _ids(), lang="en").pitfalls
    assert last.rules == ("padded-last-step",) and "padding for 2 of 3 sequences" in (last[0].pitfall or "")


def test_padding_in_front_is_not_read_as_the_last_step() -> None:
    torch.manual_seed(0)
    assert not trace(Classifier(padding_idx=0), _ids(front=True), lang="en").pitfalls


def test_zero_vectors_count_as_padding_only_where_the_lengths_given_say_so() -> None:
    torch.manual_seed(0)
    # No padding_idx: the embedding's row 0 is not zero; zero rows come from the model's own data.
    model = Classifier(padding_idx=None)
    with torch.no_grad():
        model.embedding.weight[0] = 0.0
    assert not trace(model, _ids(), lang="en").pitfalls
    given = trace(model, _ids(), [6, 4, 2], lang="en").pitfalls
    assert given.rules == ("padded-last-step",)
    assert not trace(model, _ids(), [6, 5, 2], lang="en").pitfalls  # lengths that do not match the zeros
