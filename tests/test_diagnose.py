"""Diagnosing given shapes: torch's own verdict, plain words, and fixes that really run."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given

from gru_shapes.api import report_for
from gru_shapes.spec import make_spec
from tests.conftest import Cli
from tests.oracle import torch_error
from tests.strategies import given_shapes

SHAPE_OPTIONS = {"input": "input_shape", "h_0": "h0_shape", "c_0": "c0_shape"}


def as_options(shapes: dict[str, tuple[int, ...]]) -> dict[str, Any]:
    return {SHAPE_OPTIONS[key]: list(shape) for key, shape in shapes.items()}


@given(given_shapes())
def test_the_verdict_is_torchs_and_every_fix_runs_in_torch(case: tuple[dict[str, Any], Any]) -> None:
    options, shapes = case
    report = report_for(make_spec(**options, **as_options(shapes)))
    diagnosis = report.diagnosis
    assert diagnosis is not None
    error = torch_error(options, shapes)
    assert diagnosis.compatible == (error is None), (error, diagnosis)
    if error is None:
        assert report.passed
        for key, shape in shapes.items():
            assert report.tensor(key).shape == shape
        return
    assert not report.passed
    assert diagnosis.torch_error == error
    assert diagnosis.explanation
    for fix in diagnosis.fixes:
        assert fix.verified
        fixed_shapes = dict(shapes)
        for key, option in SHAPE_OPTIONS.items():
            if option in fix.options:
                fixed_shapes[key] = tuple(fix.options[option])
        changed = {k: v for k, v in fix.options.items() if k not in SHAPE_OPTIONS.values()}
        assert torch_error({**options, **changed}, fixed_shapes) is None, fix


def fixes(**options: Any) -> list[str]:
    diagnosis = report_for(make_spec(**options)).diagnosis
    assert diagnosis is not None and not diagnosis.compatible
    return [fix.change for fix in diagnosis.fixes]


def test_a_seq_first_tensor_fed_to_a_batch_first_module() -> None:
    report = report_for(make_spec(input_shape="35,1,10", h0_shape="1,1,32"))
    assert report.diagnosis is not None
    assert report.diagnosis.torch_error == "Expected hidden size (1, 35, 32), got [1, 1, 32]"
    assert (
        "h_0 must be (D × num_layers, batch_size, hidden_size) = (1, 35, 32)" in report.diagnosis.explanation
    )
    assert "--seq-first: the input reads as (seq, batch, feature)" in fixes(
        input_shape="35,1,10", h0_shape="1,1,32"
    )
    # The tables explain the module at the batch and seq read from the given input.
    assert report.tensor("input").shape == (35, 1, 10)


def test_the_readme_example() -> None:
    report = report_for(make_spec(input_shape="35,4,10", h0_shape="1,4,32"))
    assert report.diagnosis is not None
    assert report.diagnosis.explanation.endswith(
        "dim 1 (batch) is 4, not 35; batch is read from input dim 0 because batch_first=True."
    )
    assert [fix.change for fix in report.diagnosis.fixes] == [
        "--seq-first: the input reads as (seq, batch, feature)",
        "--h0-shape 1,35,32: h_0 must be (D × num_layers, batch_size, hidden_size) = (1, 35, 32)",
    ]


def test_wrong_features_propose_the_input_size() -> None:
    assert fixes(input_shape="1,35,12") == [
        "--input-size 12: build the module for the input's features (its last dim)"
    ]


def test_a_batch_first_h0_is_explained() -> None:
    report = report_for(make_spec(layers=2, batch_size=4, h0_shape="4,2,32"))
    assert report.diagnosis is not None
    assert report.diagnosis.explanation == (
        "h_0 must be (D × num_layers, batch_size, hidden_size) = (2, 4, 32): "
        "batch_first=True moves batch in input and output only, never in h_0."
    )
    assert fixes(layers=2, batch_size=4, h0_shape="4,2,32")[0] == (
        "--h0-shape 2,4,32: h_0 must be (D × num_layers, batch_size, hidden_size) = (2, 4, 32)"
    )


def test_a_sequence_fed_to_a_cell() -> None:
    assert "--module GRU: a cell takes one step; nn.GRU takes the whole sequence" in fixes(
        module="GRUCell", input_shape="1,3,10"
    )


def test_when_torch_accepts_the_shapes_are_explained() -> None:
    report = report_for(make_spec(module="LSTM", input_shape="4,7,10", h0_shape="1,4,32", c0_shape="1,4,32"))
    assert report.passed and report.diagnosis is not None and report.diagnosis.compatible
    assert report.diagnosis.explanation == (
        "torch accepts these shapes; input [4, 7, 10] reads as (batch=4, seq=7, feature=10) because batch_first=True."
    )
    assert (report.spec.batch_size, report.spec.seq_len) == (4, 7)


def test_the_command_line_diagnosis(cli: Cli) -> None:
    result = cli("--input-shape", "1,35,12", env={"COLUMNS": "160"})
    assert result.exit_code == 1
    assert result.stderr == ""
    for fragment in [
        "torch refuses these shapes",
        "input.size(-1) must be equal to input_size. Expected 10, got 12",
        "--input-size 12: build the module",
    ]:
        assert fragment in result.stdout, fragment
    document = json.loads(cli("--json", "--input-shape", "1,35,12").stdout)
    assert document["diagnosis"]["fixes"] == [
        {
            "change": "--input-size 12: build the module for the input's features (its last dim)",
            "options": {"input_size": 12},
            "verified": True,
        }
    ]
    assert cli("--input-shape", "1,35,10").exit_code == 0


def test_an_lstm_given_one_state_gets_the_other_as_expected() -> None:
    report = report_for(make_spec(module="LSTM", layers=2, h0_shape="1,1,32"))
    assert report.diagnosis is not None
    assert report.diagnosis.fed == {"input": (1, 35, 10), "h_0": (1, 1, 32), "c_0": (2, 1, 32)}
    assert report.diagnosis.torch_error == "Expected hidden[0] size (2, 1, 32), got [1, 1, 32]"
    assert "--h0-shape 2,1,32" in report.diagnosis.fixes[0].change
