"""What the model does next with a recurrent call's results: a TorchFunctionMode sees every torch
function the model calls, and each one that takes a traced tensor is followed (indexing, views,
permutes, cat/stack, chunk/split, repeat, reductions and pooling over a dim, pad_packed_sequence,
element-wise arithmetic), the labels of :mod:`gru_shapes.model.follow` moved along and the use
recorded in the words of :mod:`gru_shapes.model.readings`. An operation the labels cannot follow (a
matrix product, a softmax) still passes on what it was computed from, and any pitfall upstream.
Where tensors of several recurrent calls meet, each is named by its call (``encoder.rnn → output``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from gru_shapes.i18n import _
from gru_shapes.model.follow import Meaning, union
from gru_shapes.tracing import failure, naming, padding, rows, special
from gru_shapes.tracing import ops as trace_ops
from gru_shapes.tracing.recorder import Recorder
from gru_shapes.tracing.traced import Use
from gru_shapes.tracing.tracked import Tracked

# A derived tensor is followed this many operations away from the call that returned it.
MOST_STEPS = 8
# Operations that only move elements: a repair may replace them (with the result they started from).
RESHAPING = frozenset(
    {
        "view",
        "reshape",
        "flatten",
        "permute",
        "transpose",
        "swapaxes",
        "swapdims",
        "t",
        "squeeze",
        "unsqueeze",
    }
)
# Pitfalls that labels cannot show again downstream: they reach what is computed from the tensor.
CARRIED = frozenset({"padding-in-pooling"})
# Operations past the labels whose result is listed when a pitfall upstream reaches it.
COMPUTING = frozenset({"matmul", "mm", "bmm", "linear", "einsum", "__matmul__", "cat", "stack"})


class Follower(TorchFunctionMode):
    """Sees every torch function the model calls; follows those that take a traced tensor."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_function__(
        self,
        func: Callable[..., Any],
        types: Any,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        recorder = self.recorder
        if recorder.depth or not recorder.tracked:
            try:
                return func(*args, **kwargs)
            except Exception:
                failure.op_failed(recorder, func, args, kwargs)
                raise
        operands = recorder.operands(args, kwargs)
        try:
            result = func(*args, **kwargs)
        except Exception:
            failure.op_failed(recorder, func, args, kwargs)
            raise
        if operands:
            with recorder.guarded():
                follow(recorder, func, args, kwargs, result, operands)
        return result


def follow(
    recorder: Recorder,
    func: Callable[..., Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    result: Any,
    operands: list[Tracked],
) -> None:
    name = getattr(func, "__name__", str(func))
    labelled = [o for o in operands if o.meaning is not None]
    worthy = [o for o in labelled if not o.quiet]  # a recurrent result itself, not past a module
    base = worthy[0] if worthy else labelled[0] if labelled else operands[0]
    if base.steps >= MOST_STEPS:
        return
    if name == "_pad_packed_sequence":
        special.padded(recorder, base, args, result)
        return
    if name == "__setitem__":
        special.in_place(recorder, base, args, kwargs)
        return
    suffix = ""
    if (
        isinstance(result, tuple)
        and name in trace_ops.REDUCTIONS
        and result
        and isinstance(result[0], torch.Tensor)
    ):
        result, suffix = result[0], "[0]"  # torch.max(x, dim): the values
    elif isinstance(result, (tuple, list)) and name in trace_ops.PIECES:
        special.pieces(recorder, name, base, args, kwargs, result)
        return
    if not isinstance(result, torch.Tensor) or not (result.is_floating_point() or result.is_complex()):
        return  # token ids, masks, indices: not what the recurrent layer computed
    if name in trace_ops.SAME or (name == "index_select" and base.internal):
        special.same(recorder, name, base, args, kwargs, result, operands)
        return
    in_play = frozenset().union(*(o.calls for o in operands))
    # Tensors of several calls meet here (not merely one tensor computed from several before).
    multi = len(in_play) > 1 and len({o.calls for o in operands}) > 1
    all_args = (tuple(args), tuple(kwargs.values()))
    texts = naming.texts(recorder, operands, all_args, multi)
    expression = trace_ops.expression(name, naming.receiver(texts, args, base), args, kwargs, texts) + suffix
    qualified_texts = naming.texts(recorder, operands, all_args, True)
    receiver = naming.receiver(qualified_texts, args, base)
    qualified = trace_ops.expression(name, receiver, args, kwargs, qualified_texts) + suffix
    own = {id(o.tensor): o.meaning for o in labelled if o.call == base.call}
    names = naming.words(recorder, operands, all_args, own)
    meaning = None
    if base.meaning is not None and id(base.tensor) in own:
        meaning = trace_ops.apply(name, base.meaning, args, kwargs, own, names)  # type: ignore[arg-type]
    elementwise = False
    if meaning is None and tuple(result.shape) == tuple(base.tensor.shape) and name not in trace_ops.STOP:
        meaning, elementwise = _elementwise(base, labelled, own), True
    rows = sorted({o.call for o in worthy})
    links = {
        "calls": in_play,
        "qualified": qualified if not multi else expression,
        "parent": base,
        "replay": special.replay(func, args, kwargs, base.tensor),
        "reshaping": name in RESHAPING,
        "joined": len(operands) > 1,
    }
    meeting = multi and len(worthy) > 1 and len({o.calls for o in worthy}) > 1
    step = _Step(name, expression, links, meeting, elementwise, rows)
    if meaning is not None:
        _labelled(recorder, step, base, operands, result, meaning, args, kwargs)
        return
    _opaque(recorder, step, base, operands, result, multi)


def _elementwise(base: Tracked, labelled: list[Tracked], own: Mapping[int, Meaning | None]) -> Meaning | None:
    """Element-wise (tanh, dropout, ``+``): every element stays where it was; two tensors of one
    call combined hold what both held."""
    if base.meaning is None:
        return None
    meaning = base.meaning
    for other in labelled[1:]:
        if id(other.tensor) in own and other.meaning is not None and other.meaning.shape == meaning.shape:
            meaning = union(meaning, other.meaning)
    return meaning


@dataclass(frozen=True)
class _Step:
    """One followed operation: its name, how it is written, what links its result to its operand,
    whether results of several calls meet in it, whether it works element by element, and the calls
    whose tables list it (those of the recurrent results it takes, not past a module)."""

    name: str
    expression: str
    links: dict[str, Any]
    meeting: bool
    elementwise: bool
    rows: list[int]


def _labelled(
    recorder: Recorder,
    step: _Step,
    base: Tracked,
    operands: list[Tracked],
    result: torch.Tensor,
    meaning: Meaning,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
) -> None:
    name, meeting, elementwise = step.name, step.meeting, step.elementwise
    text = _elementwise_text(name, base, step.expression, operands) if elementwise else step.expression
    tracked = recorder.track(
        result, meaning, text, base.call, base.steps + 1, quiet=base.quiet, holds=base.holds, **step.links
    )
    reading = recorder.read(tracked)
    pooled = _pooling(recorder, name, base, reading, args, kwargs)
    if pooled is not None:
        reading = replace(reading, pitfall=pooled, rule="padding-in-pooling")
    pitfall, rule, origin, taint = rows.judged(recorder, reading, operands, tracked.expression, CARRIED)
    tracked.taint = taint
    inherited = pitfall is not None and origin is not None
    if elementwise and not meeting and (pitfall is None or inherited):
        return
    reducing = name in trace_ops.REDUCTIONS or name in trace_ops.POOLS
    if base.quiet and not (reducing or meeting or (pitfall and not inherited)):
        return
    use = Use(tracked.expression, tuple(result.shape), reading.holds, pitfall, rule, origin)
    for call in step.rows or [base.call]:
        recorder.use(call, use)
    if (name in trace_ops.JOINS or name in trace_ops.OPERATORS) and reading.pitfall is None and not meeting:
        # Each half alone was misleading; joined, they are what was meant (h_n[-2] with h_n[-1]).
        for operand in operands:
            recorder.calls[operand.call].uses.clear_pitfall(operand.expression)
            operand.taint = None


def _elementwise_text(name: str, base: Tracked, expression: str, operands: list[Tracked]) -> str:
    if name in trace_ops.OPERATORS or len(operands) > 1:
        return expression
    return f"{name.strip('_')}({base.expression})"


def _pooling(
    recorder: Recorder, name: str, base: Tracked, reading: Any, args: Sequence[Any], kwargs: Mapping[str, Any]
) -> str | None:
    """A reduction over padded time, judged on the real tensor it reduced."""
    if reading.pooled_padding is None or base.meaning is None:
        return None
    op = trace_ops.REDUCTIONS.get(name) or trace_ops.POOLS.get(name)
    dims = trace_ops.reduced_dims(name, base.meaning, args, kwargs)
    if op is None or dims is None:
        return None
    dim = dims[0]
    gather = f"{base.expression}.sum({dim}) / lengths.unsqueeze(1)"
    found = padding.pooling_pitfall(base.tensor, base.meaning, dims, op, gather)
    return found[0] if found else None


def _opaque(
    recorder: Recorder, step: _Step, base: Tracked, operands: list[Tracked], result: torch.Tensor, multi: bool
) -> None:
    """A result whose labels are lost: tracked for what it came from, and for what it carries."""
    op = step.name.strip("_")
    if multi:
        parts = []
        for o in operands:
            if o.meaning is not None:
                label = recorder.calls[o.call].label
                parts.append(_("{call}: {holds}").format(call=label, holds=recorder.read(o).holds))
            else:
                labels = ", ".join(dict.fromkeys(recorder.calls[c].label for c in sorted(o.calls)))
                parts.append(_("a tensor computed from {calls}").format(calls=labels))
        holds = _("{holds}, then {op}").format(holds=_("; ").join(dict.fromkeys(parts)), op=op)
    elif base.meaning is not None:
        holds = _("{holds}, then {op}").format(holds=recorder.read(base).holds, op=op)
    else:
        holds = base.holds
    upstream = next((o.taint for o in operands if o.taint), None)
    tracked = recorder.track(
        result,
        None,
        step.expression,
        base.call,
        base.steps + 1,
        holds=holds,
        taint=upstream,
        quiet=True,
        **step.links,
    )
    if not (step.rows or (upstream and step.name in COMPUTING)):
        return
    pitfall = rule = origin = None
    if upstream is not None:
        pitfall = _("computed from {origin}: {pitfall}").format(
            origin=upstream.origin, pitfall=upstream.pitfall
        )
        rule, origin = upstream.rule, upstream.origin
    use = Use(tracked.expression, tuple(result.shape), holds, pitfall, rule, origin)
    for call in step.rows or [base.call]:
        recorder.use(call, use)


__all__ = ["Follower", "follow"]
