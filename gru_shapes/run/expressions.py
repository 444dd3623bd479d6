"""Python text run on a run's own tensors: the names it may use, its compiled code, and how closely
two kernels' numbers must agree to count as equal.

The idioms, the hand-off recipes and the chunk loops are all shown as code and run as that code.
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from gru_shapes.model.spec import Spec

# Two kernels computing the same numbers agree to about this much, by dtype.
TOLERANCE = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-2, "bfloat16": 2e-2}


def namespace(spec: Spec, returned: dict[str, torch.Tensor]) -> dict[str, Any]:
    """The names an expression may use: the run's tensors, torch, and the lengths as a tensor."""
    names: dict[str, Any] = {"torch": torch, "nn": torch.nn, "__builtins__": {"len": len}}
    names.update({key: returned[key] for key in ("output", "h_n", "c_n") if key in returned})
    if spec.lengths is not None:  # B: the batch, as one writes it beside the lengths
        names["lengths"], names["B"] = torch.tensor(spec.lengths), len(spec.lengths)
    return names


@functools.lru_cache(maxsize=512)
def compiled(text: str, mode: str) -> Any:
    """The expression's code object: the same text compiles once however many runs show it."""
    return compile(text, "<gru-shapes>", mode)
