"""Side-by-side timings of gru-shapes against its baselines, on this machine, as ratios.

    python benchmarks/run.py [--repeat 7] [--only TEXT]

Each pair is run alternately (baseline, candidate, baseline, ...) so that both see the same machine
load; the figure is the ratio of median wall times. torchinfo is measured only when installed.
Then every pathological input below runs alternately with ``import torch``: the slowest refusal and
the slowest dry run must each take at most 0.30 × ``import torch``, and each one's peak memory is
printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PYTHON = sys.executable
INSTALLED = shutil.which("gru-shapes")
TOOL = [INSTALLED] if INSTALLED else [PYTHON, "-m", "gru_shapes"]
# The example of a question too big to run.
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
DEFAULT_RUN = [*TOOL, "--layers", "2", "--bidirectional"]

# Inputs that once took seconds, gigabytes or a traceback: odd numbers, huge sizes, long lists.
_MANY_LENGTHS = ",".join(str(n) for n in range(1, 20_001))  # about 110 kB, near one argument's limit
REFUSALS = {
    "--lengths ²": ["--lengths", "²"],
    "--input-shape 1,²,10": ["--input-shape", "1,²,10"],
    "--hidden-size 1e400 (400 zeros)": ["--hidden-size", "1" + "0" * 400],
    "--hidden-size of 5,000 digits": ["--hidden-size", "1" + "0" * 5000],
    "--max-memory 1e400 (400 zeros)": ["--max-memory", "1" + "0" * 400],
    "--lengths 30000000 --max-memory 1MiB": ["--lengths", "30000000", "--max-memory", "1MiB"],
    "--layers 100000 --max-memory 1MiB": ["--layers", "100000", "--max-memory", "1MiB"],
    "--layers 9223372036854775808": ["--layers", "9223372036854775808"],
    "HUGE (memory guard)": HUGE,
    "--lengths 1..20000 --max-memory 1KiB": ["--lengths", _MANY_LENGTHS, "--max-memory", "1KiB"],
}
DRY_RUNS = {
    "--layers 9223372036854775807": ["--layers", "9223372036854775807"],
    "--lengths 1,9223372036854775807": ["--lengths", "1,9223372036854775807"],
    "--lengths 10000000": ["--lengths", "10000000"],
    "--lengths 1..20000 --json": ["--lengths", _MANY_LENGTHS, "--json"],
    "HUGE": HUGE,
    "LSTM, every size 2**63 - 1, --json": [
        "--module", "lstm", "--input-size", "9223372036854775807", "--hidden-size", "9223372036854775807",
        "--proj-size", "9223372036854775806", "--layers", "9223372036854775807", "--bidirectional",
        "--batch-size", "9223372036854775807", "--seq-len", "9223372036854775807", "--json",
    ],
}  # fmt: skip

NOTEBOOK = """
import torch
import torch.nn as nn
gru = nn.GRU(input_size=10, hidden_size=32, num_layers=2, batch_first=True, bidirectional=True)
print(gru)
inputs = torch.zeros(1, 35, 10)
print(inputs.shape)
outputs, hidden_state = gru(inputs)
print(outputs.shape, hidden_state.shape)
"""

# Large work keeps torch's threads: the same module run bare, with torch's default thread count.
LARGE = ["--input-size", "256", "--hidden-size", "512", "--layers", "2", "--bidirectional"]
LARGE += ["--batch-size", "64", "--seq-len", "200"]
LARGE_SCRIPT = """
import torch
import torch.nn as nn
gru = nn.GRU(input_size=256, hidden_size=512, num_layers=2, batch_first=True, bidirectional=True)
with torch.inference_mode():
    outputs, hidden_state = gru(torch.randn(64, 200, 256))
print(outputs.shape, hidden_state.shape)
"""


def varied(i: int) -> dict[str, Any]:
    """Line ``i`` of 1,000 varied batch lines: hidden sizes 8-47, 1-3 layers, both directions,
    batch 1-4, seq 5-34 (tests/test_batch.py checks a sample against the one-shot answers)."""
    return {
        "layers": 1 + i % 3,
        "bidirectional": i % 2 == 1,
        "hidden_size": 8 + i % 40,
        "seq_len": 5 + i % 30,
        "batch_size": 1 + i % 4,
    }


# A default run drawn as text, without and with the diagram and step sections drawn as well.
DRAWN = """
import io
from rich.console import Console
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.render import draw, render
from gru_shapes.model.spec import make_spec
report = report_for(make_spec(layers=2, bidirectional=True, lang="en"))
console = Console(file=io.StringIO(), width=100)
console.print(render(report))
"""
PICTURES = (
    DRAWN
    + """
from gru_shapes.show.diagram_svg import document
from gru_shapes.show.diagram_view import diagram_section, step_section
for section in diagram_section(report) + step_section(report):
    console.print(draw(section))
document(diagram_section(report)[0])
"""
)


# The same model's forward, once, as a whole process: what `gru-shapes trace` of it is compared with.
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "seq2seq.py"
EXAMPLE_FORWARD = f"""
import runpy
runpy.run_path({str(EXAMPLE)!r}, run_name="__main__")
"""

TORCHINFO = """
import torch.nn as nn
from torchinfo import summary
gru = nn.GRU(input_size=10, hidden_size=32, num_layers=2, batch_first=True, bidirectional=True)
print(summary(gru, input_size=(1, 35, 10)))
"""


@dataclass(frozen=True)
class Pair:
    target: str
    baseline_name: str
    baseline: Sequence[str]
    candidate_name: str
    candidate: Sequence[str]
    limit: float
    stdin: Path | None = None  # the candidate's
    baseline_stdin: Path | None = None
    # How many copies of each side start at once: a busy machine, several runs side by side.
    baseline_copies: int = 1
    candidate_copies: int = 1


def wall(command: Sequence[str], stdin: Path | None, copies: int = 1) -> float:
    """Seconds from starting ``copies`` processes of ``command`` at once to the last one's end."""
    sources = [open(stdin or os.devnull, "rb") for _copy in range(copies)]  # noqa: SIM115
    start = time.perf_counter()
    processes = [
        subprocess.Popen(command, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for source in sources
    ]
    statuses = [process.wait() for process in processes]
    elapsed = time.perf_counter() - start
    for source in sources:
        source.close()
    if any(status not in (0, 1) for status in statuses):
        raise SystemExit(f"benchmark command failed ({statuses}): {' '.join(command)}")
    return elapsed


def measured(command: Sequence[str]) -> tuple[float, int, int]:
    """Wall seconds, peak resident bytes and exit status of one run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss * 1024, process.returncode


def pathological(repeat: int) -> int:
    """Time every pathological input against ``import torch``; return how many targets failed."""
    cases = [("refusal", name, args) for name, args in REFUSALS.items()]
    cases += [("dry run", name, ["--dry-run", *args]) for name, args in DRY_RUNS.items()]
    torch_times: list[float] = []
    times: dict[str, list[float]] = {name: [] for _kind, name, _args in cases}
    peaks: dict[str, int] = dict.fromkeys(times, 0)
    statuses: dict[str, int] = {}
    for _turn in range(repeat):
        torch_times.append(measured([PYTHON, "-c", "import torch"])[0])
        for _kind, name, args in cases:
            elapsed, peak, status = measured([*TOOL, *args])
            times[name].append(elapsed)
            peaks[name] = max(peaks[name], peak)
            statuses[name] = status
    base = statistics.median(torch_times)
    print(f"\n{'pathological input':<48} {'median s':>8} {'peak MiB':>9} {'exit':>5}")
    for kind, name, _args in cases:
        line = f"{kind}: {name}"
        print(
            f"{line:<48} {statistics.median(times[name]):>8.3f} {peaks[name] / 2**20:>9.1f} {statuses[name]:>5}"
        )
    failed = 0
    print(f"\n{'target':<42} {'import torch s':>14} {'slowest s':>9} {'ratio':>7}  holds")
    for kind in ("refusal", "dry run"):
        name = max((n for k, n, _a in cases if k == kind), key=lambda n: statistics.median(times[n]))
        slowest = statistics.median(times[name])
        expected = {2, 1} if kind == "refusal" else {0}
        holds = slowest <= 0.30 * base and statuses[name] in expected
        failed += not holds
        target = f"slowest {kind} <= 0.30 x import torch"
        print(
            f"{target:<42} {base:>14.3f} {slowest:>9.3f} {slowest / base:>7.2f}  {'yes' if holds else 'NO'}"
        )
        print(f"  ({name}, peak {peaks[name] / 2**20:.1f} MiB)")
    wrong = [name for kind, name, _a in cases if statuses[name] not in ({1, 2} if kind == "refusal" else {0})]
    if wrong:
        print(f"unexpected exit status: {', '.join(wrong)}")
    return failed + len(wrong)


def measure(pair: Pair, repeat: int) -> tuple[float, float]:
    def baseline() -> float:
        return wall(pair.baseline, pair.baseline_stdin, pair.baseline_copies)

    def candidate() -> float:
        return wall(pair.candidate, pair.stdin, pair.candidate_copies)

    baseline()  # warm the file cache for both before timing
    candidate()
    base: list[float] = []
    cand: list[float] = []
    for turn in range(repeat):
        # Alternate which goes first, so neither always runs on the other's warmed caches.
        if turn % 2:
            cand.append(candidate())
            base.append(baseline())
        else:
            base.append(baseline())
            cand.append(candidate())
    return statistics.median(base), statistics.median(cand)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command (default 7)")
    parser.add_argument("--only-pathological", action="store_true", help="time only the pathological inputs")
    parser.add_argument(
        "--only", metavar="TEXT", help="time only the pairs whose target holds TEXT (e.g. onnx)"
    )
    arguments = parser.parse_args()
    repeat = arguments.repeat
    if arguments.only_pathological:
        sys.exit(1 if pathological(repeat) else 0)

    lines = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    lines.write_text("".join(json.dumps(varied(i)) + "\n" for i in range(1000)))
    fewer = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    fewer.write_text("".join(json.dumps(varied(i)) + "\n" for i in range(300)))
    import_torch = [PYTHON, "-c", "import torch"]
    single = [*TOOL, "--layers", "2", "--bidirectional", "--json"]
    batch = [*TOOL, "batch"]
    pairs = [
        Pair(
            "--help <= 0.25 x import torch",
            "import torch",
            import_torch,
            "gru-shapes --help",
            [*TOOL, "--help"],
            0.25,
        ),
        Pair(
            "huge --dry-run <= 0.30 x import torch",
            "import torch",
            import_torch,
            "gru-shapes --dry-run HUGE",
            [*TOOL, "--dry-run", *HUGE],
            0.30,
        ),
        Pair(
            "guard refusal <= 0.30 x import torch",
            "import torch",
            import_torch,
            "gru-shapes HUGE (refused)",
            [*TOOL, *HUGE],
            0.30,
        ),
        Pair(
            "default run <= 1.05 x notebook script",
            "notebook script",
            [PYTHON, "-c", NOTEBOOK],
            "gru-shapes --layers 2 --bidirectional",
            DEFAULT_RUN,
            1.05,
        ),
        Pair(
            "1,000 varied batch lines <= 2 x one run",
            "one run (--json)",
            single,
            "gru-shapes batch < 1,000 varied lines",
            batch,
            2.0,
            stdin=lines,
        ),
        Pair(
            "two 300-line batches at once <= 1.35 x one",
            "one batch alone",
            batch,
            "two batches at once",
            batch,
            1.35,
            stdin=fewer,
            baseline_stdin=fewer,
            candidate_copies=2,
        ),
        Pair(
            "4 default runs at once <= 1.10 x 4 notebooks",
            "4 notebook scripts at once",
            [PYTHON, "-c", NOTEBOOK],
            "4 default runs at once",
            DEFAULT_RUN,
            1.10,
            baseline_copies=4,
            candidate_copies=4,
        ),
        Pair(
            "large run <= 1.15 x bare script",
            "bare script, torch's threads",
            [PYTHON, "-c", LARGE_SCRIPT],
            "gru-shapes " + " ".join(LARGE),
            [*TOOL, *LARGE],
            1.15,
        ),
        Pair(
            "--show onnx <= 3 x the same run",
            "default run",
            DEFAULT_RUN,
            "+ --show onnx",
            [*DEFAULT_RUN, "--show", "onnx"],
            3.0,
        ),
        Pair(
            "diagram and step drawn <= 1.05 x default run",
            "default run, drawn",
            [PYTHON, "-c", DRAWN],
            "+ diagram, step, SVG",
            [PYTHON, "-c", PICTURES],
            1.05,
        ),
    ]
    pairs.append(
        Pair(
            "trace of an example <= 1.15 x its forward",
            "python examples/seq2seq.py",
            [PYTHON, "-c", EXAMPLE_FORWARD],
            "gru-shapes trace examples/seq2seq.py:build",
            [*TOOL, "trace", f"{EXAMPLE}:build"],
            1.15,
        )
    )
    if importlib.util.find_spec("torchinfo"):
        pairs.append(
            Pair(
                "default run < torchinfo summary",
                "torchinfo summary",
                [PYTHON, "-c", TORCHINFO],
                "gru-shapes --layers 2 --bidirectional",
                DEFAULT_RUN,
                1.0,
            )
        )
    else:
        print("torchinfo is not installed: its comparison is skipped (pip install torchinfo)\n")

    if arguments.only:
        pairs = [pair for pair in pairs if arguments.only in pair.target]
    print(f"{'target':<42} {'baseline s':>10} {'ours s':>8} {'ratio':>7}  holds")
    failed = 0
    for pair in pairs:
        base, cand = measure(pair, repeat)
        ratio = cand / base
        holds = ratio <= pair.limit if pair.limit != 1.0 else ratio < 1.0
        failed += not holds
        print(f"{pair.target:<42} {base:>10.3f} {cand:>8.3f} {ratio:>7.2f}  {'yes' if holds else 'NO'}")
    lines.unlink()
    fewer.unlink()
    if not arguments.only:
        failed += pathological(repeat)
        failed += not tracing_overhead(repeat)
    print(f"\nmedians of {repeat} alternating runs; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    sys.exit(1 if failed else 0)


def tracing_overhead(repeat: int) -> bool:
    """In-process: ``gru_shapes.trace(model, x)`` against ``model(x)`` on a model whose forward takes
    about a second (a two-layer bidirectional LSTM over a long batch, its outputs read as models do).
    The explanations of the calls are built when first asked for, and timed apart."""
    import torch
    from torch import nn

    from gru_shapes import trace

    class Reader(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(256, 512, num_layers=2, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(1024, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            output, (h_n, _c_n) = self.lstm(x)
            return self.fc(torch.cat((h_n[-2], h_n[-1]), dim=1)) + self.fc(output[:, -1])

    torch.manual_seed(0)
    model = Reader().eval()
    x = torch.randn(4, 400, 256)

    def forward() -> None:
        with torch.inference_mode():
            model(x)

    def traced() -> None:
        trace(model, x, lang="en")

    def timed(run: Any) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        run()
        return time.perf_counter() - start, time.process_time() - cpu

    forward()  # warm oneDNN's kernels for both
    base: list[tuple[float, float]] = []
    cand: list[tuple[float, float]] = []
    for turn in range(repeat):
        # Alternate which goes first, as for the pairs of commands.
        if turn % 2:
            cand.append(timed(traced))
            base.append(timed(forward))
        else:
            base.append(timed(forward))
            cand.append(timed(traced))
    b, c = statistics.median(t[0] for t in base), statistics.median(t[0] for t in cand)
    holds = c / b <= 1.10
    print(
        f"{'tracing overhead <= 10% (in-process)':<42} {b:>10.3f} {c:>8.3f} {c / b:>7.2f}  {'yes' if holds else 'NO'}"
    )
    # CPU time of this process: on a machine shared with other work, steadier than wall time.
    b_cpu, c_cpu = statistics.median(t[1] for t in base), statistics.median(t[1] for t in cand)
    print(f"{'  the same, in CPU time':<42} {b_cpu:>10.3f} {c_cpu:>8.3f} {c_cpu / b_cpu:>7.2f}")
    start = time.perf_counter()
    trace(model, x, lang="en").to_dict()
    print(f"{'  + explaining its call (report, once)':<42} {'':>10} {time.perf_counter() - start:>8.3f}")
    return holds


if __name__ == "__main__":
    main()
