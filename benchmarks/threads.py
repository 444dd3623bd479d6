"""Where a second thread starts to pay: one GRU step's matrix products, timed with 1 and 2 threads.

    python benchmarks/threads.py

gru_shapes.run.threads takes one thread below LARGE_STEP_MACS multiply-accumulates a step; this
prints, for growing steps, the median time of a 50-step forward with one thread and with two, and
their ratio (below 1: two threads are faster).
"""

from __future__ import annotations

import statistics
import time

import torch

from gru_shapes.run.threads import LARGE_STEP_MACS

SIZES = [(1, 32), (4, 64), (8, 128), (16, 128), (16, 256), (32, 256), (64, 256), (64, 512)]


def main() -> None:
    torch.manual_seed(0)
    print(
        f"{'batch':>5} {'hidden':>6} {'step MACs':>12} {'1 thread ms':>12} {'2 threads ms':>13} {'ratio':>6}"
    )
    for batch, hidden in SIZES:
        module = torch.nn.GRU(hidden, hidden, batch_first=True).eval()
        x = torch.randn(batch, 50, hidden)
        times = {}
        for count in (1, 2):
            torch.set_num_threads(count)
            with torch.inference_mode():
                module(x)
                runs = []
                for _ in range(9):
                    start = time.perf_counter()
                    module(x)
                    runs.append(time.perf_counter() - start)
            times[count] = statistics.median(runs)
        macs = batch * 3 * hidden * 2 * hidden
        mark = " <- one thread below" if macs < LARGE_STEP_MACS else ""
        print(
            f"{batch:>5} {hidden:>6} {macs:>12,} {times[1] * 1e3:>12.2f} {times[2] * 1e3:>13.2f}"
            f" {times[2] / times[1]:>6.2f}{mark}"
        )


if __name__ == "__main__":
    main()
