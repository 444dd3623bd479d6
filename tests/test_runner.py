"""The live run: real tensors, identities checked on them, torch's warnings turned into notes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import torch
from hypothesis import given

from gru_shapes.errors import GruShapesError, RunFailure
from gru_shapes.model.shapes import Prediction, predict
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.run.runner import observe
from tests.oracle import torch_refuses, torch_shapes
from tests.strategies import edge_options, valid_options

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


@given(valid_options())
def test_reported_shapes_are_torchs_and_every_check_holds(options: dict[str, Any]) -> None:
    report = report_for(make_spec(**options))
    expected = torch_shapes(options)
    assert {t.key: list(t.shape) for t in report.tensors} == {
        key: value for key, value in expected.items() if key not in ("parameters", "batch_sizes")
    }
    assert list(report.observation.parameters) == [(n, tuple(s)) for n, s in expected["parameters"]]  # type: ignore[union-attr]
    assert list(report.batch_sizes or []) == expected.get("batch_sizes", [])
    assert report.passed, [c for c in report.checks if not c.passed]
    names = [c.name for c in report.checks]
    states = 2 if options["module"].startswith("LSTM") else 1
    assert sum(name.startswith("input read by nn.") for name in names) == 1
    assert sum(" expects it (" in name for name in names) == states
    if options["module"].endswith("Cell"):
        states = 2 if options["module"] == "LSTMCell" else 1
        assert sum("one step of nn." in name for name in names) == states
    else:
        directions = 2 if options["bidirectional"] else 1
        assert sum(name.startswith("h_n of the last layer") for name in names) == directions


def test_the_run_is_seeded_and_leaves_the_callers_rng_alone() -> None:
    spec = make_spec(seed=7)
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    observe(spec, predict(spec))
    assert torch.equal(before, torch.random.get_rng_state())


def test_identity_checks_can_fail() -> None:
    """A check that cannot fail proves nothing: feed the identity a mismatching tensor."""
    from gru_shapes.run.runner import _identities, _packed_identities

    spec = make_spec(bidirectional=True, batch_size=2)
    output = torch.zeros(2, 35, 64)
    h_n = torch.ones(2, 2, 32)
    assert [c.passed for c in _identities(spec, output, h_n)] == [False, False]
    # A packed batch whose h_n came from the padded end, and a backward state not taken at step 0.
    spec = make_spec(lengths=[3, 1], bidirectional=True)
    output = torch.arange(6.0).view(2, 3, 1).expand(2, 3, 64)
    h_n = output[:, -1].reshape(2, 2, 32).transpose(0, 1)
    checks = _packed_identities(spec, {"output": output, "h_n": h_n})
    assert [c.passed for c in checks] == [False, False]


def test_a_cell_check_fails_when_the_cell_does_not_match_the_layer() -> None:
    from gru_shapes.run.runner import _cell_identities

    spec = make_spec(module="GRUCell", batch_size=2)
    cell = torch.nn.GRUCell(10, 32)
    fed = {"input": torch.randn(2, 10), "h_0": torch.randn(2, 32)}
    with torch.no_grad():
        right = {"h_1": cell(fed["input"], fed["h_0"])}
        assert [c.passed for c in _cell_identities(spec, cell, fed, right)] == [True]
        assert [c.passed for c in _cell_identities(spec, cell, fed, {"h_1": right["h_1"] + 1})] == [False]


def test_torch_warnings_become_notes_not_python_warnings(recwarn: pytest.WarningsRecorder) -> None:
    spec = make_spec(dropout=0.5)
    observation = observe(spec, predict(spec))
    assert any("dropout" in note and "num_layers" in note for note in observation.warnings)
    assert len(recwarn) == 0


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("module", ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"])
def test_every_dtype_runs_on_cpu(dtype: str, module: str) -> None:
    options = {} if module.endswith("Cell") else {"layers": 2, "bidirectional": True}
    report = report_for(make_spec(module=module, dtype=dtype, batch_size=3, **options))
    assert report.passed, [c for c in report.checks if not c.passed]
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
@pytest.mark.parametrize(
    "options",
    [
        {"layers": 3, "bidirectional": True, "batch_size": 4, "seq_len": 20},
        {"module": "LSTM", "proj_size": 8, "bidirectional": True, "lengths": [20, 3, 9]},
        {"module": "RNN", "nonlinearity": "relu", "unbatched": True},
        {"module": "LSTMCell", "batch_size": 4},
    ],
    ids=["gru", "lstm-packed", "rnn-unbatched", "lstm-cell"],
)
def test_cuda_run_matches_the_cpu_shapes(dtype: str, options: dict[str, Any]) -> None:
    on_gpu = report_for(make_spec(device="cuda", dtype=dtype, **options))
    on_cpu = report_for(make_spec(device="cpu", dtype=dtype, **options))
    assert on_gpu.device.startswith("cuda")
    assert on_gpu.passed, [c for c in on_gpu.checks if not c.passed]
    assert [t.shape for t in on_gpu.tensors] == [t.shape for t in on_cpu.tensors]


@pytest.mark.cuda
@needs_cuda
def test_cuda_diagnosis_fixes_run_on_the_gpu() -> None:
    report = report_for(make_spec(device="cuda", input_shape="1,35,12", h0_shape="1,35,32"))
    assert report.diagnosis is not None and not report.diagnosis.compatible
    assert report.diagnosis.fixes


@pytest.mark.cuda
@needs_cuda
def test_missing_cuda_ordinal_is_a_run_failure() -> None:
    with pytest.raises(RunFailure, match="CUDA device"):
        report_for(make_spec(device=f"cuda:{torch.cuda.device_count()}"))


@given(edge_options())
def test_the_tool_refuses_exactly_what_torch_refuses(options: dict[str, Any]) -> None:
    try:
        report_for(make_spec(**options))
        tool_refuses = False
    except GruShapesError:
        tool_refuses = True
    assert tool_refuses == torch_refuses(options)


def _wrong(prediction: Prediction, key: str, dim: int, delta: int = 1) -> Prediction:
    """The prediction with one dim of one tensor off by ``delta``."""
    tensors = []
    for tensor in prediction.tensors:
        if tensor.key == key:
            dims = list(tensor.dims)
            dims[dim] = dataclasses.replace(dims[dim], size=dims[dim].size + delta)
            tensor = dataclasses.replace(tensor, dims=tuple(dims))
        tensors.append(tensor)
    return dataclasses.replace(prediction, tensors=tuple(tensors))


@pytest.mark.parametrize(
    ("options", "key", "dim"),
    [
        ({"layers": 2, "bidirectional": True}, "h_0", 0),
        ({"batch_first": False, "batch_size": 3}, "h_0", 1),
        ({"batch_size": 3}, "input", 0),
        ({"batch_first": False, "batch_size": 3}, "input", 1),
        ({}, "input", 2),
        ({"module": "LSTM", "proj_size": 4}, "h_0", 2),
        ({"module": "LSTM", "proj_size": 4}, "c_0", 2),
        ({"unbatched": True}, "h_0", 1),
        ({"lengths": [5, 2]}, "h_0", 1),
        ({"module": "GRUCell", "batch_size": 2}, "h_0", 0),
        ({"module": "LSTMCell", "batch_size": 2}, "c_0", 1),
        ({"module": "RNNCell", "batch_size": 2}, "input", 1),
        ({"module": "RNNCell", "unbatched": True}, "input", 0),
    ],
    ids=[
        "h0-layers",
        "h0-batch-seq-first",
        "input-batch",
        "input-batch-seq-first",
        "input-features",
        "lstm-h0-proj",
        "lstm-c0",
        "unbatched-h0",
        "packed-h0-batch",
        "cell-h0-batch",
        "lstmcell-c0",
        "cell-input-features",
        "unbatched-cell-input",
    ],
)
def test_a_wrong_prediction_fails_the_modules_own_expectation(
    options: dict[str, Any], key: str, dim: int
) -> None:
    """The fed tensors are built from the prediction: a wrong prediction must fail against the module."""
    from gru_shapes.run.expectations import expectations

    spec = make_spec(**options)
    prediction = predict(spec)
    module = getattr(torch.nn, spec.module)(**spec.config.keywords()).eval()
    shapes = {t.key: t.shape for t in prediction.tensors}
    x = torch.zeros(shapes["input"])
    sizes = None
    if spec.lengths:
        from torch.nn.utils.rnn import pack_padded_sequence

        packed = pack_padded_sequence(x, list(spec.lengths), batch_first=True, enforce_sorted=False)
        x, sizes = packed.data, packed.batch_sizes
    right = expectations(spec, prediction, module, x, sizes)
    assert right and all(c.passed for c in right), right
    # Built from the wrong prediction, as the runner would build it.
    wrong = _wrong(prediction, key, dim)
    if key == "input" and not spec.lengths:
        x = torch.zeros(wrong.tensor("input").shape)
    failed = [c for c in expectations(spec, wrong, module, x, sizes) if not c.passed]
    assert failed, expectations(spec, wrong, module, x, sizes)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"bidirectional": True}, ["output[:, -1, :32]", "output[:, 0, 32:]"]),
        ({"bidirectional": True, "batch_first": False}, ["output[-1, :, :32]", "output[0, :, 32:]"]),
        ({"unbatched": True}, ["output[-1, :32]"]),
        ({"lengths": [5, 2], "batch_first": False}, ["output[lengths[b] - 1, b, :32]"]),
    ],
    ids=["batch-first", "seq-first", "unbatched", "packed-seq-first"],
)
def test_check_details_are_python_for_the_layout(options: dict[str, Any], fragment: list[str]) -> None:
    details = " ".join(c.detail for c in report_for(make_spec(**options)).checks)
    for piece in fragment:
        assert piece in details, details
    assert "last step" not in details


def test_the_pasted_check_details_hold_in_python() -> None:
    """The details are real Python: run them on torch's own tensors."""
    for options in ({"bidirectional": True}, {"bidirectional": True, "batch_first": False}):
        spec = make_spec(layers=2, batch_size=3, **options)
        torch.manual_seed(0)
        gru = torch.nn.GRU(**spec.config.keywords()).eval()
        shapes = {t.key: t.shape for t in predict(spec).tensors}
        input = torch.randn(shapes["input"])  # the name the details use
        with torch.no_grad():
            output, h_n = gru(input)
        for check in report_for(spec).checks:
            if check.detail.startswith(("torch.allclose", "gru.")):
                assert eval(
                    check.detail, {"torch": torch, "gru": gru, "input": input, "output": output, "h_n": h_n}
                )


@pytest.mark.parametrize(
    "options",
    [{"layers": 2, "bidirectional": True}, {"module": "LSTM", "proj_size": 4}, {"module": "GRUCell"}],
    ids=["gru", "lstm-proj", "cell"],
)
def test_a_kept_module_feeds_exactly_what_a_fresh_build_feeds(options: dict[str, Any]) -> None:
    from gru_shapes.run import kept, runner

    spec = make_spec(**options)
    shapes = {t.key: t.shape for t in predict(spec).tensors}
    kept.forget()
    fresh_module, fresh = runner._build(spec, shapes, "cpu", torch.float32)
    kept_module, kept = runner._build(spec, shapes, "cpu", torch.float32)
    assert kept_module is fresh_module  # built once
    assert fresh.keys() == kept.keys()
    assert all(torch.equal(fresh[key], kept[key]) for key in fresh)
    # And the caller's generator is left as it was, kept or not.
    state = torch.random.get_rng_state()
    runner._build(spec, shapes, "cpu", torch.float32)
    assert torch.equal(torch.random.get_rng_state(), state)
