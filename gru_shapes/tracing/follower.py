"""What the model does next with a recurrent call's results: a TorchFunctionMode sees every torch
function the model calls, and each one that takes a traced tensor is followed (indexing, views,
permutes, cat/stack, chunk/split, pad_packed_sequence), the labels of :mod:`gru_shapes.model.follow`
moved along and the use recorded in the words of :mod:`gru_shapes.model.readings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from gru_shapes.i18n import _
from gru_shapes.model.follow import Axis, Context, Meaning
from gru_shapes.tracing import calls
from gru_shapes.tracing import ops as trace_ops
from gru_shapes.tracing.recorder import Recorder, Tracked
from gru_shapes.tracing.traced import Use

# A derived tensor is followed this many operations away from the call that returned it.
MOST_STEPS = 6


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
                recorder.failed_op(func, args, kwargs)
                raise
        operands = recorder.operands(args, kwargs)
        try:
            result = func(*args, **kwargs)
        except Exception:
            recorder.failed_op(func, args, kwargs)
            raise
        if operands:
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
    base = operands[0]
    if base.steps >= MOST_STEPS:
        return
    if name == "_pad_packed_sequence":
        _padded(recorder, base, args, result)
        return
    if isinstance(result, (tuple, list)) and name in trace_ops.PIECES:
        _pieces(recorder, name, base, args, kwargs, result)
        return
    if not isinstance(result, torch.Tensor):
        return
    if name in trace_ops.SAME or (name == "index_select" and base.internal):
        expression = base.expression
        meaning = (
            base.meaning
            if name in trace_ops.SAME
            else trace_ops.apply(
                name, base.meaning, args, kwargs, {id(o.tensor): o.meaning for o in operands}
            )
        )
        if meaning is not None:
            recorder.track(result, meaning, expression, base.call, base.steps)
        return
    meaning = trace_ops.apply(name, base.meaning, args, kwargs, {id(o.tensor): o.meaning for o in operands})
    expression = trace_ops.expression(
        name, base.expression, args, kwargs, {key: t.expression for key, t in recorder.tracked.items()}
    )
    if meaning is None:
        if tuple(result.shape) == tuple(base.tensor.shape) and name not in trace_ops.STOP:
            # Element-wise (tanh, dropout, +): every element stays where it was.
            recorder.track(
                result, base.meaning, f"{name.strip('_')}({base.expression})", base.call, base.steps + 1
            )
            return
        reading = recorder.read(base)
        recorder.use(
            base.call,
            Use(
                expression,
                tuple(result.shape),
                _("{holds}, then {op}").format(holds=reading.holds, op=name.strip("_")),
                reading.pitfall,
            ),
        )
        return
    tracked = recorder.track(result, meaning, expression, base.call, base.steps + 1)
    reading = recorder.read(tracked)
    recorder.use(base.call, Use(expression, tuple(result.shape), reading.holds, reading.pitfall))
    if name in trace_ops.JOINS and reading.pitfall is None:
        # Each half alone was misleading; joined, they are what was meant (h_n[-2] with h_n[-1]).
        for operand in operands:
            _clear_pitfall(recorder, operand)


def _pieces(
    recorder: Recorder,
    name: str,
    base: Tracked,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    result: Sequence[Any],
) -> None:
    """``chunk``, ``split`` and ``unbind``: each piece is a slice (or an index) of the operand."""
    shapes = [tuple(piece.shape) for piece in result if isinstance(piece, torch.Tensor)]
    meanings = trace_ops.pieces(name, base.meaning, args, kwargs, shapes)
    if meanings is None or len(meanings) != len(result):
        return
    whole = trace_ops.expression(
        name, base.expression, args, kwargs, {key: t.expression for key, t in recorder.tracked.items()}
    )
    for index, (piece, meaning) in enumerate(zip(result, meanings, strict=True)):
        tracked = recorder.track(piece, meaning, f"{whole}[{index}]", base.call, base.steps + 1)
        # Together the pieces are the whole: a piece misleads only where it is used alone, and
        # that use (an index, a module) carries the pitfall.
        recorder.use(
            base.call, Use(tracked.expression, tuple(piece.shape), recorder.read(tracked).holds, None)
        )


def _padded(recorder: Recorder, base: Tracked, args: Sequence[Any], result: Any) -> None:
    padded = result[0]
    draft = recorder.calls[base.call]
    batch_first = bool(args[2]) if len(args) > 2 else False
    order = draft.order or list(range(len(draft.fed.lengths or ())))
    context = calls.context_of(draft.module, draft.fed)
    context = Context(
        **{
            **context.__dict__,
            "steps": padded.shape[1 if batch_first else 0],
            "batch_first": batch_first,
            "unbatched": False,
        }
    )
    meaning = context.output()
    batch_axis = 0 if batch_first else 1
    labels = meaning.axes[batch_axis].labels or ()
    reordered = Axis(len(order), tuple(labels[b] for b in order))
    meaning = Meaning(
        "output", context, tuple(reordered if i == batch_axis else a for i, a in enumerate(meaning.axes))
    )
    expression = f"pad_packed_sequence(packed_output, batch_first={batch_first})[0]"
    tracked = recorder.track(padded, meaning, "output", base.call, base.steps + 1)
    # pad_packed_sequence restores the batch's order with an index_select of its own, unless the
    # batch was packed already sorted (enforce_sorted=True).
    tracked.internal = recorder.calls[base.call].reordered
    reading = recorder.read(tracked)
    recorder.use(base.call, Use(expression, tuple(padded.shape), reading.holds, reading.pitfall))


def _clear_pitfall(recorder: Recorder, operand: Tracked) -> None:
    uses = recorder.calls[operand.call].uses
    for i, use in enumerate(uses):
        if use.expression == operand.expression and use.pitfall:
            uses[i] = Use(use.expression, use.shape, use.holds, None)
