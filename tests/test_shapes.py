"""The pure shape model against torch, the only oracle that counts."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hypothesis import given

from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import make_spec
from tests.oracle import torch_shapes
from tests.strategies import SEQUENCE_MODULES, valid_options


@given(valid_options())
def test_predicted_shapes_are_torchs(options: dict[str, Any]) -> None:
    prediction = predict(make_spec(**options))
    observed = torch_shapes(options)
    assert {t.key: list(t.shape) for t in prediction.tensors} == {
        key: value for key, value in observed.items() if key not in ("parameters", "batch_sizes")
    }
    assert [(p.name, list(p.shape)) for p in prediction.parameters] == observed["parameters"]
    assert list(prediction.batch_sizes or []) == observed.get("batch_sizes", [])


@given(valid_options(modules=SEQUENCE_MODULES))
def test_h_n_index_map_is_layer_major(options: dict[str, Any]) -> None:
    spec = make_spec(**options)
    slots = predict(spec).state_slots
    d = 2 if options["bidirectional"] else 1
    assert [s.index for s in slots] == list(range(d * options["layers"]))
    # view(num_layers, D, ...) puts slot i at [i // D, i % D].
    assert [(s.layer, s.direction) for s in slots] == [
        (i // d, "backward" if i % d else "forward") for i in range(d * options["layers"])
    ]


def test_dims_use_the_shared_vocabulary_and_explain_the_notebook_formula() -> None:
    prediction = predict(make_spec(layers=2, bidirectional=True))
    names = {key: [d.name for d in prediction.tensor(key).dims] for key in ("input", "h_0", "output", "h_n")}
    assert names == {
        "input": ["batch", "seq", "feature"],
        "h_0": ["layer_direction", "batch", "hidden"],
        "output": ["batch", "seq", "feature"],
        "h_n": ["layer_direction", "batch", "hidden"],
    }
    assert prediction.tensor("output").dims[2].formula == "D × hidden_size = 2 × 32"
    assert prediction.tensor("h_n").dims[0].formula == "D × num_layers = 2 × 2"
    assert "dim 1 even with batch_first=True" in prediction.tensor("h_n").dims[1].meaning


@pytest.mark.parametrize(
    ("options", "names"),
    [
        (
            {"module": "GRUCell"},
            {"input": ["batch", "feature"], "h_0": ["batch", "hidden"], "h_1": ["batch", "hidden"]},
        ),
        ({"unbatched": True}, {"input": ["seq", "feature"], "h_0": ["layer_direction", "hidden"]}),
        (
            {"lengths": [3, 1]},
            {"packed_input": ["packed", "feature"], "packed_output": ["packed", "feature"]},
        ),
    ],
    ids=["cell", "unbatched", "packed"],
)
def test_dim_names_in_every_mode(options: dict[str, Any], names: dict[str, list[str]]) -> None:
    prediction = predict(make_spec(**options))
    for key, expected in names.items():
        assert [d.name for d in prediction.tensor(key).dims] == expected


def test_lstm_projection_shrinks_h_but_not_c() -> None:
    prediction = predict(make_spec(module="LSTM", proj_size=8, layers=2, bidirectional=True))
    assert prediction.tensor("h_n").dims[2].formula == "proj_size = 8"
    assert prediction.tensor("c_n").shape == (4, 1, 32)
    assert prediction.tensor("output").dims[2].formula == "D × proj_size = 2 × 8"
    # Layers after the first read D × proj_size features.
    assert next(p for p in prediction.parameters if p.name == "weight_ih_l1").shape == (128, 16)


def test_the_shape_model_never_imports_torch() -> None:
    # A fresh interpreter: importing these must not pull torch in (the tests' own process has it).
    import subprocess

    code = (
        "import sys, gru_shapes.model.shapes, gru_shapes.model.spec, gru_shapes.report.report, gru_shapes.model.cost, gru_shapes.cli,"
        " gru_shapes.diagnose, gru_shapes.i18n, gru_shapes.show.sections, gru_shapes.show.markdown, gru_shapes.api;"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
