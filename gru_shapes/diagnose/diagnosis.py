"""A diagnosis as plain data: what torch said about the shapes fed, why, and the fixes that ran.

Shared by the reading of the given shapes, the candidates, the fixes that try them and the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gru_shapes.model.spec import Spec

Shape = tuple[int, ...]
# Feeds the spec's module tensors of these shapes, after running the code (Python on x, h_0, c_0),
# on torch's meta device when the flag is set; returns torch's error message, or None if it ran.
Attempt = Callable[[Spec, Mapping[str, Shape], str, bool], "str | None"]

# An attempt's message that is the tool's own, not torch's: the call was not made (see trial.NOT_RUN).
NOT_RUN = "not run: "


@dataclass(frozen=True)
class Fix:
    """A change that makes torch accept the shapes, verified by running it: options to change, and
    Python to apply to ``x`` / ``h_0`` when the change is to the user's tensors.

    ``rank`` is 1 for the best fix; ``kind`` is ``layout`` (a flag of the layout), ``call`` (how the
    state is passed), ``data`` (the input reshaped or converted, its values kept), ``state`` (h_0 or
    c_0 reshaped, or part of it kept), ``module`` (the module rebuilt) or ``shape`` (a fresh state
    of the expected shape).
    """

    change: str
    options: dict[str, Any]
    verified: bool
    rank: int = 1
    kind: str = "module"
    code: str | None = None
    why: str = ""


@dataclass(frozen=True)
class Unbuilt:
    """A change that passed torch's shape checks on the meta device but was not built: its module
    and tensors would need more memory than the budget allows."""

    change: str
    options: dict[str, Any]
    total_bytes: int


@dataclass(frozen=True)
class Diagnosis:
    """What torch said about the shapes fed, and why.

    ``verdict`` is ``refused``, ``accepted``, or ``suspect`` when torch accepts but reads the input
    differently from what was meant (``--batch-size`` / ``--seq-len`` beside ``--input-shape``) or
    in a way that looks mistaken (batch-major data fed to a seq-first module).
    """

    compatible: bool
    fed: dict[str, Shape]
    expected: dict[str, Shape]
    torch_error: str | None
    explanation: str
    fixes: tuple[Fix, ...]
    verdict: str = "refused"
    notes: tuple[str, ...] = ()
    supplied: tuple[str, ...] = ()  # states the tool filled in, in the shape expected
    unbuilt: tuple[Unbuilt, ...] = ()
    allocated: bool = True  # False: the given tensors were over the budget and judged on the meta device

    def to_dict(self) -> dict[str, Any]:
        return {
            "compatible": self.compatible,
            "given": {key: list(shape) for key, shape in self.fed.items()},
            "expected": {key: list(shape) for key, shape in self.expected.items()},
            "torch_error": self.torch_error,
            "explanation": self.explanation,
            "fixes": [
                {
                    "change": f.change,
                    "options": f.options,
                    "verified": f.verified,
                    "rank": f.rank,
                    "kind": f.kind,
                    "code": f.code,
                    "why": f.why,
                }
                for f in self.fixes
            ],
            "verdict": self.verdict,
            "notes": list(self.notes),
            "supplied": list(self.supplied),
            "unbuilt": [
                {"change": u.change, "options": u.options, "total_bytes": u.total_bytes} for u in self.unbuilt
            ],
            "allocated": self.allocated,
        }
