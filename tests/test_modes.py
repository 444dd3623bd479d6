"""Dry runs, the memory guard, batch mode and pipes: the command line at any size."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli

HUGE = [
    "--seq-len",
    "1000000",
    "--hidden-size",
    "16384",
    "--layers",
    "8",
    "--bidirectional",
    "--batch-size",
    "64",
]
ROOT = Path(__file__).parent.parent


def test_the_huge_dry_run_answers_with_predicted_shapes(cli: Cli) -> None:
    report = cli.json("--dry-run", *HUGE)
    assert report["observed"] is False
    assert report["tensors"]["output"]["shape"] == [64, 1000000, 32768]
    assert report["tensors"]["h_n"]["shape"] == [16, 64, 16384]
    tables = cli("--dry-run", *HUGE, env={"COLUMNS": "200"})
    assert tables.exit_code == 0, tables.output
    assert "Dry run: every shape below is predicted" in " ".join(tables.stdout.split())
    assert "would return  [64, 1000000, 32768], [16, 64, 16384]" in tables.stdout


def test_the_guard_refuses_the_huge_run_and_points_to_dry_run(cli: Cli) -> None:
    result = cli(*HUGE)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("gru-shapes: error: this run would need about 45.9 TiB")
    assert "add --dry-run to see every shape without running" in result.stderr


def test_an_explicit_budget_is_named_in_the_refusal(cli: Cli) -> None:
    result = cli("--max-memory", "1KiB")
    assert result.exit_code == 1
    assert "over the budget of 1.0 KiB (--max-memory)" in result.stderr
    assert cli("--max-memory", "1GiB").exit_code == 0


def test_a_bad_budget_is_a_bad_argument(cli: Cli) -> None:
    result = cli("--max-memory", "lots")
    assert result.exit_code == 2
    assert "--max-memory must be a size above 0" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["--dry-run", *HUGE], ["--layers", "0"], [*HUGE], ["batch", "--help"]],
    ids=["help", "version", "dry-run", "bad-argument", "guard", "batch-help"],
)
def test_these_never_import_torch(args: list[str]) -> None:
    code = (
        "import sys\nfrom gru_shapes.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.splitlines()[-1] == "False", result.stderr


def test_shell_completion_answers_without_torch() -> None:
    code = (
        "import sys\nfrom gru_shapes.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules, file=sys.stderr)"
    )
    env = {
        **os.environ,
        "_GRU_SHAPES_COMPLETE": "complete_bash",
        "COMP_WORDS": "gru-shapes --lay",
        "COMP_CWORD": "1",
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.split() == ["--layers"]
    assert result.stderr.splitlines()[-1] == "False", result.stderr


BATCH_LINES = [
    '{"layers": 2, "bidirectional": true}',
    "this is not json",
    '{"layers": 2, "hidden": 5}',
    '{"dropout": 3}',
    "[1, 2]",
    "",
    '{"seq_len": 100, "dry_run": true, "batch_first": false}',
    '{"max_memory": "1KiB"}',
]


def test_batch_keeps_every_line_in_order(cli: Cli) -> None:
    result = cli.runner.invoke(
        __import__("gru_shapes.cli").cli.app, ["batch"], input="\n".join(BATCH_LINES) + "\n"
    )
    assert result.exit_code == 1
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(BATCH_LINES)
    assert answers[0]["tensors"]["h_n"]["shape"] == [4, 1, 32] and answers[0]["observed"] is True
    errors = {a["line"]: a["error"] for a in answers if "error" in a}
    assert sorted(errors) == [2, 3, 4, 5, 6, 8]
    assert errors[2]["message"].startswith("not JSON")
    assert errors[3] == {
        "message": errors[3]["message"],
        "option": "hidden",
        "exit_code": 2,
    } and errors[3]["message"].startswith("unknown option 'hidden'")
    assert (
        errors[4]["option"] == "dropout" and "--dropout must be a number from 0 to 1" in errors[4]["message"]
    )
    assert errors[5]["message"] == "expected a JSON object of options, got list"
    assert errors[8]["exit_code"] == 1 and "over the budget" in errors[8]["message"]
    assert answers[6]["observed"] is False and answers[6]["tensors"]["output"]["shape"] == [100, 1, 32]
    assert result.stderr == ""


def test_batch_exits_0_when_every_line_succeeds(cli: Cli) -> None:
    from gru_shapes.cli import app

    result = cli.runner.invoke(app, ["batch"], input='{}\n{"layers": 3}\n')
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["config"]["num_layers"] for line in result.stdout.splitlines()] == [1, 3]


def test_batch_answers_each_line_as_soon_as_it_is_done() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "gru_shapes", "batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write('{"layers": 2}\n')
        process.stdin.flush()
        # stdin stays open: the answer must arrive before the input ends.
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "no answer while the input was still open"
        assert json.loads(process.stdout.readline())["tensors"]["h_n"]["shape"] == [2, 1, 32]
    finally:
        process.stdin.close()
        process.wait(timeout=60)
        process.stdout.close()
    assert process.returncode == 0


@pytest.mark.parametrize(
    "pipeline",
    [
        "python -m gru_shapes --json --dry-run --layers 300 --bidirectional | head -c 100",
        'python -c \'print("{\\"dry_run\\": true}\\n" * 300, end="")\' | python -m gru_shapes batch | head -n 1',
    ],
    ids=["json-head-c", "batch-head-n"],
)
def test_a_closed_pipe_ends_quietly(pipeline: str) -> None:
    shell = pipeline.replace("python ", f"{sys.executable} ")
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout


def test_batch_lines_take_every_module_and_mode(cli: Cli) -> None:
    from gru_shapes.cli import app

    lines = [
        '{"module": "lstm", "lengths": [3, 2], "proj_size": 4}',
        '{"module": "GRUCell", "unbatched": true}',
        '{"input_shape": [1, 35, 12]}',
        '{"module": "GRUCell", "layers": 2}',
    ]
    result = cli.runner.invoke(app, ["batch"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    packed, cell, diagnosed, refused = (json.loads(line) for line in result.stdout.splitlines())
    assert packed["tensors"]["packed_output"]["shape"] == [5, 4] and packed["batch_sizes"] == [2, 2, 1]
    assert cell["tensors"]["h_1"]["shape"] == [32]
    # Shapes torch refuses still get a full report, with the diagnosis, not an error object.
    assert diagnosed["diagnosis"]["compatible"] is False and diagnosed["diagnosis"]["fixes"]
    assert refused["error"]["option"] == "layers" and refused["error"]["exit_code"] == 2


def test_batch_lines_take_the_decoder_and_the_chunks(cli: Cli) -> None:
    lines = '{"chunks": 7, "decoder_layers": 2}\n{"chunks": 99}\n'
    result = cli.runner.invoke(__import__("gru_shapes.cli").cli.app, ["batch"], input=lines)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["chunks"]["equal"] is True and first["chunks"]["count"] == 7
    assert [row["name"] for row in first["handoff"] if row["verified"]] == ["repeat_last"]
    assert second["error"]["option"] == "chunks" and second["error"]["exit_code"] == 2
    assert result.exit_code == 1
