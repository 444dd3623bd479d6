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

from gru_shapes.model.spec import Spec
from gru_shapes.report import Report
from gru_shapes.run.pipeline import report_for

# Version of the trace document (trace.schema.json); each call's report follows report.schema.json.
TRACE_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Use:
    """One operation the model applied to a tensor a recurrent call returned (or derived from it)."""

    expression: str
    shape: tuple[int, ...]
    holds: str
    pitfall: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "shape": list(self.shape),
            "holds": self.holds,
            "pitfall": self.pitfall,
        }


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "message": self.message,
            "call": self.call,
            "expression": self.expression,
            "shape": list(self.shape) if self.shape is not None else None,
            "consumer": self.consumer,
            "why": self.why,
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
    def pitfalls(self) -> tuple[Use, ...]:
        """Every use flagged as a pitfall, in call order."""
        return tuple(use for call in self.calls for use in call.uses if use.pitfall)

    @property
    def passed(self) -> bool:
        """The forward ran and no use of a result was flagged."""
        return self.error is None and not self.pitfalls

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
            "calls": [call.to_dict() for call in self.calls],
            "error": self.error.to_dict() if self.error else None,
            "warnings": list(self.warnings),
        }
