"""The report data model and its JSON contract."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from typing import Any

import jsonschema
import pytest
import torch
from hypothesis import given

from gru_shapes.api import report_for
from gru_shapes.cost import estimate
from gru_shapes.report import build_report
from gru_shapes.shapes import predict
from gru_shapes.spec import make_spec
from tests.strategies import valid_options

SCHEMA = json.loads(resources.files("gru_shapes").joinpath("report.schema.json").read_text())


def validate(document: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)


@given(valid_options())
def test_every_report_matches_the_schema_and_rebuilds_its_module(options: dict[str, Any]) -> None:
    document = report_for(make_spec(**options)).to_dict()
    validate(json.loads(json.dumps(document)))
    module = getattr(torch.nn, document["module"])(**document["config"])
    named = [{"name": n, "shape": list(p.shape), "numel": p.numel()} for n, p in module.named_parameters()]
    assert [{k: p[k] for k in ("name", "shape", "numel")} for p in document["parameters"]] == named
    assert document["parameter_count"] == sum(p.numel() for p in module.parameters())


def test_the_documented_example_holds() -> None:
    document = report_for(make_spec(layers=2, bidirectional=True)).to_dict()
    assert document["schema_version"] == 2 and document["observed"] is True
    assert document["diagnosis"] is None and document["lengths"] is None and document["unbatched"] is False
    assert document["tensors"]["output"]["shape"] == [1, 35, 64]
    assert document["tensors"]["h_n"]["shape"] == [4, 1, 32]
    assert document["h_n_index"][:2] == [
        {"index": 0, "layer": 0, "direction": "forward"},
        {"index": 1, "layer": 0, "direction": "backward"},
    ]
    assert document["parameters"][0] == {
        "name": "weight_ih_l0",
        "shape": [96, 10],
        "numel": 960,
        "layer": 0,
        "direction": "forward",
        "rows": "3 × hidden_size, gates r|z|n",
        "columns": "input_size, from x",
    }
    assert document["parameter_count"] == 27264
    assert document["torch_version"] == torch.__version__


def test_a_disagreement_between_model_and_torch_is_a_failed_check() -> None:
    spec = make_spec(layers=2)
    real = report_for(spec).observation
    assert real is not None
    wrong = replace(real, shapes={**real.shapes, "h_n": (1, 1, 32)}, parameters=real.parameters[:-1])
    prediction = predict(spec)
    report = build_report(spec, prediction, estimate(spec, prediction), wrong)
    failed = {c.name for c in report.checks if not c.passed}
    assert failed == {"shape of h_n as predicted", "parameters as predicted by named_parameters()"}
    parameter_check = next(c for c in report.checks if c.name.startswith("parameters"))
    assert parameter_check.detail == "predicted 8, torch has 7; differing: ['bias_hh_l1']"
    assert not report.passed
    # The table shows what torch returned, not what was predicted.
    assert report.tensor("h_n").shape == (1, 1, 32)


def test_a_dry_run_reports_the_same_shapes_unobserved_and_unchecked() -> None:
    real = report_for(make_spec(layers=3, bidirectional=True)).to_dict()
    dry = report_for(make_spec(layers=3, bidirectional=True, dry_run=True)).to_dict()
    validate(dry)
    assert dry["observed"] is False and dry["checks"] == [] and dry["torch_version"] is None
    assert dry["tensors"] == real["tensors"]
    assert dry["parameters"] == real["parameters"] and dry["cost"] == real["cost"]


@pytest.mark.parametrize("field", ["observed", "tensors", "config"])
def test_the_schema_rejects_a_report_missing_a_field(field: str) -> None:
    document = report_for(make_spec()).to_dict()
    del document[field]
    with pytest.raises(jsonschema.ValidationError):
        validate(document)


@pytest.mark.parametrize(
    ("options", "keys"),
    [
        ({"module": "LSTM"}, ["input", "h_0", "c_0", "output", "h_n", "c_n"]),
        ({"module": "GRUCell"}, ["input", "h_0", "h_1"]),
        ({"module": "LSTMCell"}, ["input", "h_0", "c_0", "h_1", "c_1"]),
        ({"lengths": [5, 2]}, ["input", "packed_input", "h_0", "packed_output", "output", "h_n"]),
    ],
    ids=["lstm", "cell", "lstm-cell", "packed"],
)
def test_tensor_keys_per_module(options: dict[str, Any], keys: list[str]) -> None:
    document = report_for(make_spec(**options)).to_dict()
    validate(document)
    assert list(document["tensors"]) == keys


def test_packed_and_unbatched_and_cell_fields() -> None:
    packed = report_for(make_spec(lengths="35,20,7")).to_dict()
    assert packed["lengths"] == [35, 20, 7] and packed["batch_size"] == 3 and packed["seq_len"] == 35
    assert packed["batch_sizes"] == [3] * 7 + [2] * 13 + [1] * 15
    assert packed["tensors"]["packed_input"]["shape"] == [62, 10]
    unbatched = report_for(make_spec(unbatched=True)).to_dict()
    assert unbatched["batch_size"] is None and unbatched["unbatched"] is True
    cell = report_for(make_spec(module="RNNCell", nonlinearity="relu")).to_dict()
    assert cell["seq_len"] is None and cell["config"] == {
        "input_size": 10,
        "hidden_size": 32,
        "bias": True,
        "nonlinearity": "relu",
    }
    assert cell["h_n_index"] == []


def test_a_diagnosis_report_matches_the_schema() -> None:
    refused = report_for(make_spec(input_shape="1,35,12")).to_dict()
    validate(refused)
    assert refused["diagnosis"]["compatible"] is False
    accepted = report_for(make_spec(module="LSTM", input_shape="35,10")).to_dict()
    validate(accepted)
    assert accepted["diagnosis"]["compatible"] is True and accepted["unbatched"] is True


@pytest.mark.parametrize(
    "options",
    [
        {"chunks": 5, "decoder_layers": 3, "decoder_module": "LSTM"},
        {
            "module": "LSTM",
            "proj_size": 4,
            "bidirectional": True,
            "chunks": 2,
            "unbatched": True,
            "decoder_layers": 2,
        },
        {"module": "RNN", "lengths": [4, 1], "decoder_hidden_size": 7},
    ],
    ids=["gru", "lstm-unbatched", "rnn-packed"],
)
def test_idioms_handoff_and_chunks_match_the_schema(options: dict[str, Any]) -> None:
    document = report_for(make_spec(**options)).to_dict()
    validate(json.loads(json.dumps(document)))
    assert document["idioms"] and document["handoff"]
    assert document["schema_version"] == 2
