"""Measure the peak memory a real GRU, LSTM or RNN forward pass adds, in a fresh process.

Usage: python -m tests.peak_memory JSON_OPTIONS  ->  prints the bytes (input and h_0 included).
Peak RSS is what runs out on a real machine, so that is what the estimate is held to.
"""

from __future__ import annotations

import json
import resource
import sys

import torch


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def peak_resident_bytes() -> int:
    """This process image's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries that across exec from
    the process that forked us, so under a large parent (a long pytest session) it reads the
    parent's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    o = json.loads(sys.argv[1])
    d = 2 if o["bidirectional"] else 1
    extra = {"proj_size": o["proj_size"]} if o.get("proj_size") else {}
    module = getattr(torch.nn, o.get("module", "GRU"))(
        o["input_size"],
        o["hidden_size"],
        o["layers"],
        batch_first=o["batch_first"],
        bidirectional=o["bidirectional"],
        **extra,
    ).eval()
    b, s = o["batch_size"], o["seq_len"]
    shape = (b, s, o["input_size"]) if o["batch_first"] else (s, b, o["input_size"])
    x = torch.randn(shape)
    # h has proj_size features when an LSTM projects it; c keeps hidden_size.
    sizes = [o.get("proj_size") or o["hidden_size"], o["hidden_size"]]
    states = [
        torch.randn(d * o["layers"], b, size) for size in sizes[: 2 if o.get("module") == "LSTM" else 1]
    ]

    def hx(batch: slice) -> torch.Tensor | tuple[torch.Tensor, ...]:
        sliced = tuple(state[:, batch] for state in states)
        return sliced if len(sliced) == 2 else sliced[0]

    with torch.inference_mode():  # a tiny warm-up run, so one-time set-up is not counted
        module(x[:1] if o["batch_first"] else x[:, :1], hx(slice(0, 1)))
    before = resident_bytes()
    with torch.inference_mode():
        module(x, hx(slice(None)))
    peak = peak_resident_bytes()
    print(peak - before + (x.numel() + sum(state.numel() for state in states)) * 4)


if __name__ == "__main__":
    main()
