"""The thread policy: one thread for small work, torch's own count for large work, and nothing
changed where the user chose (OMP_NUM_THREADS, MKL_NUM_THREADS) or the process is the caller's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gru_shapes.model.cost import estimate
from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import make_spec
from gru_shapes.run import threads

ROOT = Path(__file__).parent.parent
TINY = make_spec(layers=2, bidirectional=True)  # the notebook's third cell
LARGE = make_spec(input_size=256, hidden_size=512, layers=2, bidirectional=True, batch_size=64, seq_len=200)


def chosen(spec: object, default: int = 8) -> int:
    assert hasattr(spec, "config")
    return threads.chosen(spec, estimate(spec, predict(spec)), default)  # type: ignore[arg-type]


def test_small_work_takes_one_thread_and_large_work_keeps_torchs_count() -> None:
    assert chosen(TINY) == 1
    assert chosen(LARGE) == 8
    assert chosen(make_spec(module="GRUCell", batch_size=4096, hidden_size=512, input_size=512)) == 8


def test_the_crossover_is_per_step_not_per_run() -> None:
    # A million tiny steps are a million small products: threads would wake a million times.
    long = make_spec(seq_len=1_000_000, dry_run=True)
    short = make_spec()
    assert threads.step_macs(long, estimate(long, predict(long))) == threads.step_macs(
        short, estimate(short, predict(short))
    )
    assert chosen(long) == 1


def test_a_cuda_run_keeps_torchs_count() -> None:
    spec = make_spec(device="cuda")
    assert chosen(spec) == 8


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, ["--layers", "2", "--bidirectional"], 1),
        ({"OMP_NUM_THREADS": "2"}, ["--layers", "2", "--bidirectional"], None),
        ({"MKL_NUM_THREADS": "2", "OMP_NUM_THREADS": ""}, ["--layers", "2", "--bidirectional"], None),
    ],
    ids=["tiny-run", "omp-set", "mkl-set"],
)
def test_the_command_line_applies_the_policy_unless_the_user_chose(
    env: dict[str, str], args: list[str], expected: int | None
) -> None:
    code = (
        "import sys, torch\n"
        "before = torch.get_num_threads()\n"
        "from gru_shapes.cli import main\n"
        f"sys.argv = ['gru-shapes', '--json', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(before, torch.get_num_threads(), file=sys.stderr)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k not in threads.USER_SETTINGS} | env
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd=ROOT
    )
    before, after = (int(n) for n in done.stderr.split()[-2:])
    assert after == (before if expected is None else expected), done.stderr


def test_the_python_api_leaves_the_callers_threads_alone() -> None:
    code = (
        "import sys, torch\n"
        "torch.set_num_threads(2)\n"
        "from gru_shapes import explain\n"
        "explain(num_layers=2, bidirectional=True)\n"
        "print(torch.get_num_threads(), file=sys.stderr)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k not in threads.USER_SETTINGS}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd=ROOT
    )
    assert done.stderr.split()[-1] == "2", done.stderr
