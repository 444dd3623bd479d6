"""Measure the peak memory a real GRU forward pass adds, in a fresh process.

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


def main() -> None:
    o = json.loads(sys.argv[1])
    d = 2 if o["bidirectional"] else 1
    gru = torch.nn.GRU(
        o["input_size"],
        o["hidden_size"],
        o["layers"],
        batch_first=o["batch_first"],
        bidirectional=o["bidirectional"],
    ).eval()
    b, s = o["batch_size"], o["seq_len"]
    shape = (b, s, o["input_size"]) if o["batch_first"] else (s, b, o["input_size"])
    x, h_0 = torch.randn(shape), torch.randn(d * o["layers"], b, o["hidden_size"])
    with torch.inference_mode():  # a tiny warm-up run, so one-time set-up is not counted
        gru(x[:1] if o["batch_first"] else x[:, :1], h_0[:, :1])
    before = resident_bytes()
    with torch.inference_mode():
        gru(x, h_0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(peak - before + (x.numel() + h_0.numel()) * 4)


if __name__ == "__main__":
    main()
