"""The live run: real tensors, identities checked on them, torch's warnings turned into notes."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given

from gru_shapes.api import report_for
from gru_shapes.errors import GruShapesError, RunFailure
from gru_shapes.runner import observe
from gru_shapes.shapes import predict
from gru_shapes.spec import make_spec
from tests.oracle import torch_refuses, torch_shapes
from tests.strategies import edge_options, valid_options

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


@given(valid_options)
def test_reported_shapes_are_torchs_and_every_check_holds(options: dict[str, Any]) -> None:
    report = report_for(make_spec(**options))
    expected = torch_shapes(options)
    for key in ("input", "h_0", "output", "h_n"):
        assert list(report.tensor(key).shape) == expected[key], key
    assert list(report.observation.parameters) == [(n, tuple(s)) for n, s in expected["parameters"]]  # type: ignore[union-attr]
    assert report.passed, [c for c in report.checks if not c.passed]
    identities = [c for c in report.checks if c.name.startswith("h_n of the last layer")]
    assert len(identities) == (2 if options["bidirectional"] else 1)


def test_the_run_is_seeded_and_leaves_the_callers_rng_alone() -> None:
    spec = make_spec(seed=7)
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    observe(spec, predict(spec))
    assert torch.equal(before, torch.random.get_rng_state())


def test_identity_checks_can_fail() -> None:
    """A check that cannot fail proves nothing: feed the identity a mismatching tensor."""
    from gru_shapes.runner import _identities

    spec = make_spec(bidirectional=True, batch_size=2)
    output = torch.zeros(2, 35, 64)
    h_n = torch.ones(2, 2, 32)
    assert [c.passed for c in _identities(spec, output, h_n)] == [False, False]


def test_torch_warnings_become_notes_not_python_warnings(recwarn: pytest.WarningsRecorder) -> None:
    spec = make_spec(dropout=0.5)
    observation = observe(spec, predict(spec))
    assert any("dropout" in note and "num_layers" in note for note in observation.warnings)
    assert len(recwarn) == 0


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_every_dtype_runs_on_cpu(dtype: str) -> None:
    report = report_for(make_spec(dtype=dtype, layers=2, bidirectional=True))
    assert report.passed
    assert report.device == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_cuda_without_a_gpu_is_a_run_failure(device: str) -> None:
    with pytest.raises(RunFailure, match=f"--device {device}: CUDA is not available here"):
        report_for(make_spec(device=device))


def test_auto_falls_back_to_cpu_without_cuda() -> None:
    expected = "cuda:0" if torch.cuda.is_available() else "cpu"
    assert report_for(make_spec(device="auto")).device == expected


@pytest.mark.cuda
@needs_cuda
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_cuda_run_matches_the_cpu_shapes(dtype: str) -> None:
    options = {"layers": 3, "bidirectional": True, "batch_size": 4, "seq_len": 20, "dtype": dtype}
    on_gpu = report_for(make_spec(device="cuda", **options))
    on_cpu = report_for(make_spec(device="cpu", **options))
    assert on_gpu.device.startswith("cuda")
    assert on_gpu.passed, [c for c in on_gpu.checks if not c.passed]
    assert [t.shape for t in on_gpu.tensors] == [t.shape for t in on_cpu.tensors]


@pytest.mark.cuda
@needs_cuda
def test_missing_cuda_ordinal_is_a_run_failure() -> None:
    with pytest.raises(RunFailure, match="CUDA device"):
        report_for(make_spec(device=f"cuda:{torch.cuda.device_count()}"))


@given(edge_options)
def test_the_tool_refuses_exactly_what_torch_refuses(options: dict[str, Any]) -> None:
    try:
        report_for(make_spec(**options))
        tool_refuses = False
    except GruShapesError:
        tool_refuses = True
    assert tool_refuses == torch_refuses(options)
