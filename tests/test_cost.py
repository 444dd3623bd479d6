"""The cost model against independent counts: torch's FLOP counter and measured peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.flop_counter import FlopCounterMode

from gru_shapes.model.cost import Cost, estimate, human_bytes
from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import make_spec
from tests.oracle import input_shape, torch_module
from tests.strategies import valid_options

ROOT = Path(__file__).parent.parent


def cost_of(**options: Any) -> Cost:
    spec = make_spec(**options)
    return estimate(spec, predict(spec))


# The oneDNN LSTM kernel does its matrix products out of the counter's sight (and, torch 2.13, dies of
# SIGFPE under the counter on an empty batch), so the count is taken on torch's native kernels; the
# products to count are the same. Entering the flag context warns about Intel GPUs, irrelevant here.
@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN:UserWarning")
@given(valid_options())
def test_macs_equal_half_of_torchs_own_flop_count(options: dict[str, Any]) -> None:
    module = torch_module(options).eval()
    x = torch.randn(input_shape(options))
    if "lengths" in options:
        batch_first = options["batch_first"]
        x = pack_padded_sequence(x, options["lengths"], batch_first=batch_first, enforce_sorted=False)  # type: ignore[assignment]
    native = torch.backends.mkldnn.flags(enabled=False)
    with native, FlopCounterMode(display=False) as counter, torch.inference_mode():
        module(x)
    # The counter sees every matrix product the CPU kernel makes and counts 2 FLOPs per MAC.
    assert cost_of(**options).macs * 2 == counter.get_total_flops()


@given(valid_options())
def test_parameter_bytes_are_torchs(options: dict[str, Any]) -> None:
    module = torch_module(options)
    assert cost_of(**options).parameter_bytes == sum(
        p.numel() * p.element_size() for p in module.parameters()
    )
    assert cost_of(**options, dtype="float64").parameter_bytes == 2 * cost_of(**options).parameter_bytes


# Sizes measured for every family: one long single-direction sequence, and two stacked directions.
LONG = {
    "input_size": 64,
    "hidden_size": 256,
    "layers": 1,
    "bidirectional": False,
    "batch_first": True,
    "batch_size": 32,
    "seq_len": 2000,
}
STACKED = {**LONG, "layers": 2, "bidirectional": True, "batch_first": False, "seq_len": 1000}
WIDE = {**LONG, "input_size": 2048, "hidden_size": 64, "seq_len": 1000}
MEASURED = [
    LONG,
    STACKED,
    {**STACKED, "input_size": 512, "layers": 1},
    {**STACKED, "input_size": 1024, "layers": 4, "bidirectional": False},
    {**LONG, "input_size": 16, "hidden_size": 64, "bidirectional": True, "batch_size": 256, "seq_len": 1000},
    *[{"module": module, **sizes} for module in ("LSTM", "RNN") for sizes in (LONG, STACKED)],
    # Dominated by the input: batch_first makes the kernels copy it, oneDNN's two-way LSTM more.
    *[{"module": module, **WIDE} for module in ("GRU", "LSTM", "RNN")],
    {**WIDE, "batch_first": False},
    {**WIDE, "module": "LSTM", "bidirectional": True, "batch_first": False},
    {**WIDE, "bidirectional": True},
    # With proj_size an LSTM leaves oneDNN for the native kernel.
    {**LONG, "module": "LSTM", "proj_size": 64},
    {**STACKED, "module": "LSTM", "proj_size": 64},
    {**WIDE, "module": "LSTM", "proj_size": 32},
]


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="peak memory is read from /proc")
@pytest.mark.parametrize(
    "options",
    MEASURED,
    ids=lambda o: (
        "{module}-I{input_size}-L{layers}-D{bidirectional}-F{batch_first}-H{hidden_size}-P{proj_size}".format(
            **{"module": "GRU", "proj_size": 0, **o}
        )
    ),
)
def test_activation_estimate_is_within_a_quarter_of_measured_peak(options: dict[str, Any]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tests.peak_memory", json.dumps(options)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    measured = int(run.stdout)
    estimated = cost_of(**options).activation_bytes
    assert 0.75 <= estimated / measured <= 1.25, (human_bytes(estimated), human_bytes(measured))


def test_cost_is_constant_time_at_any_size() -> None:
    huge = cost_of(
        seq_len=10**6, hidden_size=16384, layers=8, bidirectional=True, batch_size=64, dry_run=True
    )
    assert huge.macs == 10**6 * 64 * 2 * sum(3 * 16384 * (i + 16384) for i in [10] + [2 * 16384] * 7)
    assert huge.total_bytes > 2**40


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB")]
)
def test_human_bytes(count: int, text: str) -> None:
    assert human_bytes(count) == text


def test_the_peak_is_the_runs_own_not_its_parents() -> None:
    # Linux carries ru_maxrss across exec from the forking process: a long test session's size
    # once stood in for the run's peak. The measurement must not depend on who started it.
    small = {**LONG, "seq_len": 200}
    command = [sys.executable, "-m", "tests.peak_memory", json.dumps(small)]
    alone = int(subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True).stdout)
    ballast = bytearray(512 * 2**20)
    for page in range(0, len(ballast), 4096):
        ballast[page] = 1  # resident, so a forked child starts with it counted
    under = int(subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True).stdout)
    del ballast
    assert under < alone + 64 * 2**20, (human_bytes(alone), human_bytes(under))
