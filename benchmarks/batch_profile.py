"""Where a batch line's time goes: the 1,000 varied lines of benchmarks/run.py, answered in-process
under cProfile, with the cumulative time of each stage per line.

    python benchmarks/batch_profile.py [--lines 600] [--threads 1]

The profiler slows Python code more than torch's kernels: read the shares, not the totals.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats

import torch
from run import varied  # the benchmark's 1,000 varied lines (benchmarks/run.py)

from gru_shapes.batch import run_batch

# (stage, the function whose cumulative time it is)
STAGES = [
    ("options validated (make_spec)", "spec.py", "make_spec"),
    ("shapes predicted", "shapes.py", "predict"),
    ("module built, tensors drawn", "runner.py", "_build"),
    ("forward pass (torch)", "module.py", "_wrapped_call_impl"),
    ("module's own expectations", "expectations.py", "expectations"),
    ("first step recomputed", "kept.py", "verified"),
    ("idioms, hand-off, chunks", "after.py", "evaluate"),
    ("report built", "report.py", "build_report"),
    ("report as a dict", "report.py", "to_dict"),
    ("JSON encoded", "__init__.py", "dumps"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=600)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (the command line takes 1 here)"
    )
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    lines = [json.dumps(varied(i)) for i in range(1000)][: arguments.lines]
    run_batch(lines[:10], io.StringIO())  # imports and first-use costs out of the figures
    profile = cProfile.Profile()
    profile.enable()
    run_batch(lines, io.StringIO())
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(tt for (_f, _l, name), (_cc, _nc, tt, _ct, _callers) in stats.items())
    print(f"{len(lines)} lines, {total / len(lines) * 1e3:.2f} ms a line under the profiler\n")
    print(f"{'stage':<34} {'ms a line':>9} {'share':>6}")
    for stage, file, function in STAGES:
        cumulative = sum(
            ct
            for (f, _l, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
            if f.endswith(file) and name == function
        )
        print(f"{stage:<34} {cumulative / len(lines) * 1e3:>9.3f} {cumulative / total:>6.0%}")


if __name__ == "__main__":
    main()
