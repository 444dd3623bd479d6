"""Reading a recurrent call: what was passed, and the standalone spec for it."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from gru_shapes.tracing import calls as trace_calls


@given(st.lists(st.integers(1, 9), min_size=1, max_size=6), st.booleans())
def test_lengths_are_read_back_from_torch_s_packed_sequence(lengths: list[int], batch_first: bool) -> None:
    x = torch.zeros((len(lengths), max(lengths), 2) if batch_first else (max(lengths), len(lengths), 2))
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
    assert trace_calls.lengths_of(packed) == tuple(lengths)


@pytest.mark.parametrize(
    ("module", "shape", "hx", "expected"),
    [
        (nn.GRU(4, 6, batch_first=True), (3, 7, 4), None, {"batch_size": 3, "seq_len": 7}),
        (nn.GRU(4, 6), (7, 3, 4), None, {"batch_size": 3, "seq_len": 7}),
        (nn.LSTM(4, 6, num_layers=2), (7, 4), None, {"unbatched": True, "seq_len": 7}),
        (nn.RNNCell(4, 6, nonlinearity="relu"), (5, 4), (5, 6), {"batch_size": 5}),
        (nn.GRU(4, 6), (7, 3, 5), None, {"input_shape": (7, 3, 5)}),
        (nn.GRU(4, 6, num_layers=2), (7, 3, 4), (1, 3, 6), {"input_shape": (7, 3, 4), "h0_shape": (1, 3, 6)}),
    ],
    ids=["batch-first", "seq-first", "unbatched-lstm", "relu-cell-with-hx", "wrong-features", "wrong-h0"],
)
def test_the_spec_is_the_module_at_the_shapes_fed(
    module: nn.Module, shape: tuple[int, ...], hx: tuple[int, ...] | None, expected: dict[str, object]
) -> None:
    fed = trace_calls.fed_of(torch.zeros(shape), None if hx is None else torch.zeros(hx))
    spec = trace_calls.spec_of(module, fed)
    keywords = spec.config.keywords()
    # The constructor's exact configuration, as torch holds it.
    for name, value in keywords.items():
        assert getattr(module, name) == value, name
    for option, value in expected.items():
        if option.endswith("_shape"):
            given = spec.given
            assert given is not None
            assert {"input_shape": given.input, "h0_shape": given.h_0}[option] == value
        else:
            assert getattr(spec, option) == value
