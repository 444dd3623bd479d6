"""Chunks: the state carried across equals the unchunked run, checked here with torch alone."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gru_shapes.errors import OptionError
from gru_shapes.model.chunks import chunk_lengths
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from tests.oracle import input_shape, torch_module
from tests.strategies import SEQUENCE_MODULES, valid_options

TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


@st.composite
def chunked_options(draw: st.DrawFn) -> dict[str, Any]:
    options = draw(valid_options(modules=SEQUENCE_MODULES))
    options.pop("lengths", None)
    options.setdefault("seq_len", draw(st.integers(1, 40)))
    options["chunks"] = draw(st.integers(1, options["seq_len"]))
    options["dtype"] = draw(st.sampled_from(["float32", "float64"]))
    return options


def chunked_here(options: dict[str, Any]) -> bool:
    """Run this test's own module whole and in chunks; whether they agree within the tolerance."""
    dtype = getattr(torch, options["dtype"])
    module = torch_module(options).to(dtype).eval()
    x = torch.randn(input_shape(options), dtype=dtype)
    time = 1 if options.get("batch_first", True) and not options.get("unbatched") else 0
    with torch.no_grad():
        whole, state = module(x)
        pieces, carried = [], None
        for piece in torch.tensor_split(x, options["chunks"], dim=time):
            output, carried = module(piece, carried)
            pieces.append(output)
    tolerance = TOLERANCE[options["dtype"]]
    finals = zip(
        state if isinstance(state, tuple) else (state,),
        carried if isinstance(carried, tuple) else (carried,),
        strict=True,
    )
    pairs = [(whole, torch.cat(pieces, dim=time)), *finals]
    return all(torch.allclose(a, b, rtol=tolerance, atol=tolerance) for a, b in pairs)


@given(chunked_options())
def test_chunked_runs_equal_the_whole_run_exactly_when_torch_says_so(options: dict[str, Any]) -> None:
    chunks = report_for(make_spec(**options)).chunks
    assert chunks is not None
    assert chunks.lengths == tuple(
        t.shape[0] for t in torch.tensor_split(torch.empty(options["seq_len"]), options["chunks"])
    )
    assert chunks.equal == chunked_here(options)
    if not options.get("bidirectional") or options["chunks"] == 1:
        assert chunks.equal and chunks.max_abs_diff <= TOLERANCE[options["dtype"]]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"batch_size": 4}, "Expected hidden size (1, 3, 32), got [1, 4, 32]"),
        (
            {"module": "LSTM", "layers": 2, "batch_first": False},
            "Expected hidden[0] size (2, 1, 32), got [2, 2, 32]",
        ),
    ],
    ids=["gru", "lstm-seq-first"],
)
def test_the_smaller_last_batch_shows_torchs_message_and_the_fix_runs(
    options: dict[str, Any], error: str
) -> None:
    last = report_for(make_spec(chunks=3, **options)).chunks.last_batch  # type: ignore[union-attr]
    assert last is not None and last.fixed
    carried = torch.zeros(options.get("layers", 1), last.carried, 32)
    module = torch_module(options)
    state: Any = (carried, carried) if options.get("module") == "LSTM" else carried
    x = torch.zeros(input_shape({**options, "batch_size": last.given, "seq_len": 11}))
    with pytest.raises(RuntimeError) as refused:
        module(x, state)
    assert str(refused.value) == last.error == error
    for fix in (last.fix, last.alternative):
        scope: dict[str, Any] = {"h": state, "x": x}
        exec(fix, scope)
        module(x, scope["h"])


def test_an_unbatched_input_has_no_last_batch() -> None:
    chunks = report_for(make_spec(unbatched=True, chunks=2)).chunks
    assert chunks is not None and chunks.equal and chunks.last_batch is None


def test_no_chunks_unless_asked() -> None:
    assert report_for(make_spec()).chunks is None


@pytest.mark.parametrize(("seq_len", "count"), [(35, 3), (7, 7), (10, 1), (5, 2)])
def test_chunk_lengths_cut_as_torch_does(seq_len: int, count: int) -> None:
    expected = tuple(t.shape[0] for t in torch.tensor_split(torch.empty(seq_len), count))
    assert chunk_lengths(seq_len, count) == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"chunks": 0}, "--chunks must be a whole number of at least 1, got 0"),
        ({"chunks": 36}, "--chunks must be at most seq_len = 35"),
        ({"chunks": 2, "lengths": "3,2"}, "--lengths cannot be combined with --chunks"),
        ({"chunks": 2, "module": "LSTMCell"}, "--chunks does not apply to nn.LSTMCell"),
    ],
    ids=["zero", "too-many", "packed", "cell"],
)
def test_bad_chunks_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        make_spec(**options)
