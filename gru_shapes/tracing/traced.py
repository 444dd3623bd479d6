"""A traced model as plain data: every recurrent call, what the model did with its results, and
the error it stopped at (no torch here; :mod:`gru_shapes.tracing.tracer` records it).

Each call carries the :class:`~gru_shapes.spec.Spec` of its configuration and real shapes; its
report is the standalone tool's report for that spec, built by the same pipeline
(:func:`gru_shapes.run.pipeline.report_for`) when first asked for, once per distinct spec.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gru_shapes.i18n import _, language
from gru_shapes.model.spec import Spec
from gru_shapes.report import Report
from gru_shapes.run.pipeline import report_for

# Version of the trace document (trace.schema.json); each call's report follows report.schema.json.
# 2: uses carry a rule id, where their pitfall started and how many uses they fold; the error says
# what each operand holds, the failing line and a verified fix; the trace carries its verdict.
TRACE_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Use:
    """One operation the model applied to a tensor a recurrent call returned (or derived from it).

    ``rule`` is the pitfall's id (:data:`gru_shapes.model.readings.RULES`); ``origin`` the
    expression of the use the pitfall started at, when it reached this one from there (None: it
    starts here); ``repeats`` how many uses alike (a loop over the steps) this row stands for.
    """

    expression: str
    shape: tuple[int, ...]
    holds: str
    pitfall: str | None
    rule: str | None = None
    origin: str | None = None
    repeats: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "shape": list(self.shape),
            "holds": self.holds,
            "pitfall": self.pitfall,
            "rule": self.rule,
            "origin": self.origin,
            "repeats": self.repeats,
        }

    def __repr__(self) -> str:
        flagged = f" — {self.pitfall} [{self.rule}]" if self.pitfall else ""
        return f"{self.expression} {list(self.shape)}: {self.holds}{flagged}"


class Pitfalls(tuple[Use, ...]):
    """The uses flagged as pitfalls: empty when there is none, so that ``assert not trace.pitfalls``
    reads as it should and, when it fails, prints one row per pitfall."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self:
            return "Pitfalls()"
        rows = "\n".join(f"  {use!r}" for use in self)
        return f"Pitfalls(\n{rows}\n)"

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule ids flagged, each once, in order."""
        return tuple(dict.fromkeys(use.rule for use in self if use.rule))


@dataclass(frozen=True)
class Fed:
    """What the model passed: a tensor or a PackedSequence (with its lengths), and hx."""

    kind: str  # "tensor" or "packed"
    shape: tuple[int, ...]  # the tensor's, or the PackedSequence's data
    dtype: str
    lengths: tuple[int, ...] | None
    hx: str  # "none", "tensor" or "tuple"
    hx_shapes: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "lengths": list(self.lengths) if self.lengths is not None else None,
            "hx": self.hx,
            "hx_shapes": [list(s) for s in self.hx_shapes],
        }


@functools.lru_cache(maxsize=256)
def _explained(spec: Spec) -> Report:
    # A decoder stepping in a loop makes the same call many times: it is explained once.
    return report_for(spec)


@dataclass(frozen=True, repr=False)
class TracedCall:
    """One call of one recurrent module inside the model.

    ``index`` counts the calls of this module (0 for its first); ``returned`` maps ``output``,
    ``h_n``, ``c_n`` (``h_1``, ``c_1`` for a cell) to the shapes torch returned; empty when the
    call raised.
    """

    name: str
    module: str
    index: int
    config: dict[str, Any]
    fed: Fed
    spec: Spec
    returned: dict[str, tuple[int, ...]]
    uses: tuple[Use, ...]
    uses_left_out: int = 0  # uses past the most recorded per call, not listed

    def __repr__(self) -> str:
        shapes = ", ".join(f"{key} {list(shape)}" for key, shape in self.returned.items())
        return f"<TracedCall {self.name}#{self.index} nn.{self.module}: {shapes or 'raised'}>"

    @property
    def failed(self) -> bool:
        return not self.returned

    @cached_property
    def report(self) -> Report:
        """The standalone explanation of this configuration at these real shapes."""
        return _explained(self.spec)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "config": self.config,
            "call": self.index,
            "input": self.fed.to_dict(),
            "hx_given": self.fed.hx != "none",
            "returned": {key: list(shape) for key, shape in self.returned.items()},
            "report": self.report.to_dict(),
            "uses": [use.to_dict() for use in self.uses],
            "uses_left_out": self.uses_left_out,
        }


@dataclass(frozen=True)
class Operand:
    """One tensor the failing operation took: how it was derived, its shape, what it holds (None:
    not derived from a recurrent result) and, dim by dim, what each dim indexes."""

    expression: str
    shape: tuple[int, ...]
    call: int | None
    holds: str | None
    dims: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "shape": list(self.shape),
            "call": self.call,
            "holds": self.holds,
            "dims": list(self.dims),
        }


@dataclass(frozen=True)
class Repair:
    """The smallest change that makes the failing operation run, keeping the data: ``code`` replaces
    ``replaces`` (a traced tensor, or a module), ``expression`` is the failing operation with it;
    ``verified`` when it was re-run on the forward's own tensors and succeeded."""

    code: str
    replaces: str
    expression: str
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "replaces": self.replaces,
            "expression": self.expression,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class TraceError:
    """The exception the model's forward raised, verbatim, and the traced tensor it consumed."""

    type: str
    message: str
    call: int | None  # position in Trace.calls of the call whose result was consumed
    expression: str | None  # that result, as the model derived it
    shape: tuple[int, ...] | None
    consumer: str | None  # the operation or module that failed, e.g. "fc: Linear(in_features=32, ...)"
    why: str | None  # how the consumed shape came about, in words
    line: str | None = None  # the model's own line that raised: "model.py:42 in forward"
    operands: tuple[Operand, ...] = ()
    fix: Repair | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "message": self.message,
            "call": self.call,
            "expression": self.expression,
            "shape": list(self.shape) if self.shape is not None else None,
            "consumer": self.consumer,
            "why": self.why,
            "line": self.line,
            "operands": [operand.to_dict() for operand in self.operands],
            "fix": self.fix.to_dict() if self.fix is not None else None,
        }


@dataclass(frozen=True, repr=False)
class Trace:
    """Every recurrent call of one forward pass of a model, in call order, and the error if any.

    Plain data: :func:`gru_shapes.trace` returns it with display hooks attached
    (:class:`gru_shapes.show.display.ShownTrace`); ``trace.to_dict()`` is ``gru-shapes trace --json``.
    """

    model: str
    calls: tuple[TracedCall, ...]
    error: TraceError | None
    lang: str
    mode: str  # "eval, inference_mode" or what was asked instead
    warnings: tuple[str, ...] = ()  # torch's warnings during the forward, first line of each

    def __repr__(self) -> str:
        state = f"error {self.error.type}" if self.error else "ran"
        return f"<Trace {self.model}: {len(self.calls)} recurrent call(s), {state}>"

    @property
    def pitfalls(self) -> Pitfalls:
        """Every use flagged as a pitfall, in call order, each once (a use of two calls' results is
        listed under both): ``assert not trace.pitfalls`` prints them when it fails."""
        found = dict.fromkeys(use for call in self.calls for use in call.uses if use.pitfall)
        return Pitfalls(found)

    @property
    def passed(self) -> bool:
        """The forward ran and no use of a result was flagged."""
        return self.error is None and not self.pitfalls

    @property
    def status(self) -> str:
        """``failed`` (the forward raised), ``pitfalls`` or ``clean``."""
        if self.error is not None:
            return "failed"
        return "pitfalls" if self.pitfalls else "clean"

    def problems(self) -> list[Use]:
        """The pitfalls as they started: one per origin, in call order (the uses they reached are
        the same problem)."""
        seen: dict[str, Use] = {}
        for use in self.pitfalls:
            seen.setdefault(use.origin or use.expression, use)
        return list(seen.values())

    def verdict(self) -> str:
        """The verdict in one line, in the trace's language."""
        with language(self.lang):
            return _verdict(self)

    def by_module(self) -> dict[str, list[TracedCall]]:
        """The calls grouped by module, modules in the order of their first call."""
        groups: dict[str, list[TracedCall]] = {}
        for call in self.calls:
            groups.setdefault(call.name, []).append(call)
        return groups

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``gru-shapes trace --json``, described by ``trace.schema.json``."""
        return {
            "schema_version": TRACE_SCHEMA_VERSION,
            "kind": "trace",
            "model": self.model,
            "lang": self.lang,
            "mode": self.mode,
            "verdict": {
                "status": self.status,
                "pitfalls": len(self.problems()),
                "flagged": len(self.pitfalls),
                "rules": list(self.pitfalls.rules),
                "text": self.verdict(),
            },
            "calls": [call.to_dict() for call in self.calls],
            "error": self.error.to_dict() if self.error else None,
            "warnings": list(self.warnings),
        }


def _verdict(trace: Trace) -> str:
    problems = trace.problems()
    error = trace.error
    if error is not None:
        # A module fed the wrong width is where the forward failed: said once, as the failure.
        problems = [use for use in problems if use.rule != "width-mismatch"]
    listed = "; ".join(f"{use.expression}: {use.pitfall}" for use in problems[:4])
    if error is not None:
        where = error.consumer or error.line
        failed = (
            _("verdict: the forward pass failed before any recurrent call")
            if not trace.calls
            else _("verdict: the forward pass failed")
        )
        failed += _(" in {where}").format(where=where) if where else ""
        failed += f": {error.type}"
        if error.fix is not None:
            failed += _("; {code} in place of {replaces} makes it run").format(
                code=error.fix.code, replaces=error.fix.replaces
            )
            if error.fix.verified:
                failed += _(" (tried on the forward's own tensors)")
        if problems:
            failed += _("; and {count} pitfall(s): {listed}").format(count=len(problems), listed=listed)
        return failed
    if not trace.calls:
        return _("verdict: no recurrent module was called")
    if not problems:
        return _("verdict: no pitfall in what the model took from its recurrent layers")
    reached = len(trace.pitfalls) - len(problems)
    text = _("verdict: {count} pitfall(s): {listed}").format(count=len(problems), listed=listed)
    if reached:
        text += _(" (reaching {count} more use(s) computed from them)").format(count=reached)
    return text
