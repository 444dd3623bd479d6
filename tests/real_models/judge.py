"""Judging what ``gru-shapes trace`` said of a real-model case against what the case expects
(:mod:`tests.real_models`): shared by the tests (``tests/test_real_models.py``) and the report
``scripts/trace_cases.py``. A case runs through the public API; hostile files and the ``--json`` of a
model that fails before any recurrent call run through the command line, and are judged on what it
printed and its exit status.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import gru_shapes
from tests.real_models import ALWAYS_FALSE, FAILED_WORDS, Expect, Holds

# A command-line run that takes longer than this is stopped and judged hung.
CLI_LIMIT_S = 20.0
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
    """The trace's verdict line (from its view's closing note, for a version without ``verdict()``)."""
    try:
        if hasattr(trace, "verdict"):
            return str(trace.verdict())
        from gru_shapes.show.trace_view import trace_sections

        notes = [getattr(s, "text", "") for s in trace_sections(trace)]
        lines = [n for n in notes if isinstance(n, str) and n.lower().startswith("verdict")]
        return lines[-1] if lines else "(no verdict line)"
    except Exception as error:  # the trace is the tool's; report, do not stop
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
            if expect.rule is not None and expect.rule not in said.rules:
                reasons.append(f"rule {expect.rule!r} not reported (rules: {sorted(set(said.rules))})")
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
    lines = [
        line
        for line in (cli.get("stdout", "") + cli.get("stderr", "")).splitlines()
        if line.strip() and not any(line.startswith(own) for own in expect.prints)
    ]
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
