"""Where the forward failed, explained from what fed it.

The last torch operation that raised is kept with its operands (:func:`op_failed`), or the module it
raised in (:func:`module_failed`). When the forward's exception is that one, :func:`explain` names the
failing operation, every operand's shape and what each dim of it indexes, which dims disagree and
why, and the smallest repair that keeps the data, tried on the forward's own tensors
(:mod:`gru_shapes.tracing.repair`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from gru_shapes.i18n import _
from gru_shapes.model import readings
from gru_shapes.model.regroup import kind_name, kinds_of
from gru_shapes.tracing import calls, ops, whereabouts
from gru_shapes.tracing.traced import Operand, Repair, TraceError
from gru_shapes.tracing.tracked import Draft, Frame, Tracked


class _Recorder(Protocol):
    failure: Any
    frames: list[Frame]
    calls: list[Draft]

    def operands(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Tracked]: ...
    def read(self, tracked: Tracked) -> readings.Reading: ...
    def plain_name(self, tensor: Any) -> tuple[str, str] | None: ...


@dataclass
class Failure:
    """What raised: a torch operation on its arguments, or a module on its traced input."""

    exception: BaseException | None
    consumer: str
    line: str | None
    func: Callable[..., Any] | None = None
    name: str = ""
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    operands: list[Tracked] = field(default_factory=list)
    module: nn.Module | None = None
    module_name: str = ""
    tracked: Tracked | None = None


def op_failed(
    recorder: _Recorder, func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> None:
    """Called as a torch operation raises: keep it (the latest one wins; an earlier one the model
    caught itself is not the forward's failure)."""
    raised = sys.exc_info()[1]
    counted = [frame for frame in recorder.frames if frame.counted]
    if counted:
        module_failed(recorder, counted[-1], raised)
        return
    if recorder.frames and not recorder.operands(args, kwargs):
        # Inside a module the model's own tensors went into (an embedding given an id too large).
        module_failed(recorder, recorder.frames[-1], raised)
        return
    operands = recorder.operands(args, kwargs)
    name = getattr(func, "__name__", str(func))
    texts = {id(o.tensor): o.expression for o in operands}
    for value in calls.tensors_in((tuple(args), tuple(kwargs.values()))):
        named = recorder.plain_name(value)
        if named is not None and id(value) not in texts:
            texts[id(value)] = named[0]
    base = texts.get(id(args[0]), "") if args and isinstance(args[0], torch.Tensor) else ""
    consumer = ops.expression(name, base, tuple(args), dict(kwargs), texts)
    recorder.failure = Failure(
        raised,
        consumer,
        whereabouts.frame_line(sys._getframe(1)),
        func,
        name,
        tuple(args),
        dict(kwargs),
        operands,
    )


def module_failed(recorder: _Recorder, frame: Frame, raised: BaseException | None = None) -> None:
    """A leaf or recurrent module raised (its forward hook ran with no output)."""
    raised = raised if raised is not None else sys.exc_info()[1]
    current = recorder.failure
    if current is not None and current.exception is raised:
        return  # already kept, from the operation inside it
    consumer = _("{name} ({module})").format(name=frame.name, module=calls.describe_module(frame.module))
    recorder.failure = Failure(
        raised,
        consumer,
        whereabouts.frame_line(sys._getframe(1)),
        module=frame.module,
        module_name=frame.name,
        tracked=frame.tracked,
    )


def _matches(kept: BaseException | None, raised: BaseException) -> bool:
    seen: set[int] = set()
    error: BaseException | None = raised
    while error is not None and id(error) not in seen:
        if error is kept:
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def explain(recorder: _Recorder, raised: BaseException, repair: Callable[..., Repair | None]) -> TraceError:
    """The forward's exception, explained from the operation that raised it, when it is known."""
    message = whereabouts.message(raised)
    kept: Failure | None = recorder.failure
    if kept is None or not _matches(kept.exception, raised):
        return TraceError(
            type(raised).__name__, message, None, None, None, None, None, whereabouts.raised_line(raised)
        )
    operands = [kept.tracked] if kept.tracked is not None else list(kept.operands)
    described = tuple(_operand(recorder, o) for o in operands)
    disagree = _disagreement(kept, operands)
    order = _priority(operands, disagree)
    fix = repair(kept, order) if operands else None
    blamed = _blamed(order, fix)
    why = _why(recorder, kept, blamed, operands, disagree)
    return TraceError(
        type=type(raised).__name__,
        message=message,
        call=blamed.call if blamed else None,
        expression=blamed.expression if blamed else None,
        shape=tuple(blamed.tensor.shape) if blamed else None,
        consumer=kept.consumer,
        why=why,
        line=kept.line or whereabouts.raised_line(raised),
        operands=described,
        fix=fix,
    )


def _blamed(order: list[Tracked], fix: Repair | None) -> Tracked | None:
    if fix is not None:
        found = next(
            (o for o in order if o.expression in fix.expression or fix.replaces in o.expression), None
        )
        if found is not None:
            return found
    return order[0] if order else None


def dims_of(tracked: Tracked) -> tuple[str, ...]:
    """What each dim of a traced tensor indexes, in words."""
    meaning = tracked.meaning
    if meaning is None or meaning.mixed:
        word = _("mixed") if meaning is not None else _("unlabelled")
        return tuple(word for _size in tracked.tensor.shape)
    words = []
    for i, axis in enumerate(meaning.axes):
        kinds = [k for k in kinds_of(axis) if k != "dir" or len(kinds_of(axis)) == 1]
        if i == len(meaning.axes) - 1 and set(kinds) <= {"slot", "dir"}:
            words.append(_("features"))  # states or directions side by side are still features
        elif kinds:
            words.append(_(" and ").join(kind_name(k) for k in kinds))
        else:
            words.append(_("features") if i == len(meaning.axes) - 1 else _("size"))
    return tuple(words)


def _operand(recorder: _Recorder, tracked: Tracked) -> Operand:
    return Operand(
        tracked.expression,
        tuple(tracked.tensor.shape),
        tracked.call,
        recorder.read(tracked).holds,
        dims_of(tracked),
    )


# Pairs of (operand, dim) that must agree, and do not.
Pair = tuple[int, int, int, int]


def _disagreement(kept: Failure, operands: list[Tracked]) -> list[Pair]:
    shapes = [tuple(o.tensor.shape) for o in operands]
    name = kept.name.strip("_")
    if len(shapes) < 2:
        return []
    a, b = shapes[0], shapes[1]
    found: list[Pair] = []
    if name in ("bmm", "matmul", "mm") and len(a) >= 2 and len(b) >= 2:
        if len(a) == len(b) == 3 and a[0] != b[0]:
            found.append((0, 0, 1, 0))
        if a[-1] != b[-2]:
            found.append((0, len(a) - 1, 1, len(b) - 2))
        return found
    if name in ("cat", "concat", "concatenate", "stack"):
        dim = ops.arg_of(kept.args, kept.kwargs, 1, "dim", 0)
        rank = len(a)
        skip = None if name == "stack" else int(dim) % rank if rank else None
        for i in range(min(len(a), len(b))):
            if i != skip and a[i] != b[i]:
                found.append((0, i, 1, i))
        return found
    # Element-wise: dims aligned from the right, sizes that neither equal nor broadcast.
    for k in range(1, min(len(a), len(b)) + 1):
        if a[-k] != b[-k] and 1 not in (a[-k], b[-k]):
            found.append((0, len(a) - k, 1, len(b) - k))
    return found


def _priority(operands: list[Tracked], disagree: list[Pair]) -> list[Tracked]:
    """Operands to blame first: a mixed view, then one whose disagreeing dim holds layers, then
    states before outputs."""

    def rank(position: int) -> tuple[int, int, int]:
        tracked = operands[position]
        mixed = tracked.meaning is not None and tracked.meaning.mixed is not None
        dims = dims_of(tracked)
        layers = kind_name("slot")
        slot = any(
            (p == position and dims[d].startswith(layers)) or (q == position and dims[e].startswith(layers))
            for p, d, q, e in disagree
        )
        state = tracked.meaning is not None and tracked.meaning.source in ("h_n", "c_n")
        return (not mixed, not slot, not state)

    return [operands[i] for i in sorted(range(len(operands)), key=rank)]


def _why(
    recorder: _Recorder, kept: Failure, blamed: Tracked | None, operands: list[Tracked], disagree: list[Pair]
) -> str | None:
    if blamed is None:
        return None
    parts: list[str] = []
    if kept.module is not None:
        note = _module_note(kept)
        if note:
            parts.append(note)
    meaning = blamed.meaning
    if meaning is not None and meaning.mixed:
        parts.append(_("{expression}: {mixed}").format(expression=blamed.expression, mixed=meaning.mixed))
    headline, covered = _layers_headline(recorder, blamed, operands, disagree)
    if headline:
        parts.append(headline)
    for p, d, q, e in disagree:
        if (p, d) == covered or (q, e) == covered:
            continue
        first, second = operands[p], operands[q]
        parts.append(
            _("dim {dim} of {first} is {kind} ({size}) where {second} has {other} ({other_size})").format(
                dim=d,
                first=first.expression,
                kind=dims_of(first)[d],
                size=first.tensor.shape[d],
                second=second.expression,
                other=dims_of(second)[e],
                other_size=second.tensor.shape[e],
            )
        )
    parts.append(_origin(recorder, blamed))
    return "; ".join(parts)


def _module_note(kept: Failure) -> str | None:
    module, tracked = kept.module, kept.tracked
    if module is None or tracked is None:
        return None
    expects = getattr(module, "in_features", None)
    shape = tuple(tracked.tensor.shape)
    if not isinstance(expects, int) or not shape or shape[-1] == expects:
        return None
    return _("{name} expects {expects} features; {expression} has {features}").format(
        name=kept.module_name, expects=expects, expression=tracked.expression, features=shape[-1]
    )


def _layers_headline(
    recorder: _Recorder, blamed: Tracked, operands: list[Tracked], disagree: list[Pair]
) -> tuple[str, tuple[int, int] | None]:
    """``h_n holds every layer: dim 0 of ... is layer × direction, not batch``, when that is the
    trouble, and the (operand, dim) it says it of."""
    meaning = blamed.meaning
    if meaning is None or meaning.mixed:
        return "", None
    dims = dims_of(blamed)
    position = operands.index(blamed)
    for p, d, q, e in disagree:
        if p == position:
            mine, other, theirs = d, q, e
        elif q == position:
            mine, other, theirs = e, p, d
        else:
            continue
        if not dims[mine].startswith(kind_name("slot")):
            continue
        reading = recorder.read(blamed)
        held = len(reading.slots or ())
        what = _("every layer and direction") if meaning.context.directions == 2 else _("every layer")
        if held < meaning.context.num_layers * meaning.context.directions:
            what = reading.holds
        text = _("{root} holds {what}: dim {dim} of {expression} is {kind} ({size}), not {other}").format(
            root=meaning.source,
            what=what,
            dim=mine,
            expression=blamed.expression,
            kind=dims[mine],
            size=blamed.tensor.shape[mine],
            other=dims_of(operands[other])[theirs],
        )
        return text, (position, mine)
    return "", None


def _origin(recorder: _Recorder, tracked: Tracked) -> str:
    draft = recorder.calls[tracked.call]
    root = tracked.meaning.source if tracked.meaning is not None else _root_name(tracked)
    return _("{expression} {shape} comes from {name}'s {root} {root_shape}: {holds}").format(
        expression=tracked.expression,
        shape=list(tracked.tensor.shape),
        name=draft.name,
        root=root,
        root_shape=list(draft.returned.get(root, ())),
        holds=recorder.read(tracked).holds,
    )


def _root_name(tracked: Tracked) -> str:
    node = tracked
    while node.parent is not None:
        node = node.parent
    return node.meaning.source if node.meaning is not None else node.expression
