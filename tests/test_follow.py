"""What a slice of a recurrent result holds, checked against torch's own tensors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from gru_shapes.model import follow, readings, regroup
from gru_shapes.model.follow import Context


@given(layers=st.integers(1, 3), bidirectional=st.booleans(), index=st.integers(-6, 5))
def test_an_index_of_h_n_holds_the_layer_and_direction_torch_puts_there(
    layers: int, bidirectional: bool, index: int
) -> None:
    d = 2 if bidirectional else 1
    if not -layers * d <= index < layers * d:
        return
    gru = nn.GRU(3, 4, num_layers=layers, bidirectional=bidirectional)
    output, h_n = gru(torch.randn(5, 2, 3))
    reading = readings.describe(follow.select(Context("GRU", layers, d, 4, 2, 5).h_n(), 0, index))
    layer, direction = divmod(index % (layers * d), d)
    # torch as the oracle: the slot torch filled at this index is the one named.
    assert torch.equal(h_n[index], h_n.view(layers, d, 2, 4)[layer, direction])
    if layer == layers - 1:
        half = output[-1, :, :4] if direction == 0 else output[0, :, 4:]
        assert torch.allclose(h_n[index], half)
    assert f"layer {layer}" in reading.holds or (layers * d == 1 and "every layer" in reading.holds)
    backward_last = bidirectional and layer == layers - 1 and direction == 1
    assert (reading.pitfall is not None and "backward direction only" in reading.pitfall) == backward_last


@pytest.mark.parametrize(
    ("shape", "mixes"), [((2, 2, 3, 4), False), ((2, 3, 8), True), ((4, 12), False)], ids=str
)
def test_a_view_of_h_n_mixes_dims_only_across_their_boundaries(shape: tuple[int, ...], mixes: bool) -> None:
    meaning = regroup.reshape(Context("GRU", 2, 2, 4, 3, 5).h_n(), list(shape))
    assert meaning.shape == shape
    assert (meaning.mixed is not None) == mixes


def test_the_last_padded_step_is_padding_for_shorter_sequences() -> None:
    lengths = (5, 2, 3)
    context = Context("GRU", h_size=4, batch=3, steps=5, lengths=lengths, batch_first=True)
    gather = follow.take(context.output(), [0, 1], [[0, 1, 2], [4, 1, 2]])
    assert readings.describe(gather).pitfall is None
    last = readings.describe(follow.select(context.output(), 1, -1))
    assert last.pitfall is not None and last.pitfall.startswith("padding for 2 of 3 sequences")


def test_joining_both_directions_is_the_whole_last_layer() -> None:
    state = Context("GRU", 1, 2, 4, 3, 5).h_n()
    joined = regroup.concatenate([follow.select(state, 0, -2), follow.select(state, 0, -1)], 1)
    assert joined.shape == (3, 8)
    assert readings.describe(joined).pitfall is None
