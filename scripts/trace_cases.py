"""Run every real-model case of ``tests/real_models`` through ``gru-shapes trace`` and judge what it said.

For each case and each twin (``buggy``, ``fixed``) this prints what the trace said (the verdict line,
the pitfalls, the error's fields, what each use of each call holds) and whether that is right or
misleading against the case's expectation (``tests/real_models/__init__.py``), with the reasons; then a
tally per class. Cases run in-process through the public API, ``gru_shapes.trace``; hostile model files
and the ``--json`` output of models that fail before any recurrent call run through the command line in
a subprocess, with a time limit.

    python scripts/trace_cases.py                 # every case
    python scripts/trace_cases.py ff_ pl_video    # the cases whose id starts with one of these
    python scripts/trace_cases.py --quiet         # reasons and tally only

Exit status: 0 whatever the judgement (this measures, it does not gate); 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

import gru_shapes  # noqa: E402
from tests.real_models import CASES, CLASSES, Case, Expect  # noqa: E402
from tests.real_models.judge import CLI_LIMIT_S, Said, judge, judge_json_before, run_api  # noqa: E402

TIMEOUT_ARG_S = 5  # passed as --timeout when the command line offers it


def _cli(target: str, *options: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "COLUMNS": "100"}
    env.pop("LC_ALL", None)
    start = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gru_shapes", "trace", target, *options],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=CLI_LIMIT_S,
        )
    except subprocess.TimeoutExpired as expired:
        out = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
        err = (expired.stderr or b"").decode() if isinstance(expired.stderr, bytes) else expired.stderr or ""
        return {"status": None, "hung": True, "seconds": CLI_LIMIT_S, "stdout": out, "stderr": err}
    return {
        "status": done.returncode,
        "hung": False,
        "seconds": round(time.monotonic() - start, 1),
        "stdout": done.stdout,
        "stderr": done.stderr,
    }


_TIMEOUT_OPTION: bool | None = None


def _offers_timeout() -> bool:
    global _TIMEOUT_OPTION
    if _TIMEOUT_OPTION is None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "gru_shapes", "trace", "--help"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        _TIMEOUT_OPTION = "--timeout" in done.stdout
    return _TIMEOUT_OPTION


def run_cli(case: Case, twin: str, *options: str) -> Said:
    extra = list(options)
    if case.cls == "hostile" and _offers_timeout():
        extra += ["--timeout", str(TIMEOUT_ARG_S)]
    said = Said(cli=_cli(f"tests/real_models/{case.id}.py:{twin}", *extra))
    return said


# -- reporting --------------------------------------------------------------------------------------


def _describe(said: Said, quiet: bool) -> list[str]:
    if said.crashed:
        return [f"    trace raised: {said.crashed}"]
    if said.cli is not None:
        cli = said.cli
        lines = [line for line in (cli["stdout"] + cli["stderr"]).splitlines() if line.strip()]
        head = [
            f"    command line: exit {cli['status']}{' (hung, stopped)' if cli['hung'] else ''}, "
            f"{len(lines)} line(s), {cli['seconds']} s"
        ]
        shown = lines if len(lines) <= 3 else [*lines[:2], f"... ({len(lines) - 3} more lines)", lines[-1]]
        return head + [f"      | {line[:150]}" for line in shown]
    out = [f"    {said.verdict}"]
    if said.pitfalls:
        out += [f"    pitfall: {expr or '(call)'}: {text}" for expr, text in said.pitfalls]
    if said.rules:
        out.append(f"    rule ids: {', '.join(sorted(set(said.rules)))}")
    if said.error:
        e = said.error
        out.append(f"    error: {e.get('type')}: {str(e.get('message'))[:160]}")
        out.append(
            f"      expression={e.get('expression')!r} consumer={e.get('consumer')!r} call={e.get('call')!r}"
        )
        out.append(f"      why={e.get('why')!r}")
        if e.get("line"):
            out.append(f"      line={e.get('line')!r}")
        if e.get("fix"):
            fix = e["fix"]
            out.append(
                f"      fix={fix.get('code')!r} in place of {fix.get('replaces')!r} verified={fix.get('verified')}"
            )
    if not quiet:
        for c in said.calls:
            shapes = ", ".join(f"{k} {v}" for k, v in c.get("returned", {}).items())
            out.append(f"    call {c.get('name')} #{c.get('call')}: {shapes}")
            for use in c.get("uses", []):
                flag = f"PITFALL [{use.get('rule')}] " if use.get("pitfall") else ""
                times = f" (x{use.get('repeats')})" if use.get("repeats", 1) > 1 else ""
                out.append(
                    f"      {flag}{use.get('expression')}{times} {use.get('shape')}: {use.get('holds')}"
                )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run the cases whose id starts with one of these")
    parser.add_argument("--quiet", action="store_true", help="leave out the uses of each call")
    options = parser.parse_args(argv)
    cases = [c for c in CASES if not options.only or any(c.id.startswith(p) for p in options.only)]
    if not cases:
        parser.error(f"no case id starts with {options.only}")
    torch.set_num_threads(1)
    tally: dict[str, dict[str, list[int]]] = {cls: {"buggy": [0, 0], "fixed": [0, 0]} for cls in CLASSES}
    print(
        f"gru_shapes {getattr(gru_shapes, '__version__', '?')} ({Path(gru_shapes.__file__).parent.relative_to(ROOT)}); torch {torch.__version__}"
    )
    for case in cases:
        module = importlib.import_module(f"tests.real_models.{case.id}")
        print(f"\n== {case.id} [{case.cls}] {case.title}\n   {case.source}")
        for twin in ("buggy", "fixed"):
            expect: Expect = getattr(case, twin)
            cli_said: Said | None = None
            if expect.verdict == "hostile":
                said = run_cli(case, twin)
                reasons = judge(expect, said)
            else:
                said = run_api(module, twin)
                reasons = judge(expect, said)
                if expect.verdict == "before":
                    cli_said = run_cli(case, twin, "--json")
                    reasons += judge_json_before(cli_said)
            right = not reasons
            tally[case.cls][twin][0 if right else 1] += 1
            same = " (same model as buggy)" if case.same_model and twin == "fixed" else ""
            print(f"  {twin}{same}: {'right' if right else 'MISLEADING'} — expected: {expect.what}")
            for line in _describe(said, options.quiet):
                print(line)
            if cli_said is not None:
                print("    with --json:")
                for line in _describe(cli_said, options.quiet):
                    print(line)
            for reason in reasons:
                print(f"    ✗ {reason}")
    print("\n== tally (right / misleading)")
    print(f"  {'class':24s} {'buggy':>10s} {'fixed':>10s}")
    totals = {"buggy": [0, 0], "fixed": [0, 0]}
    for cls in CLASSES:
        row = tally[cls]
        if sum(row["buggy"]) + sum(row["fixed"]) == 0:
            continue
        for twin in totals:
            totals[twin][0] += row[twin][0]
            totals[twin][1] += row[twin][1]
        print(
            f"  {cls:24s} {row['buggy'][0]:>4d} / {row['buggy'][1]:<3d} {row['fixed'][0]:>4d} / {row['fixed'][1]:<3d}"
        )
    print(
        f"  {'all':24s} {totals['buggy'][0]:>4d} / {totals['buggy'][1]:<3d} "
        f"{totals['fixed'][0]:>4d} / {totals['fixed'][1]:<3d}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
