"""A diagnosis costs about what the plain run of the same module costs, whatever the given shapes (the
plain run is at the batch and length the diagnosis explains, where these differ from the defaults).

    python benchmarks/diagnosis.py [--repeat 5]

Each slow case of the past is run alternately with the plain run of its module (so both see the
same machine load); the figures are median wall and CPU seconds, their ratio, and peak memory. The
target is a ratio of at most 2 and a peak no higher than the plain run's plus the budget.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

# Runs the command line in a child and reports its own CPU time and peak memory on stderr's last line.
_CHILD = """
import resource, runpy, sys
sys.argv = ["gru-shapes", *sys.argv[1:]]
try:
    runpy.run_module("gru_shapes", run_name="__main__")
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}", file=sys.stderr)
"""

LSTM = ["--module", "lstm"]
FOLDED = ["--batch-size", "5", "--seq-len", "1000"]
LSTM_20 = ["--module", "lstm", "--input-size", "10", "--hidden-size", "20", "--batch-first"]
LSTM_3_2 = ["--module", "lstm", "--input-size", "3", "--hidden-size", "2", "--seq-first"]
SEQ_FIRST = ["--module", "gru", "--input-size", "4", "--hidden-size", "5", "--layers", "2", "--seq-first"]
# (plain run, diagnosis): the diagnosis adds only the given shapes and what they imply.
CASES = [
    (SEQ_FIRST, [*SEQ_FIRST, "--input-shape", "10,3,4", "--h0-shape", "20000,3,5"]),
    ([], ["--h0-shape", "1,1,250000000", "--max-memory", "10MiB"]),
    ([], ["--input-shape", "1,1,2000000", "--max-memory", "10MiB"]),
    ([], ["--h0-shape", "1,1,100000"]),
    ([], ["--h0-shape", "2000,1,32"]),
    # A 4-D input is explained at the shapes of its first fold, (5, 1000, 10): the plain run is the same
    # module at those shapes. Each fix used to run the whole 1000-step sequence (about 10 times the plain
    # run); a real trial now calls the module on the first step alone.
    ([*LSTM, *FOLDED], [*LSTM, "--input-shape", "5,100,10,10"]),
    ([*LSTM_20, *FOLDED], [*LSTM_20, "--input-shape", "5,100,10,10"]),
    # Two faults at once (pytorch/pytorch#5860): every fix combines two changes.
    (LSTM_3_2, [*LSTM_3_2, "--input-shape", "6,4,5", "--h0-shape", "3,2", "--c0-shape", "3,2"]),
]


def measure(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS in KiB of one run of the command line."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args, "--json"], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    cpu, peak = done.stderr.strip().splitlines()[-1].split()
    return wall, float(cpu), int(peak)


def _median(runs: dict[str, list[tuple[float, float, int]]], key: str, index: int) -> float:
    return statistics.median(run[index] for run in runs[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="run only the cases whose diagnosis contains this text")
    arguments = parser.parse_args()
    repeat = arguments.repeat
    print(f"{'diagnosis':58} {'wall x':>7} {'cpu x':>6} {'peak MiB':>9} {'plain MiB':>9}")
    for plain, diagnosis in CASES:
        if arguments.only not in " ".join(diagnosis):
            continue
        runs: dict[str, list[tuple[float, float, int]]] = {"plain": [], "diagnosis": []}
        for _ in range(repeat):
            runs["plain"].append(measure(plain))
            runs["diagnosis"].append(measure(diagnosis))

        wall = _median(runs, "diagnosis", 0) / _median(runs, "plain", 0)
        cpu = _median(runs, "diagnosis", 1) / _median(runs, "plain", 1)
        peak, plain_peak = _median(runs, "diagnosis", 2) / 1024, _median(runs, "plain", 2) / 1024
        print(f"{' '.join(diagnosis)[:58]:58} {wall:7.2f} {cpu:6.2f} {peak:9.0f} {plain_peak:9.0f}")
    print(f"medians of {repeat} alternating runs; target: wall x <= 2")


if __name__ == "__main__":
    main()
