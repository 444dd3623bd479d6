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
from torch.utils.flop_counter import FlopCounterMode

from gru_shapes.cost import Cost, estimate, human_bytes
from gru_shapes.shapes import predict
from gru_shapes.spec import make_spec
from tests.oracle import torch_gru
from tests.strategies import valid_options

ROOT = Path(__file__).parent.parent


def cost_of(**options: Any) -> Cost:
    spec = make_spec(**options)
    return estimate(spec, predict(spec))


@given(valid_options)
def test_macs_equal_half_of_torchs_own_flop_count(options: dict[str, Any]) -> None:
    gru = torch_gru(options).eval()
    b, s, i = options["batch_size"], options["seq_len"], options["input_size"]
    x = torch.randn((b, s, i) if options["batch_first"] else (s, b, i))
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        gru(x)
    # The counter sees every matrix product the CPU kernel makes and counts 2 FLOPs per MAC.
    assert cost_of(**options).macs * 2 == counter.get_total_flops()


@given(valid_options)
def test_parameter_bytes_are_torchs(options: dict[str, Any]) -> None:
    gru = torch_gru(options)
    assert cost_of(**options).parameter_bytes == sum(p.numel() * p.element_size() for p in gru.parameters())
    assert cost_of(**options, dtype="float64").parameter_bytes == 2 * cost_of(**options).parameter_bytes


MEASURED = [
    {
        "input_size": 64,
        "hidden_size": 256,
        "layers": 1,
        "bidirectional": False,
        "batch_first": True,
        "batch_size": 32,
        "seq_len": 2000,
    },
    {
        "input_size": 64,
        "hidden_size": 256,
        "layers": 2,
        "bidirectional": True,
        "batch_first": False,
        "batch_size": 32,
        "seq_len": 1000,
    },
    {
        "input_size": 512,
        "hidden_size": 256,
        "layers": 1,
        "bidirectional": True,
        "batch_first": False,
        "batch_size": 32,
        "seq_len": 1000,
    },
    {
        "input_size": 1024,
        "hidden_size": 256,
        "layers": 4,
        "bidirectional": False,
        "batch_first": False,
        "batch_size": 32,
        "seq_len": 1000,
    },
    {
        "input_size": 16,
        "hidden_size": 64,
        "layers": 1,
        "bidirectional": True,
        "batch_first": True,
        "batch_size": 256,
        "seq_len": 1000,
    },
]


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="peak memory is read from /proc")
@pytest.mark.parametrize(
    "options",
    MEASURED,
    ids=lambda o: "L{layers}-D{bidirectional}-H{hidden_size}-B{batch_size}-S{seq_len}".format(**o),
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
