"""The command line as users type it: stdout and stderr apart, exit statuses, never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gru_shapes.show.sections import names
from tests.conftest import Cli
from tests.oracle import torch_module


@pytest.mark.parametrize(
    ("args", "output", "hidden_state"),
    [
        ((), [1, 35, 32], [1, 1, 32]),
        (("--layers", "2"), [1, 35, 32], [2, 1, 32]),
        (("--layers", "2", "--bidirectional"), [1, 35, 64], [4, 1, 32]),
    ],
    ids=["notebook-cell-1", "notebook-cell-2-stacked", "notebook-cell-3-bidirectional"],
)
def test_the_notebook_cells(
    cli: Cli, args: tuple[str, ...], output: list[int], hidden_state: list[int]
) -> None:
    report = cli.json(*args)
    assert report["tensors"]["input"]["shape"] == [1, 35, 10]
    assert report["tensors"]["output"]["shape"] == output
    assert report["tensors"]["h_n"]["shape"] == hidden_state
    assert all(check["passed"] for check in report["checks"])
    tables = cli(*args)
    assert tables.exit_code == 0, tables.output
    assert f"{output}, {hidden_state}" in tables.stdout


def test_tables_explain_every_part(cli: Cli) -> None:
    result = cli("--layers", "2", "--bidirectional", "--all")
    assert result.exit_code == 0, result.output
    for fragment in [
        "nn.GRU(input_size=10, hidden_size=32, num_layers=2, batch_first=True,",
        "h_n (hidden_state)",
        "D × hidden_size = 2 × 32",
        "h_n index map",
        "27,264 parameters",
        "weight_hh_l1_reverse",
        "checks on this run's tensors",
        "cost of one forward pass",
        "x, the sequences fed to the module",
    ]:
        assert fragment in result.stdout, fragment
    assert result.stderr == ""


def test_the_default_view_answers_and_points_to_the_rest(cli: Cli) -> None:
    result = cli("--layers", "2", "--bidirectional", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for fragment in ["h_n (hidden_state)", "D × hidden_size = 2 × 32", "h_n index map", "h_n[3]", "--show"]:
        assert fragment in result.stdout, fragment
    for fragment in ["weight_hh_l1_reverse", "checks on this run's tensors", "cost of one forward pass"]:
        assert fragment not in result.stdout, fragment
    assert result.stdout.splitlines()[-1].startswith("✓ all 8 checks held")


@pytest.mark.parametrize(
    ("args", "present", "absent"),
    [
        (["--show", "checks"], "checks on this run's tensors", "weight_ih_l0"),
        (["--show", "parameters,cost"], "weight_ih_l0", "checks on this run's tensors"),
        (["--show", " Input , states"], "x, the sequences fed to the module", "weight_ih_l0"),
        (["--all"], "weight_ih_l0", "(--show"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_show_adds_named_sections(cli: Cli, args: list[str], present: str, absent: str) -> None:
    result = cli(*args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert present in result.stdout and absent not in result.stdout


def test_show_refuses_an_unknown_name_in_one_line(cli: Cli) -> None:
    result = cli("--show", "checks,charts")
    assert result.exit_code == 2 and result.stdout == ""
    allowed = ", ".join(names())
    assert result.stderr.strip().splitlines() == [f"gru-shapes: error: --show takes {allowed}; got 'charts'"]


def test_a_refusal_is_the_last_word(cli: Cli) -> None:
    result = cli("--input-shape", "35,4,10", "--h0-shape", "1,4,32", env={"COLUMNS": "80"})
    assert result.exit_code == 1
    assert "gru(inputs, h_0)" in result.stdout and "refused by torch" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("✗ torch refuses the shapes given")


def test_json_carries_every_field_whatever_is_shown(cli: Cli) -> None:
    assert cli.json("--show", "cost") == cli.json("--all") == cli.json()


def test_json_is_one_document_on_stdout_and_nothing_else(cli: Cli) -> None:
    result = cli("--json", "--dropout", "0.3")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["warnings"] and "dropout" in report["warnings"][0]
    assert result.stderr == ""


def test_seq_first_moves_batch_in_input_and_output_only(cli: Cli) -> None:
    report = cli.json("--seq-first", "--batch-size", "3", "--seq-len", "5")
    assert report["tensors"]["input"]["shape"] == [5, 3, 10]
    assert report["tensors"]["output"]["shape"] == [5, 3, 32]
    assert report["tensors"]["h_n"]["shape"] == [1, 3, 32]
    assert report["config"]["batch_first"] is False


def test_empty_batch_runs_as_in_torch(cli: Cli) -> None:
    report = cli.json("--batch-size", "0")
    assert report["tensors"]["output"]["shape"] == [0, 35, 32]


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("--layers", "0"), 2, "--layers must be a whole number of at least 1, got 0"),
        (("--seq-len", "0"), 2, "--seq-len must be a whole number of at least 1, got 0"),
        (("--dropout", "1.5"), 2, "--dropout must be a number from 0 to 1, got 1.5"),
        (("--dtype", "int8"), 2, "--dtype must be one of float32, float64, float16, bfloat16"),
        (("--device", "tpu"), 2, "--device must be cpu, cuda, cuda:N or auto"),
        (("--layers", "two"), 2, "'--layers'"),
        (("--hidden-size",), 2, "'--hidden-size' requires an argument"),
        (("--frobnicate",), 2, "No such option: --frobnicate"),
        (("--module", "conv"), 2, "--module must be one of GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell"),
        (("--proj-size", "3"), 2, "--proj-size does not apply to nn.GRU: only nn.LSTM projects"),
        (("--module", "grucell", "--layers", "2"), 2, "--layers does not apply to nn.GRUCell"),
        (("--module", "lstm", "--nonlinearity", "relu"), 2, "--nonlinearity does not apply to nn.LSTM"),
        (("--lengths", "3,0"), 2, "--lengths must be one or more whole numbers of at least 1"),
        (("--unbatched", "--batch-size", "4"), 2, "--batch-size cannot be combined with --unbatched"),
        (("--input-shape", "35,10"), 0, ""),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_bad_arguments_get_one_line(cli: Cli, args: tuple[str, ...], status: int, message: str) -> None:
    result = cli(*args)
    assert result.exit_code == status, result.output
    if status == 0:  # a 2-D input is a valid unbatched sequence: no error at all
        assert result.stderr == ""
        return
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("gru-shapes: error: ")
    assert message in result.stderr


def test_cuda_on_a_machine_without_it_is_status_1(cli: Cli) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = cli("--device", "cuda")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"gru-shapes: error: --device cuda: CUDA is not available here (torch {torch.__version__}); "
        "use --device cpu or --device auto"
    )


def test_version_and_help(cli: Cli) -> None:
    from gru_shapes import __version__

    assert cli("--version").stdout.strip() == f"gru-shapes {__version__}"
    help_text = cli("--help").stdout
    for option in ["--input-size", "--hidden-size", "--layers", "--bidirectional", "--seq-first", "--json"]:
        assert option in help_text


OPTIONS = [
    "--input-size", "--hidden-size", "--layers", "--dropout", "--batch-size",
    "--seq-len", "--device", "--dtype", "--seed", "--module", "--proj-size", "--nonlinearity",
    "--lengths", "--input-shape", "--h0-shape", "--c0-shape",
]  # fmt: skip
small_numbers = st.integers(-3, 40).map(str) | st.floats(allow_nan=True, allow_infinity=True).map(str)
shapes = st.lists(st.integers(0, 12), min_size=1, max_size=4).map(lambda sizes: ",".join(map(str, sizes)))
words = st.sampled_from(
    ["cuda:0", "auto", "bfloat16", "--json", "", "lstm", "GRUCell", "rnn", "relu", "tanh"]
)
values = st.text(max_size=12) | small_numbers | shapes | words


FLAGS = [
    "--bidirectional", "--no-bidirectional", "--batch-first", "--seq-first", "--bias", "--no-bias",
    "--dry-run", "--json", "--unbatched",
]  # fmt: skip
valued = st.tuples(st.sampled_from([*OPTIONS, "--max-memory"]), values).map(list)
flags = st.sampled_from(FLAGS).map(lambda flag: [flag])
junk = st.text(max_size=8).map(lambda word: [word])


@given(st.lists(valued | flags | junk, max_size=5))
def test_fuzzed_options_never_crash(parts: list[list[str]]) -> None:
    args = [word for part in parts for word in part]
    result = Cli()(*args)
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args", [["--layers", "2", "--bidirectional", "--json"], ["--layers", "-1"]], ids=str
)
def test_the_installed_command_and_module_entry_point(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "gru_shapes", *args], capture_output=True, text=True)
    assert "Traceback" not in result.stderr
    if args[-1] == "--json":
        assert result.returncode == 0, result.stderr
        document: dict[str, Any] = json.loads(result.stdout)
        assert document["tensors"]["h_n"]["shape"] == [4, 1, 32]
    else:
        assert result.returncode == 2
        assert result.stderr == "gru-shapes: error: --layers must be a whole number of at least 1, got -1\n"


# The examples of docs/modules.md (and the README), each run and its shapes checked.
README_EXAMPLES = [
    (["--module", "lstm", "--proj-size", "8", "--layers", "2", "--bidirectional"], "h_n", [4, 1, 8]),
    (["--module", "lstm", "--proj-size", "8", "--layers", "2", "--bidirectional"], "c_n", [4, 1, 32]),
    (["--module", "rnn", "--nonlinearity", "relu"], "h_n", [1, 1, 32]),
    (["--module", "GRUCell", "--batch-size", "4"], "h_1", [4, 32]),
    (["--unbatched", "--layers", "2"], "h_n", [2, 32]),
    (["--lengths", "35,20,7", "--bidirectional"], "packed_output", [62, 64]),
    (["--input-shape", "35,4,10", "--seq-first"], "output", [35, 4, 32]),
]


@pytest.mark.parametrize(
    ("args", "key", "shape"),
    README_EXAMPLES,
    ids=lambda v: " ".join(map(str, v)) if isinstance(v, list) else str(v),
)
def test_the_readme_examples(cli: Cli, args: list[str], key: str, shape: list[int]) -> None:
    report = cli.json(*args)
    assert report["tensors"][key]["shape"] == shape
    assert all(check["passed"] for check in report["checks"])
    tables = cli(*args)
    assert tables.exit_code == 0 and tables.stderr == ""


def test_only_typed_options_count_as_given(cli: Cli) -> None:
    # The command line's own defaults (layers 1, batch-first, seq-len 35) must not be refused for a
    # cell, while typing one of them is.
    assert cli("--module", "LSTMCell").exit_code == 0
    result = cli("--module", "LSTMCell", "--seq-len", "35")
    assert result.exit_code == 2
    assert "--seq-len does not apply to nn.LSTMCell" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "SVG"],
        ["--format", "Json"],
        ["--dtype", "Float64"],
        ["--device", "CPU"],
        ["--lang", "KO"],
        ["--module", "lstmCELL"],
    ],
    ids=["format", "format-json", "dtype", "device", "lang", "module"],
)
def test_names_gru_shapes_chooses_take_any_case(cli: Cli, args: list[str]) -> None:
    result = cli("--dry-run", *args)
    assert result.exit_code == 0, result.output


def test_nonlinearity_is_spelled_as_torch_spells_it(cli: Cli) -> None:
    result = cli("--module", "rnn", "--nonlinearity", "TANH", "--dry-run")
    assert result.exit_code == 2 and "lower case" in result.stderr


def test_after_the_forward_pass_options_reach_the_json(cli: Cli) -> None:
    report = cli.json(
        "--layers", "2", "--bidirectional", "--batch-size", "3",
        "--decoder-layers", "1", "--decoder-module", "lstm", "--chunks", "5",
    )  # fmt: skip
    assert report["idioms"][0] == {
        "expression": "h_n[-1]",
        "shape": [3, 32],
        "holds": "the last layer, backward direction only",
        "equals": "h_last_backward",
        "pitfall": "of a bidirectional module this is the last layer's backward state only; "
        "the forward one is h_n[-2]",
    }
    assert {row["decoder"] for row in report["handoff"]} == {
        "nn.LSTM(10, 64, num_layers=1, batch_first=True)"
    }
    assert [row["name"] for row in report["handoff"] if row["verified"]] == ["last_layers"]
    assert report["chunks"]["count"] == 5 and report["chunks"]["lengths"] == [7] * 5
    assert report["chunks"]["equal"] is False  # a bidirectional module cannot be carried across


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunks", "0"], "--chunks must be a whole number of at least 1, got 0"),
        (["--seq-len", "4", "--chunks", "5"], "--chunks must be at most seq_len = 4"),
        (
            ["--decoder-module", "gru2"],
            "--decoder-module must be one of GRU, LSTM, RNN (any case), got 'gru2'",
        ),
        (
            ["--module", "rnncell", "--decoder-hidden-size", "4"],
            "--decoder-hidden-size does not apply to nn.RNNCell",
        ),
    ],
    ids=["zero-chunks", "too-many-chunks", "decoder-module", "cell"],
)
def test_after_the_forward_pass_options_are_refused_in_one_line(
    cli: Cli, args: list[str], message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [["--lengths", "35,,7"], ["--lengths", ",35"], ["--input-shape", "1,,35,10"], ["--h0-shape", "1,1,,32"]],
    ids=["lengths-double-comma", "lengths-leading-comma", "input-shape", "h0-shape"],
)
def test_an_empty_item_exits_2_in_one_line_naming_the_option(cli: Cli, args: list[str]) -> None:
    # Read as [35, 7] the typo ran a batch of 2 where 3 were meant, and exited 0.
    result = cli(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"gru-shapes: error: {args[0]} has an empty item")
    assert result.stderr.count("\n") == 1


def test_a_refusal_shows_the_shapes_given_and_no_verdict_of_a_run_it_did_not_make(cli: Cli) -> None:
    # The header said input [1, 35, 10] and "✓ all 7 checks held" sat above "✗ torch refuses".
    result = cli("--input-shape", "1,35,12", "--h0-shape", "1,1,32", env={"COLUMNS": "100"})
    assert result.exit_code == 1
    assert "input [1, 35, 12], h_0 [1, 1, 32] (given)" in result.stdout
    assert "checks held" not in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("✗ torch refuses the shapes given")
    shown = cli("--input-shape", "1,35,12", "--show", "checks", env={"COLUMNS": "100"})
    assert (
        "checks on the tensors of the run with the shapes torch expects, not the shapes given" in shown.stdout
    )


def test_torchs_projection_warning_is_said_once_in_plain_words(cli: Cli) -> None:
    # It was a 3-line note carrying the path of torch's C++ source.
    report = cli.json("--module", "lstm", "--proj-size", "8")
    assert report["warnings"] == [
        "torch runs an LSTM with proj_size on its own kernel rather than oneDNN's; the results are the same"
    ]
    tables = cli("--module", "lstm", "--proj-size", "8", env={"COLUMNS": "200"}).stdout
    assert tables.count("oneDNN") == 1 and "Triggered internally" not in tables


@pytest.mark.parametrize(
    ("show", "hint"),
    [("", "(--show parameters,cost)"), ("parameters", "(--show cost)"), ("cost", "(--show parameters)")],
)
def test_the_summary_line_names_only_the_sections_not_shown(cli: Cli, show: str, hint: str) -> None:
    args = ["--show", show] if show else []
    lines = cli(*args, env={"COLUMNS": "200"}).stdout.splitlines()
    summary = [line for line in lines if "MACs" in line or line.startswith("parameters ")]
    assert summary and summary[-1].endswith(hint), summary
    everything = cli("--show", "parameters,cost", env={"COLUMNS": "200"}).stdout
    assert "(--show parameters" not in everything and "(--show cost" not in everything


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "packed: this input is not packed"),
        (["--module", "grucell"], "packed: a cell takes one time step"),
    ],
)
def test_show_packed_without_lengths_says_why_it_is_empty(cli: Cli, args: list[str], said: str) -> None:
    result = cli(*args, "--show", "packed", env={"COLUMNS": "200"})
    assert said in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--layers", "2", "--bidirectional", "--seq-first", "--batch-size", "3"],
        ["--bidirectional", "--batch-size", "2"],
        ["--bidirectional", "--unbatched", "--module", "lstm"],
    ],
    ids=["seq-first", "batch-first", "unbatched-lstm"],
)
def test_the_default_view_says_where_the_backward_final_state_is_and_torch_agrees(
    cli: Cli, args: list[str]
) -> None:
    # Only --show checks said it: h_n[-1] is output at step 0 for the backward direction.
    shown = " ".join(cli(*args, env={"COLUMNS": "200"}).stdout.split())
    said = re.search(r"h_n\[-1\], the backward final state, is output at step 0: (output\[[^\]]*\]);", shown)
    assert said, shown
    report = cli.json(*args)
    options = {
        "module": report["module"],
        **{k: v for k, v in report["config"].items() if k in ("input_size", "hidden_size", "bidirectional")},
    }
    options["layers"] = report["config"]["num_layers"]
    options["batch_first"] = report["config"]["batch_first"]
    module = torch_module(options).eval()
    shape = report["tensors"]["input"]["shape"]
    with torch.no_grad():
        output, h_n = module(torch.randn(shape))
    h_n = h_n[0] if isinstance(h_n, tuple) else h_n
    assert torch.equal(h_n[-1], eval(said[1], {"output": output}))


def test_a_projected_lstm_shows_the_weights_it_changes_in_one_line(cli: Cli) -> None:
    lines = cli("--module", "lstm", "--proj-size", "8", env={"COLUMNS": "200"}).stdout.splitlines()
    said = [line for line in lines if line.startswith("proj_size=8 makes")]
    assert said == [
        "proj_size=8 makes weight_hh_l0 [128, 8] (4 × hidden_size, proj_size) and adds "
        "weight_hr_l0 [8, 32]: h has 8 features, c 32"
    ]
    shapes = dict(torch_module({"module": "LSTM", "proj_size": 8}).named_parameters())
    assert list(shapes["weight_hh_l0"].shape) == [128, 8] and list(shapes["weight_hr_l0"].shape) == [8, 32]
