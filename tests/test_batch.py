"""Batch mode: each line's answer is the one the same options get alone, whatever came before."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.run import varied
from gru_shapes.batch import run_batch
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for

ROOT = Path(__file__).parent.parent

# Lines that make torch warn, some once per process (LSTM with projections): each twice.
LINES: list[dict[str, Any]] = [
    {"module": "LSTM", "proj_size": 8},
    {"dropout": 0.5},
    {"module": "LSTM", "proj_size": 4, "lengths": [5, 2], "bidirectional": True},
    {"module": "LSTMCell", "batch_size": 2},
    {"input_shape": [1, 35, 12]},
]


@pytest.mark.parametrize("order", ["as-listed", "reversed"])
def test_every_line_equals_its_report_alone(order: str) -> None:
    lines = LINES * 2 if order == "as-listed" else list(reversed(LINES)) * 2
    out = io.StringIO()
    run_batch([json.dumps(line) for line in lines], out)
    answers = [json.loads(text) for text in out.getvalue().splitlines()]
    assert len(answers) == len(lines)
    for options, answer in zip(lines, answers, strict=True):
        alone = json.loads(json.dumps(report_for(make_spec(**options)).to_dict()))
        assert answer == alone, options


def test_a_second_identical_line_keeps_torchs_once_per_process_warning() -> None:
    line = json.dumps({"module": "LSTM", "proj_size": 8}) + "\n"
    batch = subprocess.run(
        [sys.executable, "-m", "gru_shapes", "batch"],
        input=line * 2,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    alone = subprocess.run(
        [sys.executable, "-m", "gru_shapes", "--json", "--module", "LSTM", "--proj-size", "8"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    first, second = (json.loads(text) for text in batch.stdout.splitlines())
    assert json.loads(alone.stdout)["warnings"] == first["warnings"] == second["warnings"]
    assert second["warnings"], "torch warns about projections with oneDNN"


def test_a_line_that_is_not_utf8_costs_that_line_alone() -> None:
    out = io.StringIO()
    status = run_batch([b'{"dry_run": true}\n', b"\xff\xfe{}\n", b'{"dry_run": true}'], out)
    first, bad, last = (json.loads(text) for text in out.getvalue().splitlines())
    assert status == 1 and first["observed"] is False and last["observed"] is False
    assert bad == {
        "line": 2,
        "error": {"message": "not UTF-8: byte 0xff at column 1", "option": None, "exit_code": 2},
    }


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("[" * 100_000, "not JSON that can be read: nested too deep"),
        ('{"layers": 1' + "0" * 5000 + "}", "not JSON that can be read: Exceeds the limit"),
        ('{"layers": 1' + "0" * 400 + ', "dry_run": true}', "--layers must be at most"),
        ('{"hidden_size": 1e400, "dry_run": true}', "--hidden-size must be a whole number"),
        ('{"lengths": "1,\u00b2", "dry_run": true}', "--lengths must be"),
        ('{"device": "cuda:\u0663", "dry_run": true}', "--device must be"),
    ],
    ids=["deep", "digits", "int64", "float-overflow", "superscript", "arabic-digit"],
)
def test_odd_numbers_get_an_error_for_their_line(line: str, start: str) -> None:
    out = io.StringIO()
    assert run_batch([line, '{"dry_run": true}'], out) == 1
    bad, good = (json.loads(text) for text in out.getvalue().splitlines())
    assert bad["error"]["message"].startswith(start), bad
    assert good["observed"] is False


def test_a_missing_gpu_names_the_device_key() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    out = io.StringIO()
    run_batch(['{"device": "cuda"}'], out)
    assert json.loads(out.getvalue())["error"]["option"] == "device"


# A sample of the varied lines, each asked twice or more so that a kept module and a kept step check
# are reused, plus lines whose module warns when it is built or run.
SAMPLE = [varied(i) for i in (0, 7, 120, 359, 7, 0, 481, 120)] + [{"dropout": 0.5}, {"dropout": 0.5}]


def _options(line: dict[str, Any]) -> list[str]:
    words: list[str] = []
    for key, value in line.items():
        flag = "--" + key.replace("_", "-")
        words += ([flag] if value else []) if isinstance(value, bool) else [flag, str(value)]
    return words


def test_batch_answers_are_byte_for_byte_the_one_shot_answers() -> None:
    # Separate processes: the one-shot runs start with nothing kept, the batch reuses what it kept.
    batch = subprocess.run(
        [sys.executable, "-m", "gru_shapes", "batch"],
        input="".join(json.dumps(line) + "\n" for line in SAMPLE),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    answers = batch.stdout.splitlines()
    assert len(answers) == len(SAMPLE)
    alone: dict[str, str] = {}
    for line, answer in zip(SAMPLE, answers, strict=True):
        key = json.dumps(line)
        if key not in alone:
            shown = subprocess.run(
                [sys.executable, "-m", "gru_shapes", "--json", *_options(line)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            alone[key] = json.dumps(json.loads(shown.stdout), ensure_ascii=False)
        assert answer == alone[key], line
