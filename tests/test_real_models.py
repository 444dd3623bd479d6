"""The trace's judgement on real models and questions (``tests/real_models``): each case's buggy twin
gets its rule (or its failure explained, or its one line for a hostile file), and its fixed twin no
pitfall at all. ``python scripts/trace_cases.py`` prints the same judgement case by case."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import torch

from tests.conftest import Cli
from tests.real_models import CASES, Case
from tests.real_models.judge import Said, judge, judge_json_before, run_api

# A hostile model that never returns is stopped after this many seconds.
TIMEOUT_S = "1"


def _cli(cli: Cli, case: Case, twin: str, *options: str) -> Said:
    result = cli("trace", f"tests/real_models/{case.id}.py:{twin}", *options, env={"COLUMNS": "100"})
    return Said(
        cli={
            "status": result.exit_code,
            "hung": False,
            "seconds": 0.0,
            "stdout": result.stdout,
            "stderr": result.stderr,
        }
    )


def _said(cli: Cli, case: Case, twin: str) -> tuple[Said, list[str]]:
    expect = getattr(case, twin)
    if expect.verdict == "hostile":
        said = _cli(cli, case, twin, "--timeout", TIMEOUT_S)
        return said, judge(expect, said)
    said = run_api(importlib.import_module(f"tests.real_models.{case.id}"), twin)
    reasons = judge(expect, said)
    if expect.verdict == "before":
        reasons += judge_json_before(_cli(cli, case, twin, "--json"))
    return said, reasons


def _shown(said: Said) -> str:
    if said.cli is not None:
        return said.cli["stdout"] + said.cli["stderr"]
    lines = [said.verdict]
    for call in said.calls:
        for use in call.get("uses", []):
            flag = f"PITFALL [{use['rule']}] " if use.get("pitfall") else ""
            lines.append(f"  {call['name']}: {flag}{use['expression']} {use['shape']}: {use['holds']}")
    return "\n".join(lines)


@pytest.mark.parametrize("twin", ["buggy", "fixed"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_trace_judges_the_real_model_as_its_source_did(cli: Cli, case: Case, twin: str) -> None:
    torch.set_num_threads(1)
    said, reasons = _said(cli, case, twin)
    assert not reasons, f"{case.id} ({case.source}), {twin}:\n" + "\n".join(reasons) + "\n" + _shown(said)


def test_every_case_has_both_twins_and_a_source() -> None:
    for case in CASES:
        module: Any = importlib.import_module(f"tests.real_models.{case.id}")
        assert callable(module.buggy) and callable(module.fixed), case.id
        assert case.source.startswith(("https://", "gru-shapes issue")), case.id
        assert case.source.split(" (")[0] in (module.__doc__ or ""), case.id
