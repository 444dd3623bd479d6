"""Fuzzing the command line and batch mode with odd numbers, odd bytes, huge values, deep nesting,
closed streams and Ctrl-C: never a traceback, never an exit status the docs do not document,
never a batch with fewer answers than lines, and every report printed validates against the schema.

Most examples are refusals and dry runs, which never import torch, so they are cheap; the examples
that need a real process (streams, signals) run in subprocesses and are few.
``GRU_SHAPES_FUZZ=10 python -m pytest tests/test_fuzz.py`` runs ten times as many examples.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_shapes.batch import run_batch
from gru_shapes.errors import OptionError
from gru_shapes.model.spec import DEFAULTS, make_spec
from gru_shapes.run.pipeline import report_for
from tests.conftest import Cli

ROOT = Path(__file__).parent.parent
SCALE = int(os.environ.get("GRU_SHAPES_FUZZ", "1"))
# The exit statuses the table in docs/cli.md documents (a test below holds the two together).
DOCUMENTED = {0, 1, 2, 130, 141}
SCHEMA = json.loads(resources.files("gru_shapes").joinpath("report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
# A report's size must not grow with the sizes it describes: this bounds every list in it.
MAX_REPORT_CHARS = 200_000


def examples(count: int) -> settings:
    return settings(
        max_examples=count * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def check_report(document: dict[str, Any]) -> None:
    VALIDATOR.validate(document)
    assert len(json.dumps(document)) < MAX_REPORT_CHARS


def test_the_documented_exit_statuses_are_these() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text()
    table = reference.split("## Exit status and errors\n", 1)[1].strip().split("\n\n", 1)[0]
    assert {int(row.split("|")[1]) for row in table.splitlines()[2:]} == DOCUMENTED


# Odd numbers: digits int() reads or refuses that are not ASCII, signs, separators, exponents,
# values past int64 and past a float, and more digits than Python converts.
ODD_WORDS = [
    "²", "٣", "１２", "³²", "1_000", " 7 ", "+3", "-0", "-1", "0", "0x10", "1e3", "1e400", "inf", "-inf", "nan",
    "1.5", "", " ", "9223372036854775807", "9223372036854775808", "18446744073709551616", "true", "null",
    "[1]", "1,,2", "1x", "x1", "1x35x12", "[1, 35, 12]", "(2)", "🙂", "\u0000", "\udcff", "GRU", "gru",
    "Float32", "CUDA:0", "cuda:٣", "KO", "SVG", "TANH", "1KiB", "1.5 GiB", "0MiB", "1" + "0" * 400,
]  # fmt: skip
huge_digits = st.integers(17, 6000).map(lambda n: "1" + "0" * n)
odd_number = st.one_of(
    st.sampled_from(ODD_WORDS),
    st.integers(-(2**70), 2**70).map(str),
    huge_digits,
    st.text(max_size=6),
)
odd_list = st.lists(odd_number, min_size=1, max_size=4).flatmap(
    lambda words: st.sampled_from([",", "x", " ", ", "]).map(lambda sep: sep.join(words))
)
huge_size = st.one_of(st.integers(1, 2**63 - 1), st.sampled_from([2**63 - 1, 10**18, 10**9]))

VALUED = [
    "--input-size", "--hidden-size", "--layers", "--batch-size", "--seq-len", "--seed", "--dropout",
    "--proj-size", "--max-memory", "--module", "--nonlinearity", "--device", "--dtype", "--lang", "--format",
]  # fmt: skip
LISTED = ["--lengths", "--input-shape", "--h0-shape", "--c0-shape"]
FLAGS = [
    "--bidirectional", "--no-bidirectional", "--batch-first", "--seq-first", "--bias", "--no-bias", "--json",
    "--unbatched", "--dry-run", "--help", "--version",
]  # fmt: skip
argument = st.one_of(
    st.tuples(st.sampled_from(VALUED), odd_number).map(list),
    st.tuples(st.sampled_from(VALUED[:6]), huge_size.map(str)).map(list),
    st.tuples(st.sampled_from(LISTED), odd_list).map(list),
    st.sampled_from(FLAGS).map(lambda flag: [flag]),
    st.text(max_size=8).map(lambda word: [word]),
)
# Every vector ends as a dry run or under a budget of one byte, so that nothing is computed.
cheap_ending = st.sampled_from(
    [["--dry-run"], ["--dry-run", "--json"], ["--max-memory", "1"], ["--json", "--max-memory", "1"]]
)


@examples(500)
@given(st.lists(argument, max_size=6), cheap_ending)
def test_the_command_line_never_crashes(parts: list[list[str]], ending: list[str]) -> None:
    args = [word for part in parts for word in part] + ending
    result = Cli()(*args)
    assert result.exit_code in DOCUMENTED - {130, 141}, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert "Traceback" not in result.stdout + result.stderr, args
    if result.stderr:  # a refusal: one line naming what is wrong
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("gru-shapes: error: "), (
            args,
            result.stderr,
        )
    if result.exit_code != 0 and not result.stdout:
        assert result.stderr, args
    if result.stdout.startswith("{"):
        check_report(json.loads(result.stdout))


# Batch lines: JSON values of every kind, nested, with odd numbers, as text or as raw bytes.
json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | odd_number,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
option_value = st.one_of(json_value, huge_size, odd_list, st.sampled_from([True, False, 0, 1, 35, 32, 10]))
options = st.dictionaries(
    st.sampled_from([*DEFAULTS, "hidden", "num_layers", ""]), option_value, max_size=5
).flatmap(
    lambda found: st.sampled_from([{"dry_run": True}, {"max_memory": 1}]).map(lambda cheap: found | cheap)
)


@st.composite
def batch_line(draw: st.DrawFn) -> bytes:
    kind = draw(
        st.sampled_from(["options", "options", "options", "bytes", "deep", "digits", "broken", "value"])
    )
    if kind == "options":
        line = json.dumps(draw(options)).encode()
    elif kind == "bytes":
        line = draw(st.binary(max_size=40))
    elif kind == "deep":
        depth = draw(st.integers(1, 200_000))
        line = (draw(st.sampled_from(["[", '{"a":'])) * depth).encode()
    elif kind == "digits":
        line = ('{"layers": 1' + "0" * draw(st.integers(10, 6000)) + ', "dry_run": true}').encode()
    elif kind == "broken":
        text = json.dumps(draw(options)).encode()
        cut = draw(st.integers(0, len(text)))
        line = text[:cut] + draw(st.binary(max_size=3)) + text[cut:]
    else:
        line = json.dumps(draw(json_value)).encode()
    return line.replace(b"\n", b" ")


@examples(800)
@given(st.lists(batch_line(), min_size=1, max_size=5))
def test_batch_answers_every_line(lines: list[bytes]) -> None:
    out = io.StringIO()
    status = run_batch([line + b"\n" for line in lines], out)
    # JSON Lines end at "\n" only: a JSON string may hold U+0085 or U+2028, which splitlines() splits at.
    answers = [json.loads(text) for text in out.getvalue().split("\n")[:-1]]
    assert len(answers) == len(lines)
    assert status in (0, 1)
    for number, answer in enumerate(answers, start=1):
        if "error" in answer:
            error = answer["error"]
            assert answer["line"] == number and error["exit_code"] in (1, 2), answer
            assert "\n" not in error["message"] and "internal error" not in error["message"], answer
        else:
            check_report(answer)


# The same values through the Python door, and huge valid sizes whose dry runs must stay small.
@examples(500)
@given(options)
def test_make_spec_refuses_only_with_an_option_error(found: dict[str, Any]) -> None:
    try:
        spec = make_spec(**found)
    except OptionError as error:
        assert error.option is not None and "\n" not in str(error)
        return
    if spec.dry_run:
        check_report(report_for(spec).to_dict())


@examples(300)
@given(
    st.sampled_from(["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]),
    huge_size,
    huge_size,
    huge_size,
    st.lists(huge_size, min_size=1, max_size=20),
    st.booleans(),
)
def test_huge_dry_runs_stay_small(
    module: str, size: int, layers: int, batch: int, lengths: list[int], packed: bool
) -> None:
    found: dict[str, Any] = {"module": module, "hidden_size": size, "input_size": size, "dry_run": True}
    if not module.endswith("Cell"):
        found |= {"layers": layers, "bidirectional": True}
        found |= {"lengths": lengths} if packed else {"seq_len": size, "batch_size": batch}
    if module == "LSTM":
        found["proj_size"] = size - 1
    check_report(report_for(make_spec(**found)).to_dict())


# Real processes: a reader that goes away, closed and full streams, Ctrl-C at any moment.
TOOL = [sys.executable, "-m", "gru_shapes"]
DRY_LINES = b'{"dry_run": true, "layers": 300}\n' * 3000
COMMANDS = {
    "help": (["--help"], b""),
    "dry-run-json": (["--dry-run", "--layers", "3000", "--json"], b""),
    "dry-run-table": (["--dry-run", "--lengths", "1,9223372036854775807"], b""),
    "batch": (["batch"], DRY_LINES),
}


def _run(args: list[str], stdin: bytes, condition: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if condition == "reader-gone":
        process = subprocess.Popen(
            [*TOOL, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        assert process.stdout is not None
        process.stdout.close()  # before the tool has written anything
        _out, err = process.communicate(stdin, timeout=120)
        return subprocess.CompletedProcess(args, process.returncode, b"", err)
    redirect = {"stdout-closed": ">&-", "stdout-full": "> /dev/full", "stdin-closed": "<&-"}[condition]
    shell = f'exec "$@" {redirect}'
    return subprocess.run(
        ["bash", "-c", shell, "bash", *TOOL, *args], input=stdin, capture_output=True, env=env, timeout=120
    )


@examples(6)
@given(
    st.sampled_from(sorted(COMMANDS)),
    st.sampled_from(["reader-gone", "stdout-closed", "stdout-full", "stdin-closed"]),
)
def test_streams_that_close_or_fill(command: str, condition: str) -> None:
    args, stdin = COMMANDS[command]
    if condition == "stdin-closed" and command != "batch":
        condition = "stdout-full"
    result = _run(args, stdin, condition)
    stderr = result.stderr.decode(errors="replace")
    assert "Traceback" not in stderr
    if condition == "reader-gone":
        assert (result.returncode, stderr) == (141, "")
    else:
        assert result.returncode == 1 and stderr.count("\n") == 1, stderr
        assert stderr.startswith("gru-shapes: error: "), stderr


@pytest.mark.parametrize("encoding", ["utf-8:strict", "utf-8"], ids=["strict", "default"])
def test_a_strict_utf8_stdin_answers_every_line(encoding: str) -> None:
    lines = b'{"dry_run": true}\n\xff\xfe\n{"dry_run": true, "lang": "ko"}\n\xc3(\n'
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": encoding, "LC_ALL": "C.UTF-8"}
    result = subprocess.run([*TOOL, "batch"], input=lines, capture_output=True, env=env, timeout=120)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("error" in answer) for answer in answers] == [False, True, False, True]
    assert result.returncode == 1 and b"Traceback" not in result.stderr


# Libraries whose mapping into the process marks a moment of the start-up: typer and rich being
# imported (json is the first extension the command line loads), and torch being imported.
MOMENTS = {
    "loading typer": "_json.",
    "importing torch": "libtorch_cpu.so",
    "torch importing numpy": "_multiarray",
}


def _wait_for_library(pid: int, name: str, timeout: float = 60) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if name in Path(f"/proc/{pid}/maps").read_text():
                return True
        except (FileNotFoundError, ProcessLookupError):
            return False
        time.sleep(0.001)
    return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="start-up moments are read from /proc")
@examples(6)
@given(st.sampled_from([*sorted(MOMENTS), "running"]), st.floats(0, 0.3))
def test_ctrl_c_at_any_moment_exits_130_quietly(moment: str, delay: float) -> None:
    process = subprocess.Popen(
        [*TOOL, "batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdin is not None
    if moment == "running":
        # Less than a pipe's buffer, so that this write never waits for the tool to read.
        process.stdin.write(DRY_LINES[:16_000])
        process.stdin.flush()
        assert _wait_for_library(process.pid, "libtorch_cpu.so")
        time.sleep(0.5 + delay)
    else:
        assert _wait_for_library(process.pid, MOMENTS[moment])
        time.sleep(delay / 10)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode(errors="replace")
    assert err == b""
