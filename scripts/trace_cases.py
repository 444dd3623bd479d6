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
import contextlib
import importlib
import io
import json
import math
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

import gru_shapes  # noqa: E402
from tests.real_models import ALWAYS_FALSE, CASES, CLASSES, FAILED_WORDS, Case, Expect, Holds  # noqa: E402

CLI_LIMIT_S = 20.0  # a hostile run that takes longer is stopped: "hung"
TIMEOUT_ARG_S = 5  # passed as --timeout when the command line offers it
RESHAPES = re.compile(
    r"^(?P<root>output|h_n|c_n)(\.(view|reshape|transpose|permute|contiguous|flatten|squeeze|unsqueeze)\([^()]*\))+$"
)


@dataclass
class Said:
    """What the trace said, flattened from its JSON contract and its verdict line."""

    verdict: str = ""
    error: dict[str, Any] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    pitfalls: list[tuple[str, str]] = field(default_factory=list)  # (expression or "", text)
    rules: list[str] = field(default_factory=list)
    crashed: str | None = None  # the trace itself raised
    cli: dict[str, Any] | None = None  # a command-line run: status, output lines, seconds, hung


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key in ("text", "message", "pitfall", "why", "sentence"):
            if isinstance(value.get(key), str):
                yield value[key]
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _collect(node: Any, said: Said, expression: str = "") -> None:
    """Every pitfall and rule id anywhere in the JSON document, whatever level it sits at."""
    if isinstance(node, dict):
        here = node.get("expression") if isinstance(node.get("expression"), str) else expression
        for key, value in node.items():
            if key in ("pitfall", "pitfalls") and value:
                for text in _strings(value):
                    said.pitfalls.append((here if key == "pitfall" else "", text))
                if isinstance(value, (dict, list)):
                    _collect(value, said, here)
            elif key == "rule" and isinstance(value, str):
                said.rules.append(value)
            elif key not in ("error", "report"):  # a call's standalone report lists idioms, not findings
                _collect(value, said, here)
    elif isinstance(node, list):
        for item in node:
            _collect(item, said, expression)


def _verdict_line(trace: Any) -> str:
    try:
        from gru_shapes.show.trace_view import trace_sections

        notes = [getattr(s, "text", "") for s in trace_sections(trace)]
        lines = [n for n in notes if isinstance(n, str) and n.lower().startswith("verdict")]
        return lines[-1] if lines else "(no verdict line)"
    except Exception as error:  # the view is the tool's; report, do not stop
        return f"(verdict line unavailable: {type(error).__name__}: {error})"


def run_api(module: Any, twin: str) -> Said:
    built = getattr(module, twin)()
    model, args = built[0], tuple(built[1])
    kwargs = dict(built[2]) if len(built) == 3 else {}
    said = Said()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            trace = gru_shapes.trace(model, *args, lang="en", **kwargs)
    except BaseException as error:  # the tool must not raise; say that it did
        if isinstance(error, KeyboardInterrupt):
            raise
        said.crashed = f"{type(error).__name__}: {error}"
        return said
    document = trace.to_dict()
    said.verdict = _verdict_line(trace)
    said.error = document.get("error")
    said.calls = document.get("calls", [])
    _collect({k: v for k, v in document.items() if k != "error"}, said)
    return said


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


# -- judging ----------------------------------------------------------------------------------------


def _has_words(text: str, groups: tuple[tuple[str, ...], ...]) -> list[str]:
    """The groups of which ``text`` contains no word."""
    low = text.lower()
    return [" / ".join(group) for group in groups if not any(word.lower() in low for word in group)]


def _uses(said: Said, call: str | None = None) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    for c in said.calls:
        if call is None or c.get("name") == call:
            for use in c.get("uses", []):
                yield c, use


def _explanation(said: Said) -> str:
    parts = [text for _expr, text in said.pitfalls]
    if said.error:
        parts += [str(said.error.get(k) or "") for k in ("message", "expression", "consumer", "why")]
    return " | ".join(parts)


def _check_holds(said: Said, holds: Holds) -> str | None:
    found = [use for _c, use in _uses(said, holds.call) if holds.expression in use.get("expression", "")]
    where = f" under {holds.call}" if holds.call else ""
    if not found:
        return f"no use{where} with {holds.expression!r} in its expression: not followed"
    chosen = found if holds.every else [min(found, key=lambda u: len(u.get("expression", "")))]
    wrong = []
    for use in chosen:
        text = f"{use.get('expression', '')} {use.get('holds', '')}"
        missing = _has_words(text, holds.all_of)
        bad = [word for word in holds.none_of if word.lower() in text.lower()]
        problems = []
        if missing:
            problems.append(f"says none of [{'; '.join(missing)}]")
        if bad:
            problems.append(f"says {bad}")
        if problems:
            wrong.append(f"{use.get('expression')!r} holds {use.get('holds')!r}: " + ", ".join(problems))
    return "; ".join(wrong) or None


SEQUENCES = re.compile(r"sequences \[([0-9, ]+)\] of (\d+)")


def _check_attribution(said: Said) -> list[str]:
    """Every pure reshaping of a result listed under a call keeps that call's element count, and no
    description names sequences beyond the batch it counts them in."""
    wrong = []
    for c in said.calls:
        returned = c.get("returned", {})
        for use in c.get("uses", []):
            for listed, batch in SEQUENCES.findall(use.get("holds", "")):
                beyond = [int(i) for i in listed.split(",") if int(i) >= int(batch)]
                if beyond:
                    wrong.append(
                        f"{c.get('name')}: {use.get('expression')!r} holds {use.get('holds')!r}: "
                        f"sequences {beyond} of a batch of {batch} (another call's batch)"
                    )
            match = RESHAPES.match(use.get("expression", ""))
            if not match or match["root"] not in returned:
                continue
            own = math.prod(returned[match["root"]])
            if math.prod(use.get("shape", [])) != own:
                wrong.append(
                    f"{use['expression']} {use.get('shape')} listed under {c.get('name')} whose "
                    f"{match['root']} is {returned[match['root']]}: it belongs to another call"
                )
    return wrong


def judge(expect: Expect, said: Said) -> list[str]:
    """Why what the trace said is misleading for this expectation; empty when it is right."""
    if said.crashed:
        return [f"the trace itself raised {said.crashed}"]
    if expect.verdict == "hostile":
        return _judge_cli(expect, said)
    reasons: list[str] = []
    verdict = said.verdict.lower()
    error = said.error
    if expect.verdict == "clean":
        if error:
            reasons.append(f"the forward raised {error.get('type')}: {error.get('message')}")
        if said.pitfalls:
            reasons.append("false alarm: " + "; ".join(f"{e}: {t}" for e, t in said.pitfalls))
        if "no pitfall" not in verdict:
            reasons.append(f"verdict line: {said.verdict!r}")
    elif expect.verdict == "pitfall":
        if error:
            reasons.append(f"the forward raised {error.get('type')}: {error.get('message')}")
        if not said.pitfalls:
            reasons.append(f"no pitfall flagged (verdict: {said.verdict!r})")
        else:
            missing = _has_words(_explanation(said), expect.words)
            if missing:
                reasons.append(f"no pitfall says [{'; '.join(missing)}]")
            flagged = [e for e, _t in said.pitfalls]
            for expression in expect.flagged:
                if not any(expression in e for e in flagged):
                    reasons.append(f"nothing with {expression!r} in its expression is flagged")
            if "no pitfall" in verdict:
                reasons.append(f"verdict line: {said.verdict!r}")
    elif expect.verdict in ("failed", "before"):
        if not error:
            reasons.append("the forward did not raise")
        else:
            if not any(word in verdict for word in FAILED_WORDS):
                reasons.append(f"verdict line does not say the forward failed: {said.verdict!r}")
            if expect.verdict == "before" and said.calls:
                reasons.append(f"{len(said.calls)} recurrent call(s) recorded before the failure")
            if expect.verdict == "failed":
                empty = [name for name in expect.error_fields if not error.get(name)]
                if empty:
                    reasons.append("error." + ", error.".join(empty) + " empty")
                missing = _has_words(_explanation(said), expect.words)
                if missing:
                    reasons.append(f"the explanation says none of [{'; '.join(missing)}]")
    for holds in expect.holds:
        problem = _check_holds(said, holds)
        if problem:
            reasons.append(problem)
    for word in dict.fromkeys((*expect.never, *ALWAYS_FALSE)):
        for c, use in _uses(said):
            if (
                word.lower()
                in f"{use.get('expression', '')} {use.get('holds', '')} {use.get('pitfall') or ''}".lower()
            ):
                reasons.append(
                    f"{c.get('name')}: {use.get('expression')!r} says {word!r}: {use.get('holds')!r}"
                )
    if expect.attribution:
        reasons += _check_attribution(said)
    return reasons


def _judge_cli(expect: Expect, said: Said) -> list[str]:
    cli = said.cli or {}
    if cli.get("hung"):
        return [f"hung: no answer within {CLI_LIMIT_S:.0f} s (stopped)"]
    lines = [line for line in (cli.get("stdout", "") + cli.get("stderr", "")).splitlines() if line.strip()]
    reasons = []
    if cli.get("status") != expect.exit_code:
        reasons.append(f"exit status {cli.get('status')}, expected {expect.exit_code}")
    if len(lines) != 1:
        reasons.append(f"{len(lines)} lines of output, expected one")
    missing = _has_words(" ".join(lines), expect.words)
    if missing:
        reasons.append(f"the output says none of [{'; '.join(missing)}]")
    return reasons


def judge_json_before(said: Said) -> list[str]:
    """``--json`` of a model that fails before any recurrent call: a document with the error on stdout."""
    cli = said.cli or {}
    if cli.get("hung"):
        return ["--json hung"]
    reasons = []
    if cli.get("status") != 1:
        reasons.append(f"--json exit status {cli.get('status')}, expected 1")
    try:
        document = json.loads(cli.get("stdout") or "")
    except ValueError:
        shown = (cli.get("stdout") or "").strip()[:80]
        return [
            *reasons,
            f"--json printed no JSON on stdout ({shown!r}); stderr: {cli.get('stderr', '').strip()[:160]!r}",
        ]
    if not isinstance(document, dict) or not document.get("error"):
        reasons.append("--json document has no error object")
    return reasons


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
    if not quiet:
        for c in said.calls:
            shapes = ", ".join(f"{k} {v}" for k, v in c.get("returned", {}).items())
            out.append(f"    call {c.get('name')} #{c.get('call')}: {shapes}")
            for use in c.get("uses", []):
                flag = "PITFALL " if use.get("pitfall") else ""
                out.append(f"      {flag}{use.get('expression')} {use.get('shape')}: {use.get('holds')}")
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
