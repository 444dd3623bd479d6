"""The ONNX export predicted without torch's exporter (``--dry-run --show onnx``), and the options that ask
for an export: what they accept, and the one-line refusals when they cannot be honoured."""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gru_shapes.errors import OptionError
from gru_shapes.model import onnx as onnx_model
from gru_shapes.model.onnx_plan import (
    blocks,
    dynamic_axes,
    export_call,
    exporting,
    predicted,
    predicted_ops,
)
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from tests.conftest import Cli


@pytest.mark.parametrize(
    ("options", "w", "r", "b"),
    [
        ({}, (1, 96, 10), (1, 96, 32), (1, 192)),
        ({"module": "LSTM", "bidirectional": True}, (2, 128, 10), (2, 128, 32), (2, 256)),
        ({"module": "RNN", "bias": False, "hidden_size": 7}, (1, 7, 10), (1, 7, 7), None),
    ],
    ids=["gru", "lstm-bidirectional", "rnn-no-bias"],
)
def test_w_r_b_are_gates_times_hidden_by_what_each_reads(
    options: dict[str, Any], w: tuple[int, ...], r: tuple[int, ...], b: tuple[int, ...] | None
) -> None:
    op = predicted_ops(make_spec(dry_run=True, **options))[0]
    assert (op.inputs["W"], op.inputs["R"], op.inputs.get("B")) == (w, r, b)


def test_a_deeper_layer_reads_both_directions_of_the_one_below() -> None:
    ops = predicted_ops(make_spec(layers=3, bidirectional=True, hidden_size=8, dry_run=True))
    assert [op.inputs["X"] for op in ops] == [
        ("seq", "batch", 10),
        ("seq", "batch", 16),
        ("seq", "batch", 16),
    ]
    assert [op.links["initial_h"].torch for op in ops] == ["h_0[0:2]", "h_0[2:4]", "h_0[4:6]"]
    assert [op.links["Y"].torch for op in ops] == ["X of layer 1", "X of layer 2", "output"]


@pytest.mark.parametrize(
    ("module", "first_rows"),
    [
        ("GRU", ["weight_ih_l0[32:64]", "weight_ih_l0[0:32]", "weight_ih_l0[64:96]"]),
        (
            "LSTM",
            ["weight_ih_l0[0:32]", "weight_ih_l0[96:128]", "weight_ih_l0[32:64]", "weight_ih_l0[64:96]"],
        ),
    ],
)
def test_each_block_of_w_names_the_torch_rows_it_holds(module: str, first_rows: list[str]) -> None:
    found = blocks(make_spec(module=module, bidirectional=True), 0)
    forward = [b for b in found if b.direction == "forward"]
    backward = [b for b in found if b.direction == "backward"]
    assert [b.weight_ih for b in forward] == first_rows
    assert [b.weight_ih for b in backward] == [row.replace("l0", "l0_reverse") for row in first_rows]
    assert [b.rows for b in forward] == [(j * 32, (j + 1) * 32) for j in range(len(first_rows))]


def test_attributes_say_which_ones_onnx_assumes() -> None:
    op = predicted_ops(make_spec(module="RNN", nonlinearity="relu", bidirectional=True, dry_run=True))[0]
    assert op.attributes["activations"] == ["Relu", "Relu"] and op.attributes["direction"] == "bidirectional"
    assert op.defaulted == ("layout",)
    gru = predicted_ops(make_spec(dry_run=True))[0]
    assert gru.attributes["linear_before_reset"] == 1 and "direction" in gru.defaulted


@pytest.mark.parametrize(
    ("options", "axes"),
    [
        ({"batch_first": False}, {0: "seq", 1: "batch"}),
        ({"unbatched": True}, {0: "seq"}),
        ({"module": "GRUCell"}, {0: "batch"}),
    ],
    ids=["seq-first", "unbatched", "cell"],
)
def test_dynamic_axes_follow_the_layout(options: dict[str, Any], axes: dict[int, str]) -> None:
    assert dynamic_axes(make_spec(**options))["input"] == axes


def test_an_unbatched_cell_has_no_axis_to_declare_and_a_packed_batch_has_lengths() -> None:
    assert dynamic_axes(make_spec(module="LSTMCell", unbatched=True)) == {}
    assert dynamic_axes(make_spec(lengths="5,3"))["lengths"] == {0: "batch"}


@pytest.mark.parametrize(
    "options",
    [{}, {"module": "LSTM", "lengths": "4,2"}, {"module": "RNNCell", "unbatched": True}],
    ids=["gru", "packed-lstm", "unbatched-cell"],
)
def test_the_export_call_is_python(options: dict[str, Any]) -> None:
    code = "\n".join(export_call(make_spec(**options), 'my "model".onnx'))
    call = ast.parse(code).body[0]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert ast.literal_eval(call.value.args[2]) == 'my "model".onnx'


def test_a_dry_run_predicts_the_ops_and_refuses_what_the_exporter_refuses() -> None:
    found = report_for(exporting(make_spec(dry_run=True, layers=2))).to_dict()["onnx"]
    assert found["predicted"] is True and found["verified"] is None and found["nodes"] is None
    assert [op["inputs"]["W"] for op in found["ops"]] == [[1, 96, 10], [1, 96, 32]]
    assert found["gate_order"] == {"torch": "r|z|n", "onnx": "z|r|h", "blocks": [1, 0, 2]}
    refused = predicted(make_spec(module="LSTM", proj_size=4, dry_run=True))
    assert refused.refused and "proj_size" in refused.refused and refused.ops == ()


def test_a_dry_run_of_huge_sizes_stays_small_and_instant() -> None:
    spec = make_spec(dry_run=True, layers=2**63 - 1, hidden_size=2**62, bidirectional=True)
    start = time.perf_counter()
    found = report_for(exporting(spec)).to_dict()["onnx"]
    assert time.perf_counter() - start < 1
    assert [op["layer"] for op in found["ops"]] == [0, 1, 2**63 - 2]
    assert found["ops_omitted"] == {"first_layer": 2, "last_layer": 2**63 - 3, "like_layer": 1}


def test_gate_order_is_absent_for_a_plain_rnn_and_for_cells() -> None:
    for module in ("RNN", "GRUCell"):
        assert "gate_order" not in predicted(make_spec(module=module, dry_run=True)).to_dict()


def test_the_export_is_asked_for_by_name_only() -> None:
    spec = make_spec()
    assert not exporting(spec, ("cost", "checks")).onnx
    assert exporting(spec, ("onnx",)).onnx
    assert make_spec(onnx_out="model.onnx").onnx


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "takes the path of the file to write"),
        (5, "got 5"),
        (".", "is a folder"),
        ("/no/such/folder/m.onnx", "there is no folder /no/such/folder"),
        ("bad\0name", "takes the path"),
        ("two\nlines.onnx", "got 'two\\nlines.onnx'"),
    ],
    ids=["empty", "number", "folder", "no-folder", "nul", "newline"],
)
def test_onnx_out_refuses_a_path_it_cannot_write_naming_the_option(value: Any, says: str) -> None:
    with pytest.raises(OptionError) as refused:
        make_spec(onnx_out=value)
    assert refused.value.option == "onnx_out" and says in str(refused.value)
    assert str(refused.value).startswith("--onnx-out")


def test_onnx_out_and_a_dry_run_cannot_go_together(cli: Cli) -> None:
    result = cli("--dry-run", "--onnx-out", "model.onnx")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "gru-shapes: error: --dry-run cannot be combined with --onnx-out: the file is written by torch's "
        "exporter, which a dry run does not call"
    ]


@pytest.fixture
def without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """onnx and onnxruntime looked up as if they were not installed."""
    real = onnx_model.importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in onnx_model.EXTRAS else real(name, *args)

    monkeypatch.setattr(onnx_model.importlib.util, "find_spec", find_spec)


@pytest.mark.usefixtures("without_the_extra")
@pytest.mark.parametrize("args", [["--show", "onnx"], ["--onnx-out", "m.onnx"]], ids=["show", "onnx-out"])
def test_without_the_extra_the_export_says_how_to_install_it(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        f"gru-shapes: error: {' '.join(args[:2]) if args[0] == '--show' else '--onnx-out'}"
    )
    assert "pip install 'gru-shapes[onnx]'" in result.stderr


@pytest.mark.usefixtures("without_the_extra")
def test_without_the_extra_a_dry_run_still_predicts(cli: Cli) -> None:
    assert cli.json("--dry-run", "--show", "onnx")["onnx"]["predicted"] is True


def test_the_command_line_and_a_normal_run_never_load_onnx() -> None:
    code = (
        "import sys\n"
        "from gru_shapes.cli import app\n"
        "from gru_shapes.api import explain\n"
        "import gru_shapes.batch, gru_shapes.show.render, gru_shapes.show.onnx_view, gru_shapes.model.onnx_plan\n"
        "report = explain(num_layers=2, bidirectional=True, show=('cost', 'checks'))\n"
        "report.to_dict(); gru_shapes.show.render.text(report, 100, styled=False)\n"
        "print(sorted(name for name in ('onnx', 'onnxruntime') if name in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr
    # The same probe sees the packages when they are loaded: it can fail.
    loaded = code.replace("report = ", "import onnx\nreport = ")
    out = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['onnx']", out.stderr


def test_no_module_outside_export_imports_onnx() -> None:
    package = Path(__file__).parent.parent / "gru_shapes"
    for path in package.rglob("*.py"):
        if path.parent.name == "export":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            assert not [n for n in names if n.split(".")[0] in ("onnx", "onnxruntime")], path
