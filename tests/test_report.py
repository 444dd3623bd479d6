"""The report data model and its JSON contract."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import torch
from hypothesis import given

from gru_shapes.model.cost import estimate
from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import make_spec
from gru_shapes.report import build_report
from gru_shapes.run.pipeline import report_for
from tests.strategies import valid_options

SCHEMA = json.loads(resources.files("gru_shapes").joinpath("report.schema.json").read_text())

ROOT = Path(__file__).parent.parent


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
    assert document["schema_version"] == 3 and document["observed"] is True
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


# The fields that need a tensor: what a dry run cannot know, and says so with null or [].
NEEDS_A_TENSOR = {"observed", "torch_version", "checks", "warnings", "idioms", "handoff", "chunks"}


@given(valid_options())
def test_a_dry_run_equals_the_real_run_in_every_field_that_needs_no_tensor(options: dict[str, Any]) -> None:
    # Reported once: an LSTMCell of hidden_size 1 and batch 3 whose step equations differed.
    real = report_for(make_spec(**options)).to_dict()
    dry = report_for(make_spec(**options, dry_run=True)).to_dict()
    for report in (real, dry):
        for field in NEEDS_A_TENSOR:
            del report[field]
    assert real["step"].pop("verified") is not None and dry["step"].pop("verified") is None
    assert dry["step"].pop("max_abs_diff") is None
    real["step"].pop("max_abs_diff")
    assert dry == real


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
        {"module": "GRUCell", "hidden_size": 0},
        {"module": "LSTMCell", "input_size": 0},
        {"module": "RNNCell", "input_size": 0, "hidden_size": 0, "batch_size": 0},
    ],
    ids=["gru-cell-hidden-0", "lstm-cell-input-0", "rnn-cell-empty"],
)
def test_every_report_a_cell_of_size_0_prints_validates(options: dict[str, Any]) -> None:
    validate(json.loads(json.dumps(report_for(make_spec(**options)).to_dict())))


@pytest.mark.parametrize(
    ("module", "layers", "extra"),
    [("GRU", 5, {}), ("LSTM", 6, {"proj_size": 3}), ("RNN", 9, {"bias": False})],
    ids=["gru-5", "lstm-proj-6", "rnn-no-bias-9"],
)
def test_past_four_layers_the_lists_are_summarised_exactly(
    module: str, layers: int, extra: dict[str, Any]
) -> None:
    options = {"module": module, "layers": layers, "bidirectional": True, "hidden_size": 4, **extra}
    document = report_for(make_spec(**options)).to_dict()
    validate(json.loads(json.dumps(document)))
    torch_module = getattr(torch.nn, module)(**document["config"])
    named = dict(torch_module.named_parameters())
    listed = [p["name"] for p in document["parameters"]]
    kept = [n for n in named if n.split("_l")[1].split("_")[0] in ("0", "1", str(layers - 1))]
    assert listed == kept
    omitted = document["parameters_omitted"]
    left_out = [n for n in named if n not in kept]
    assert (omitted["first_layer"], omitted["last_layer"], omitted["count"]) == (2, layers - 2, len(left_out))
    assert omitted["numel"] == sum(named[n].numel() for n in left_out)
    assert document["parameter_count"] == sum(p.numel() for p in torch_module.parameters())
    slots = document["h_n_index_omitted"]
    assert len(document["h_n_index"]) + slots["count"] == 2 * layers
    assert all(c["passed"] for c in document["checks"])


@pytest.mark.parametrize("lengths", [[7, 3, 7, 1], [1500, 3, 1500, 700]], ids=["listed", "runs"])
def test_batch_sizes_are_torchs_listed_or_as_runs(lengths: list[int]) -> None:
    from torch.nn.utils.rnn import pack_padded_sequence

    document = report_for(make_spec(lengths=lengths, input_size=1, hidden_size=1)).to_dict()
    validate(json.loads(json.dumps(document)))
    x = torch.zeros(len(lengths), max(lengths), 1)
    expected = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False).batch_sizes.tolist()
    found = document["batch_sizes"]
    if isinstance(found, dict):
        assert found["steps"] == len(expected) > 1000
        found = [run["size"] for run in found["runs"] for _ in range(run["steps"])]
    assert found == expected
    dry = report_for(make_spec(lengths=lengths, dry_run=True)).to_dict()
    assert dry["batch_sizes"] == document["batch_sizes"]


def test_batch_sizes_other_than_predicted_fail_their_check() -> None:
    spec = make_spec(lengths=[5, 2, 2])
    real = report_for(spec).observation
    assert real is not None and real.batch_sizes == (3, 3, 1, 1, 1)
    wrong = replace(real, batch_sizes=(3, 2, 1, 1, 1))
    prediction = predict(spec)
    report = build_report(spec, prediction, estimate(spec, prediction), wrong)
    failed = [c for c in report.checks if not c.passed]
    assert [c.name for c in failed] == ["batch_sizes as predicted (runs of [size, steps])"]
    assert failed[0].detail == "predicted [[3, 2], [1, 3]], torch [[3, 1], [2, 1], [1, 3]]"


def test_a_report_displays_itself_once_in_a_real_notebook() -> None:
    import warnings

    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from gru_shapes import explain"),
        nbformat.v4.new_code_cell('explain(num_layers=2, bidirectional=True, lang="ko")'),
        nbformat.v4.new_code_cell('explain(lang="en").show("cost")'),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the kernel machinery's own deprecations are not ours
        NotebookClient(notebook, timeout=120, kernel_name="python3").execute(cwd=str(ROOT))
    outputs = [cell.outputs for cell in notebook.cells]
    assert outputs[0] == []
    for cell_outputs, fragment in (
        (outputs[1], "h_n (hidden_state)"),
        (outputs[2], "cost of one forward pass"),
    ):
        assert [o.output_type for o in cell_outputs] == ["execute_result"], cell_outputs
        page = cell_outputs[0].data["text/html"]
        assert fragment in page.replace("&nbsp;", " ")
        # The interactive page's body: the diagram's cells linked to the slices, by its own script.
        assert page.startswith('<div class="gru-shapes"') and "data-cell=" in page and "<script>" in page


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
    assert document["schema_version"] == 3
