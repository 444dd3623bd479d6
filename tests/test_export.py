"""The ONNX export (``--show onnx``) against the very file it wrote and against onnxruntime, over the axes
GRU, LSTM, RNN (tanh, relu) x 1-3 layers x both directions x both layouts x bias on and off, at small sizes:
every family, layer count and direction together, with the layout and bias turning so that every pair of
values of any two axes is exported (24 cases). ``GRU_SHAPES_FULL_GRID=1`` runs all 96 combinations.

The oracles here are the file (its initializers, read with onnx) and onnxruntime, never the package's
own reading or proof: a torch module is rebuilt from the file's W, R, B with this test's code, in the gate
order the report gives, and must equal onnxruntime at two batch sizes; in torch's own order it must not.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from onnx import numpy_helper

from gru_shapes.export.capture import captured
from gru_shapes.model.onnx import GateOrder
from gru_shapes.model.onnx_plan import exporting
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.onnx_view import y_to_output
from tests.test_report import validate

ROOT = Path(__file__).parent.parent
INPUT, HIDDEN, SEQ, BATCH, OTHER_BATCH = 5, 4, 7, 2, 5
TOLERANCE = 1e-5
FAMILIES = [("GRU", None), ("LSTM", None), ("RNN", "tanh"), ("RNN", "relu")]
LAYOUTS_AND_BIAS = list(itertools.product((True, False), (True, False)))
FULL_GRID = list(itertools.product(FAMILIES, (1, 2, 3), (False, True), (True, False), (True, False)))
PAIRWISE = [
    (family, layers, bidirectional, *LAYOUTS_AND_BIAS[(2 * (layers - 1) + bidirectional + f) % 4])
    for f, family in enumerate(FAMILIES)
    for layers in (1, 2, 3)
    for bidirectional in (False, True)
]
GRID = FULL_GRID if os.environ.get("GRU_SHAPES_FULL_GRID") else PAIRWISE


def test_the_grid_exports_every_pair_of_values_of_any_two_axes() -> None:
    for first, second in itertools.combinations(range(5), 2):
        pairs = {(case[first], case[second]) for case in PAIRWISE}
        assert pairs == {(case[first], case[second]) for case in FULL_GRID}, (first, second)


def case_id(case: tuple[Any, ...]) -> str:
    (module, nonlinearity), layers, bidirectional, batch_first, bias = case
    return "-".join(
        [
            module + (f"-{nonlinearity}" if nonlinearity else ""),
            f"L{layers}",
            "bi" if bidirectional else "uni",
            "batch-first" if batch_first else "seq-first",
            "bias" if bias else "no-bias",
        ]
    )


def options_of(case: tuple[Any, ...]) -> dict[str, Any]:
    (module, nonlinearity), layers, bidirectional, batch_first, bias = case
    options: dict[str, Any] = {
        "module": module,
        "input_size": INPUT,
        "hidden_size": HIDDEN,
        "layers": layers,
        "bidirectional": bidirectional,
        "batch_first": batch_first,
        "bias": bias,
        "seq_len": SEQ,
        "batch_size": BATCH,
        "lang": "en",
    }
    if nonlinearity:
        options["nonlinearity"] = nonlinearity
    return options


def rebuilt(model: onnx.ModelProto, document: dict[str, Any], blocks: list[int]) -> torch.nn.Module:
    """A torch module of the report's configuration with weights only from the file's W, R, B: ONNX block
    j of each gate-stacked weight goes to torch block ``blocks[j]``."""
    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    module = getattr(torch.nn, document["module"])(**document["config"]).eval()
    hidden, gates = document["config"]["hidden_size"], len(blocks)

    def in_torch_order(rows: np.ndarray[Any, Any]) -> torch.Tensor:
        moved = np.empty_like(rows)
        for j, block in enumerate(blocks):
            moved[block * hidden : (block + 1) * hidden] = rows[j * hidden : (j + 1) * hidden]
        return torch.from_numpy(moved)

    nodes = [n for n in model.graph.node if n.op_type in ("GRU", "LSTM", "RNN")]
    state = {}
    for layer, node in enumerate(nodes):
        w, r = values[node.input[1]], values[node.input[2]]
        for d in range(w.shape[0]):
            suffix = f"l{layer}" + ("_reverse" if d else "")
            state[f"weight_ih_{suffix}"] = in_torch_order(w[d])
            state[f"weight_hh_{suffix}"] = in_torch_order(r[d])
            if len(node.input) > 3 and node.input[3]:
                b = values[node.input[3]][d]
                state[f"bias_ih_{suffix}"] = in_torch_order(b[: gates * hidden])
                state[f"bias_hh_{suffix}"] = in_torch_order(b[gates * hidden :])
    module.load_state_dict(state)
    return module


def call(document: dict[str, Any], batch: int, seed: int) -> tuple[Any, ...]:
    """Fresh arguments for the module at ``batch``: x, and h_0 (with c_0 for an LSTM)."""
    config = document["config"]
    generator = torch.Generator().manual_seed(seed)
    x_shape = (batch, SEQ, INPUT) if config["batch_first"] else (SEQ, batch, INPUT)
    state_shape = ((2 if config["bidirectional"] else 1) * config["num_layers"], batch, HIDDEN)
    x, h = torch.randn(x_shape, generator=generator), torch.randn(state_shape, generator=generator)
    if document["module"] == "LSTM":
        return (x, (h, torch.randn(state_shape, generator=generator)))
    return (x, h)


def flat(values: Any) -> list[np.ndarray[Any, Any]]:
    if isinstance(values, torch.Tensor):
        return [values.detach().numpy()]
    return [array for value in values for array in flat(value)]


def largest_difference(module: torch.nn.Module, session: Any, args: tuple[Any, ...]) -> float:
    with torch.no_grad():
        expected = flat(module(*args))
    feeds = {i.name: a for i, a in zip(session.get_inputs(), flat(args), strict=True)}
    got = session.run(None, feeds)
    return max(float(np.abs(e - g).max()) for e, g in zip(expected, got, strict=True))


@pytest.mark.parametrize("case", GRID, ids=[case_id(case) for case in GRID])
def test_the_report_is_the_file_and_the_file_is_torch(case: tuple[Any, ...], tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    options = options_of(case)
    report = report_for(make_spec(**options, onnx_out=str(path)))
    document = json.loads(json.dumps(report.to_dict()))
    validate(document)
    found = document["onnx"]
    assert report.passed and found["refused"] is None and found["unverified"] is None
    assert found["path"] == str(path)

    # The reported shapes are the file's initializers, op by op.
    model = onnx.load(str(path))
    initializers = {init.name: list(init.dims) for init in model.graph.initializer}
    nodes = [n for n in model.graph.node if n.op_type in ("GRU", "LSTM", "RNN")]
    assert len(nodes) == len(found["ops"]) == options["layers"]
    for op, node in zip(found["ops"], nodes, strict=True):
        assert op["op"] == options["module"] and op["node"] == node.name
        assert op["inputs"]["W"] == initializers[node.input[1]]
        assert op["inputs"]["R"] == initializers[node.input[2]]
        has_bias = len(node.input) > 3 and bool(node.input[3])
        assert has_bias == options["bias"] == ("B" in op["inputs"])
        if has_bias:
            assert op["inputs"]["B"] == initializers[node.input[3]]

    # The dry run predicted the same ops, shapes and attributes without the exporter.
    guessed = report_for(exporting(make_spec(**options, dry_run=True))).to_dict()["onnx"]
    keys = ("op", "layer", "inputs", "outputs", "attributes", "defaulted")
    assert [{k: op[k] for k in keys} for op in guessed["ops"]] == [
        {k: op[k] for k in keys} for op in found["ops"]
    ]

    # A torch module rebuilt from W, R, B in the reported gate order equals onnxruntime, at two batch sizes.
    blocks = found["gate_order"]["blocks"] if "gate_order" in found else [0]
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    module = rebuilt(model, document, blocks)
    for batch in (BATCH, OTHER_BATCH):
        assert largest_difference(module, session, call(document, batch, seed=batch)) < TOLERANCE
    if len(blocks) > 1:  # in torch's own order it does not
        wrong = rebuilt(model, document, list(range(len(blocks))))
        assert largest_difference(wrong, session, call(document, BATCH, seed=0)) > 1e-3

    # Y of the last layer becomes output by the code shown; each Y_h is the h_n slice its map names.
    inner = [node.output[0] for node in nodes] + [node.output[1] for node in nodes]
    for name in inner:
        model.graph.output.append(onnx.ValueInfoProto(name=name))
    probe = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    args = call(document, BATCH, seed=1)
    names = [o.name for o in probe.get_outputs()]
    values = dict(
        zip(
            names,
            probe.run(None, {i.name: a for i, a in zip(probe.get_inputs(), flat(args), strict=True)}),
            strict=True,
        )
    )
    y = torch.from_numpy(values[nodes[-1].output[0]])
    scope: dict[str, Any] = {"Y": y, "seq": SEQ, "batch": BATCH}
    exec(y_to_output(report.spec), scope)
    assert np.abs(scope["output"].numpy() - values["output"]).max() < TOLERANCE
    for op, node in zip(found["ops"], nodes, strict=True):
        h_n = eval(op["maps"]["Y_h"]["torch"], {"h_n": values["h_n"]})
        assert np.abs(values[node.output[1]] - h_n).max() < TOLERANCE

    # The report's own proof held, and the static export failed with onnxruntime's own words.
    verified = found["verified"]
    assert (
        verified["equal"]
        and verified["other_batch_ok"]
        and verified["other_seq_ok"]
        and verified["rebuilt_equal"]
    )
    assert "Got invalid dimensions for input" in found["static_batch_error"]


def test_a_wrong_gate_order_fails_the_reports_own_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import gru_shapes.export as export

    monkeypatch.setattr(export, "gate_order", lambda spec: GateOrder("r|z|n", "r|z|n", (0, 1, 2)))
    report = report_for(exporting(make_spec(hidden_size=HIDDEN, lang="en")))
    failed = [check for check in report.checks if not check.passed]
    assert [check.name for check in failed] == [
        "torch rebuilt from the file's W, R, B in the gate order shown = onnxruntime"
    ]
    assert not report.passed


@pytest.mark.parametrize(
    ("options", "nodes"),
    [
        ({"module": "GRUCell", "batch_size": 3}, "Gemm"),
        ({"module": "LSTMCell", "unbatched": True}, "Gemm"),
        ({"lengths": "5,2,4", "bidirectional": True}, "GRU"),
        ({"module": "LSTM", "unbatched": True, "layers": 2, "seq_len": 6}, "LSTM"),
        ({"module": "LSTM", "dtype": "float16", "seq_len": 6}, "LSTM"),
    ],
    ids=["cell", "unbatched-cell", "packed", "unbatched", "float16"],
)
def test_other_modes_export_and_prove(options: dict[str, Any], nodes: str) -> None:
    report = report_for(exporting(make_spec(hidden_size=HIDDEN, **options, lang="en")))
    found = report.to_dict()["onnx"]
    validate(json.loads(json.dumps(report.to_dict())))
    assert nodes in found["nodes"] and found["verified"]["equal"] and report.passed
    if options.get("module", "").endswith("Cell"):
        assert found["ops"] == [] and "gate_order" not in found
    if options.get("unbatched"):
        assert found["dynamic_batch"] is False and found["static_batch_error"] is None
        assert found["verified"]["other_batch"] is None
    else:
        assert "Got invalid dimensions" in found["static_batch_error"]


@pytest.mark.parametrize(
    ("dtype", "says"),
    [("float64", "does not support double"), ("bfloat16", "tensor(bfloat16)")],
)
def test_a_dtype_onnxruntime_cannot_run_is_said_with_its_own_message(dtype: str, says: str) -> None:
    report = report_for(exporting(make_spec(dtype=dtype, hidden_size=HIDDEN)))
    found = report.to_dict()["onnx"]
    assert found["ops"] and found["verified"] is None and says in found["unverified"]
    assert "\n" not in found["unverified"] and report.passed


def test_an_empty_batch_is_exported_but_never_run() -> None:
    found = report_for(exporting(make_spec(batch_size=0, hidden_size=HIDDEN))).to_dict()["onnx"]
    assert found["ops"][0]["inputs"]["W"] == [1, 3 * HIDDEN, 10]
    assert found["verified"] is None and "empty batch" in found["unverified"]


def test_proj_size_is_refused_in_one_line_and_the_rest_is_unchanged(cli: Any) -> None:
    args = ["--module", "lstm", "--proj-size", "2", "--hidden-size", "4"]
    plain = cli.json(*args)
    asked = cli.json(*args, "--show", "onnx")
    found = asked.pop("onnx")
    assert asked == plain
    assert found["refused"].startswith("Unsupported: ONNX export of operator LSTM, LSTMs with projections")
    assert "\n" not in found["refused"] and found["ops"] == [] and found["path"] is None
    text = cli(*args, "--show", "onnx", env={"COLUMNS": "200"})
    assert text.exit_code == 0 and text.stderr == ""
    assert "ONNX export refused by torch's exporter: Unsupported" in text.stdout
    assert "Torch IR graph" not in text.stdout  # the exporter's dump on stdout was captured


def test_any_exporter_failure_is_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        print("noise on stdout")
        raise RuntimeError("Exporting the operator 'aten::odd' is not supported\nsecond line")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    report = report_for(exporting(make_spec(hidden_size=HIDDEN)))
    found = report.to_dict()["onnx"]
    assert found["refused"] == "Exporting the operator 'aten::odd' is not supported"
    assert "noise on stdout" in found["messages"] and report.passed


def test_json_stays_one_document_while_the_exporter_writes_to_the_file_descriptors(tmp_path: Path) -> None:
    # A packed input makes the exporter print C++ warnings straight to fd 2; proj_size prints its IR on stdout.
    for args in (["--lengths", "5,3", "--bidirectional"], ["--module", "lstm", "--proj-size", "2"]):
        done = subprocess.run(
            [sys.executable, "-m", "gru_shapes", "--json", "--show", "onnx", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert "onnx" in json.loads(done.stdout)


def test_the_capture_takes_what_is_written_to_the_file_descriptors() -> None:
    with captured() as lines:
        os.write(1, b"from C++ on stdout\n")
        os.write(2, b"from C++ on stderr\n")
    assert lines == ["from C++ on stdout", "from C++ on stderr"]


def test_onnx_out_keeps_the_file_and_a_write_failure_is_one_line(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kept.onnx"
    result = cli("--show", "onnx", "--onnx-out", str(path), env={"COLUMNS": "200"})
    assert result.exit_code == 0 and f"written to {path}" in result.stdout
    assert [n.op_type for n in onnx.load(str(path)).graph.node].count("GRU") == 1

    import gru_shapes.export as export

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "open", full, raising=False)
    failed = cli("--onnx-out", str(tmp_path / "m.onnx"))
    assert failed.exit_code == 1 and failed.stdout == ""
    assert failed.stderr.splitlines() == [
        f"gru-shapes: error: cannot write --onnx-out {tmp_path / 'm.onnx'}: No space left on device"
    ]
