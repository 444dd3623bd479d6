"""Operations followed in a way of their own: those that keep every element where it was (``contiguous``,
``to``, pad_packed_sequence's own reordering), ``chunk``/``split``/``unbind`` (each piece a slice),
``output[mask] = value`` (changed in place), and ``pad_packed_sequence`` (a padded output, its batch in
the order given)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import torch

from gru_shapes.i18n import _
from gru_shapes.model.follow import Axis, Context, Meaning
from gru_shapes.tracing import calls, naming
from gru_shapes.tracing import ops as trace_ops
from gru_shapes.tracing.recorder import Recorder
from gru_shapes.tracing.traced import Use
from gru_shapes.tracing.tracked import Tracked


def same(
    recorder: Recorder,
    name: str,
    base: Tracked,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    result: torch.Tensor,
    operands: list[Tracked],
) -> None:
    """``contiguous``, ``clone``, ``to``, or pad_packed_sequence's own reordering: the same elements."""
    meaning = base.meaning
    if name == "index_select" and meaning is not None:
        own = {id(o.tensor): o.meaning for o in operands if o.meaning is not None}
        meaning = trace_ops.apply(name, meaning, args, kwargs, own)
        if meaning is None:
            return
    tracked = replace(base, tensor=result, meaning=meaning, internal=False)
    recorder.tracked[id(result)] = tracked


def in_place(recorder: Recorder, base: Tracked, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """``output[mask] = value``: the tensor changed in place (a masking before a pooling, say)."""
    if base.meaning is None or not args or args[0] is not base.tensor:
        return
    texts = naming.texts(recorder, [base], (tuple(args), tuple(kwargs.values())), False)
    index = trace_ops.expression("__getitem__", base.expression, args[:2], {}, texts)
    value = args[2] if len(args) > 2 else "…"
    if isinstance(value, torch.Tensor):
        shown = texts.get(id(value), f"<tensor {list(value.shape)}>")
    else:
        shown = repr(value)
    reading = recorder.read(base)
    holds = _("{holds}, changed in place").format(holds=reading.holds)
    recorder.use(base.call, Use(f"{index} = {shown}", tuple(base.tensor.shape), holds, None))


def pieces(
    recorder: Recorder,
    name: str,
    base: Tracked,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    result: Sequence[Any],
) -> None:
    """``chunk``, ``split`` and ``unbind``: each piece is a slice (or an index) of the operand."""
    if base.meaning is None:
        return
    shapes = [tuple(piece.shape) for piece in result if isinstance(piece, torch.Tensor)]
    meanings = trace_ops.pieces(name, base.meaning, args, kwargs, shapes)
    if meanings is None or len(meanings) != len(result):
        return
    texts = {id(base.tensor): base.expression}
    whole = trace_ops.expression(name, base.expression, args, kwargs, texts)
    qualified = trace_ops.expression(name, base.qualified, args, kwargs, {id(base.tensor): base.qualified})
    for index, (piece, meaning) in enumerate(zip(result, meanings, strict=True)):
        tracked = recorder.track(
            piece,
            meaning,
            f"{whole}[{index}]",
            base.call,
            base.steps + 1,
            calls=base.calls,
            qualified=f"{qualified}[{index}]",
            parent=base,
            replay=_piece(name, args, kwargs, base.tensor, index),
            reshaping=True,
            quiet=base.quiet,
        )
        # Together the pieces are the whole: a piece misleads only where it is used alone, and
        # that use (an index, a module) carries the pitfall.
        if not base.quiet:
            recorder.use(
                base.call, Use(tracked.expression, tuple(piece.shape), recorder.read(tracked).holds, None)
            )


def _piece(
    name: str, args: Sequence[Any], kwargs: Mapping[str, Any], parent: torch.Tensor, index: int
) -> Callable[[torch.Tensor], Any]:
    again = replay(getattr(torch.Tensor, name), args, kwargs, parent)
    return lambda tensor: again(tensor)[index]


def padded(recorder: Recorder, base: Tracked, args: Sequence[Any], result: Any) -> None:
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
    tracked = recorder.track(
        padded, meaning, "output", base.call, base.steps + 1, qualified=f"{draft.label} → output"
    )
    # pad_packed_sequence restores the batch's order with an index_select of its own, unless the
    # batch was packed already sorted (enforce_sorted=True).
    tracked.internal = draft.reordered
    reading = recorder.read(tracked)
    recorder.use(
        base.call, Use(expression, tuple(padded.shape), reading.holds, reading.pitfall, reading.rule)
    )


def replay(
    func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any], parent: torch.Tensor
) -> Callable[[torch.Tensor], Any]:
    """Recompute an operation's result from another tensor in place of ``parent``."""

    def again(tensor: torch.Tensor) -> Any:
        def swap(value: Any) -> Any:
            if value is parent:
                return tensor
            if isinstance(value, (tuple, list)):
                return type(value)(swap(v) for v in value)
            return value

        return func(*swap(tuple(args)), **{k: swap(v) for k, v in kwargs.items()})

    return again
