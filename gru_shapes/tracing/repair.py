"""The smallest repair of a failed operation that keeps the data, tried on the forward's own tensors.

The operand to repair was derived from a recurrent result by a chain of steps, each recorded with
a way to recompute it (:class:`~gru_shapes.tracing.tracked.Tracked`). A repair replaces the result
(or the first steps of the chain, when they only move elements: a ``view``, a ``permute``) by a
reading that keeps one state per sequence, the last layer's (``h_n[-1]``, ``torch.cat((h_n[-2],
h_n[-1]), 1)``) or all of it (``h_n.transpose(0, 1).reshape(B, -1)``), with a dim added where the
operation needs one; the rest of the chain is recomputed and the failing operation run again. The
first repair that runs is the answer. A module fed the wrong width is rebuilt for the width it got.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from gru_shapes.tracing.failure import Failure
from gru_shapes.tracing.traced import Repair
from gru_shapes.tracing.tracked import Tracked

_SUFFIXES: tuple[tuple[str, Callable[[torch.Tensor], torch.Tensor]], ...] = (
    ("", lambda t: t),
    (".unsqueeze(0)", lambda t: t.unsqueeze(0)),
    (".unsqueeze(1)", lambda t: t.unsqueeze(1)),
    (".unsqueeze(2)", lambda t: t.unsqueeze(2)),
)


def repair(failure: Failure, order: Sequence[Tracked]) -> Repair | None:
    """The first repair that makes ``failure`` run, trying the operands in ``order``."""
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        if failure.module is not None and failure.tracked is not None:
            return _module(failure, failure.tracked)
        for operand in order:
            found = _operand(failure, operand)
            if found is not None:
                return found
    return None


def _module(failure: Failure, tracked: Tracked) -> Repair | None:
    """A Linear fed another width than its in_features: the same Linear, built for that width."""
    module = failure.module
    if not isinstance(module, nn.Linear) or tracked.tensor.dim() == 0:
        return None
    width = int(tracked.tensor.shape[-1])
    if width == module.in_features:
        return None
    rebuilt = nn.Linear(width, module.out_features, bias=module.bias is not None).to(
        device=module.weight.device, dtype=module.weight.dtype
    )
    try:
        rebuilt(tracked.tensor)
    except Exception:  # the rebuilt module refuses too: no repair to offer
        return None
    bias = "" if module.bias is not None else ", bias=False"
    code = f"nn.Linear({width}, {module.out_features}{bias})"
    before = f"nn.Linear({module.in_features}, {module.out_features}{bias})"
    return Repair(code, before, f"{failure.module_name} = {code}", True)


def _chain(operand: Tracked) -> tuple[Tracked, list[Tracked]] | None:
    steps: list[Tracked] = []
    node = operand
    while node.parent is not None:
        if node.replay is None or node.joined:
            return None
        steps.append(node)
        node = node.parent
    steps.reverse()
    return node, steps


def _operand(failure: Failure, operand: Tracked) -> Repair | None:
    found = _chain(operand)
    if found is None or failure.func is None:
        return None
    root, steps = found
    candidates = _candidates(root)
    if not candidates:
        return None
    cuts = [0] + [k for k in range(1, len(steps) + 1) if all(s.reshaping for s in steps[:k])]
    for cut in cuts:
        replaced = steps[cut - 1] if cut else root
        for code, tensor in candidates if cut else [c for c in candidates if c[0] != root.expression]:
            for suffix, add in _SUFFIXES:
                if not _runs(failure, operand, add(tensor), steps[cut:]):
                    continue
                text = _text(replaced, operand)
                new = code + suffix
                operand_text = operand.expression.replace(text, new, 1) if text else new
                rewritten = failure.consumer.replace(operand.expression, operand_text, 1)
                return Repair(new, text or replaced.expression, rewritten, True)
    return None


def _text(replaced: Tracked, operand: Tracked) -> str:
    """How ``replaced`` is written inside ``operand``'s expression (with or without its call's name)."""
    for text in (replaced.qualified, replaced.expression):
        if text and text in operand.expression:
            return text
    return ""


def _runs(failure: Failure, operand: Tracked, tensor: torch.Tensor, steps: Sequence[Tracked]) -> bool:
    """Whether the chain recomputed from ``tensor``, then the failing operation, runs."""
    try:
        value: Any = tensor
        for step in steps:
            assert step.replay is not None
            value = step.replay(value)
        assert failure.func is not None
        args = _substitute(failure.args, operand.tensor, value)
        kwargs = {k: _substitute(v, operand.tensor, value) for k, v in failure.kwargs.items()}
        failure.func(*args, **kwargs)
    except Exception:  # the candidate does not run: try the next one
        return False
    return True


def _substitute(value: Any, old: torch.Tensor, new: Any) -> Any:
    if value is old:
        return new
    if isinstance(value, tuple):
        return tuple(_substitute(v, old, new) for v in value)
    if isinstance(value, list):
        return [_substitute(v, old, new) for v in value]
    return value


def _candidates(root: Tracked) -> list[tuple[str, torch.Tensor]]:
    """Readings of a recurrent result that keep one state per sequence, best first."""
    meaning, t, name = root.meaning, root.tensor, root.expression
    if meaning is None:
        return []
    context = meaning.context
    found: list[tuple[str, torch.Tensor]] = [(name, t)]
    if meaning.source in ("h_n", "c_n") and not context.unbatched and t.dim() == 3:
        if context.directions == 2:
            found.append((f"torch.cat(({name}[-2], {name}[-1]), 1)", torch.cat((t[-2], t[-1]), 1)))
        else:
            found.append((f"{name}[-1]", t[-1]))
        if t.shape[0] > 1:
            batch = t.shape[1]
            found.append(
                (f"{name}.transpose(0, 1).reshape({batch}, -1)", t.transpose(0, 1).reshape(batch, -1))
            )
    elif meaning.source == "output" and t.dim() == 3:
        found.append((f"{name}.transpose(0, 1)", t.transpose(0, 1)))
    return found
