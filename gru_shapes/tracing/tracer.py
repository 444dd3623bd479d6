"""Trace the recurrent layers inside a user's own model, with torch's public hooks.

Forward hooks on every ``nn.RNNBase`` / ``nn.RNNCellBase`` record each call (what was passed, what
came back); a :class:`~torch.overrides.TorchFunctionMode` follows the tensors the calls returned
through the next few operations (indexing, views, permutes, cat/stack, pad_packed_sequence) and
into the module they reach; :mod:`gru_shapes.model.follow` moves what each index holds along, and
:mod:`gru_shapes.model.readings` says it in words. Nothing of
torch is patched: the hooks are removed and the modes restored when the forward ends.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence
from torch.overrides import TorchFunctionMode

from gru_shapes.model import readings

from gru_shapes.tracing import ops as trace_ops
from gru_shapes.tracing import calls
from gru_shapes.model.follow import Axis, Context, Meaning
from gru_shapes.i18n import _, language
from gru_shapes.model.spec import Spec
from gru_shapes.tracing.traced import Fed, Trace, TracedCall, TraceError, Use

RECURRENT = (nn.RNNBase, nn.RNNCellBase)
# A derived tensor is followed this many operations away from the call that returned it.
MOST_STEPS = 6
# Uses recorded per call: a loop over a call's result is summarised by its first uses.
MOST_USES = 16


def trace(
    model: nn.Module,
    *args: Any,
    train: bool = False,
    inference_mode: bool = True,
    lang: str | None = None,
    **kwargs: Any,
) -> Trace:
    """Run ``model(*args, **kwargs)`` once and explain every recurrent call inside it.

    The model runs in eval mode under ``torch.inference_mode()`` unless ``train=True`` /
    ``inference_mode=False``; its train/eval modes and the caller's RNG state are restored
    afterwards. A model whose forward takes keywords named ``train``, ``inference_mode`` or
    ``lang`` is traced with :func:`trace_call`. When the forward raises, the trace still holds the
    calls so far and ``trace.error`` the exception, verbatim.

    >>> import torch
    >>> from torch import nn
    >>> class Classifier(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.rnn = nn.GRU(8, 16, batch_first=True, bidirectional=True)
    ...         self.fc = nn.Linear(16, 2)
    ...     def forward(self, x):
    ...         _output, h_n = self.rnn(x)
    ...         return self.fc(h_n[-1])
    >>> t = trace(Classifier(), torch.zeros(4, 7, 8), lang="en")
    >>> t.calls[0].name, t.calls[0].returned["h_n"]
    ('rnn', (2, 4, 16))
    >>> t.pitfalls[0].expression, t.pitfalls[0].pitfall
    ('h_n[-1]', "of a bidirectional module this is the last layer's backward state only; the forward one is h_n[-2]")
    """
    return trace_call(model, args, kwargs, train=train, inference_mode=inference_mode, lang=lang)


def trace_call(
    model: nn.Module,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    train: bool = False,
    inference_mode: bool = True,
    lang: str | None = None,
) -> Trace:
    """:func:`trace` with the model's arguments given as a sequence and a mapping."""
    from gru_shapes.model import validate
    chosen = validate.lang(lang)
    with language(chosen):
        recorder = _Recorder(model)
        modes = {module: module.training for module in model.modules()}
        error: BaseException | None = None
        caught: list[warnings.WarningMessage] = []
        initialized = torch.cuda.is_initialized()  # type: ignore[no-untyped-call]
        devices = list(range(torch.cuda.device_count())) if initialized else []
        try:
            model.train(train)
            with (
                warnings.catch_warnings(record=True) as caught,
                torch.random.fork_rng(devices=devices),
                torch.inference_mode(inference_mode),
                recorder.hooked(),
                _Follower(recorder),
            ):
                # torch's warnings become lines of the trace, not warnings raised in the caller.
                warnings.simplefilter("always")
                model(*args, **dict(kwargs or {}))
        except Exception as raised:  # the summary up to the error is the point of tracing
            error = raised
        finally:
            for module, training in modes.items():
                module.training = training
        if not train and inference_mode:
            mode = _("eval mode, inference_mode")
        else:
            mode = ", ".join(
                [
                    _("train mode") if train else _("eval mode"),
                    "inference_mode" if inference_mode else _("autograd on"),
                ]
            )
        return Trace(
            model=type(model).__name__,
            calls=tuple(recorder.finished(chosen)),
            error=recorder.error(error) if error is not None else None,
            lang=chosen,
            mode=mode,
            warnings=tuple(dict.fromkeys(str(w.message).strip().splitlines()[0] for w in caught)),
        )


@dataclass
class _Tracked:
    tensor: torch.Tensor  # kept alive so that its id is not reused while the forward runs
    meaning: Meaning
    expression: str
    call: int
    steps: int
    internal: bool = False  # pad_packed_sequence's own reordering follows: no use of its own


@dataclass(eq=False)
class _Draft:
    name: str
    module: nn.Module
    index: int
    position: int  # in the trace's calls
    fed: Fed
    spec: Spec
    returned: dict[str, tuple[int, ...]] = field(default_factory=dict)
    uses: list[Use] = field(default_factory=list)
    order: list[int] | None = None  # a packed call's sequences, in the order torch sorted them
    reordered: bool = False  # the packed call's sequences were sorted, so unpacking reorders them


@dataclass
class _Failure:
    consumer: str
    tracked: _Tracked | None
    note: str | None = None


class _Recorder:
    """The state of one traced forward pass."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.names = {id(module): name or "model" for name, module in model.named_modules()}
        self.calls: list[_Draft] = []
        self.tracked: dict[int, _Tracked] = {}
        self.counts: dict[str, int] = {}
        # Inside a recurrent module, or a leaf module fed a traced tensor: its own torch calls are
        # not the model's operations.
        self.depth = 0
        self.frames: list[tuple[str, nn.Module, _Tracked | None, bool]] = []
        self.failure: _Failure | None = None
        self.running: list[_Draft] = []  # recurrent calls entered and not yet returned

    # Hooks ----------------------------------------------------------------------------------

    @contextmanager
    def hooked(self) -> Iterator[None]:
        handles = []
        for module in self.model.modules():
            if isinstance(module, RECURRENT):
                handles.append(module.register_forward_pre_hook(self._before_recurrent, with_kwargs=True))
                handles.append(
                    module.register_forward_hook(self._after_recurrent, with_kwargs=True, always_call=True)
                )
            elif not any(True for _child in module.children()):
                handles.append(module.register_forward_pre_hook(self._before_leaf, with_kwargs=True))
                handles.append(
                    module.register_forward_hook(self._after_leaf, with_kwargs=True, always_call=True)
                )
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    def _before_recurrent(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        x = args[0] if args else kwargs.get("input")
        hx = args[1] if len(args) > 1 else kwargs.get("hx")
        name = self.names.get(id(module), type(module).__name__)
        index = self.counts.get(name, 0)
        self.counts[name] = index + 1
        fed = calls.fed_of(x, hx)
        draft = _Draft(name, module, index, len(self.calls), fed, calls.spec_of(module, fed))
        handed = [t for t in calls.tensors_in((x, hx)) if id(t) in self.tracked]
        for tensor in handed:
            self._hand_off(
                draft,
                self.tracked[id(tensor)],
                tensor is x or (isinstance(x, PackedSequence) and tensor is x.data),
            )
        self.calls.append(draft)
        self.running.append(draft)
        self.frames.append((name, module, self.tracked.get(id(handed[0])) if handed else None, True))
        self.depth += 1

    def _after_recurrent(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        name, _module, tracked, _counted = self.frames.pop()
        self.depth -= 1
        draft = self.running.pop()
        if output is None:
            self._fail(
                _("{name} ({module})").format(name=name, module=calls.describe_module(module)), tracked
            )
            return
        self._returned(draft, output)

    def _before_leaf(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        traced = [t for t in calls.tensors_in((args, tuple(kwargs.values()))) if id(t) in self.tracked]
        if not traced or self.depth:
            self.frames.append(("", module, None, False))
            return
        tracked = self.tracked[id(traced[0])]
        name = self.names.get(id(module), type(module).__name__)
        self._use_in_module(name, module, tracked)
        self.frames.append((name, module, tracked, True))
        self.depth += 1

    def _after_leaf(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        name, _module, tracked, counted = self.frames.pop()
        if not counted:
            return
        self.depth -= 1
        if output is None:
            self._fail(
                _("{name} ({module})").format(name=name, module=calls.describe_module(module)), tracked
            )

    # What came back -------------------------------------------------------------------------

    def _returned(self, draft: _Draft, output: Any) -> None:
        module, call = draft.module, draft.position
        context = calls.context_of(module, draft.fed)
        if isinstance(module, nn.RNNCellBase):
            states = output if isinstance(output, tuple) else (output,)
            for key, state in zip(("h_1", "c_1"), states, strict=False):
                draft.returned[key] = tuple(state.shape)
                self._track(state, context.cell_state(key, state.shape[-1]), key, call, 0)
            return
        sequence, state = output
        states = state if isinstance(state, tuple) else (state,)
        if isinstance(sequence, PackedSequence):
            draft.returned["packed_output"] = tuple(sequence.data.shape)
            order = (
                sequence.sorted_indices.tolist()
                if sequence.sorted_indices is not None
                else range(context.batch)
            )
            draft.order = list(order)
            draft.reordered = sequence.unsorted_indices is not None
            meaning = context.packed_data(draft.order)
            self._track(sequence.data, meaning, "packed_output.data", call, 0)
        else:
            draft.returned["output"] = tuple(sequence.shape)
            self._track(sequence, context.output(), "output", call, 0)
        for key, tensor in zip(("h_n", "c_n"), states, strict=False):
            draft.returned[key] = tuple(tensor.shape)
            features = tensor.shape[-1]
            self._track(tensor, context.h_n(key, features), key, call, 0)

    def _track(
        self, tensor: torch.Tensor, meaning: Meaning, expression: str, call: int, steps: int
    ) -> _Tracked:
        if meaning.shape != tuple(tensor.shape):  # a layout the labels do not know: keep the shape only
            meaning = Meaning(meaning.source, meaning.context, tuple(Axis(s) for s in tensor.shape))
        tracked = _Tracked(tensor, meaning, expression, call, steps)
        self.tracked[id(tensor)] = tracked
        return tracked

    def _read(self, tracked: _Tracked) -> readings.Reading:
        return readings.describe(tracked.meaning, tracked.expression, self.calls[tracked.call].spec)

    # Uses -----------------------------------------------------------------------------------

    def _use(self, call: int, use: Use) -> None:
        uses = self.calls[call].uses
        if len(uses) < MOST_USES and use not in uses:
            uses.append(use)

    def _hand_off(self, draft: _Draft, tracked: _Tracked, as_input: bool) -> None:
        reading = self._read(tracked)
        role = _("input") if as_input else "hx"
        holds = _("{holds}; passed as {role} to {name}").format(
            holds=reading.holds, role=role, name=draft.name
        )
        pitfall = reading.pitfall or (
            None if as_input else calls.mixed_hand_off(tracked.meaning, draft.module)
        )
        self._use(
            tracked.call,
            Use(
                f"{draft.name}(…, {tracked.expression})"
                if not as_input
                else f"{draft.name}({tracked.expression})",
                tuple(tracked.tensor.shape),
                holds,
                pitfall,
            ),
        )

    def _use_in_module(self, name: str, module: nn.Module, tracked: _Tracked) -> None:
        reading = self._read(tracked)
        holds = _("{holds}; into {module}").format(holds=reading.holds, module=calls.describe_module(module))
        pitfall = _mismatch(name, module, tracked) or reading.pitfall
        self._use(
            tracked.call, Use(f"{name}({tracked.expression})", tuple(tracked.tensor.shape), holds, pitfall)
        )

    # Operations -----------------------------------------------------------------------------

    def operands(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[_Tracked]:
        return [
            self.tracked[id(t)]
            for t in calls.tensors_in((tuple(args), tuple(kwargs.values())))
            if id(t) in self.tracked
        ]

    def follow(
        self,
        func: Callable[..., Any],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        result: Any,
        operands: list[_Tracked],
    ) -> None:
        name = getattr(func, "__name__", str(func))
        base = operands[0]
        if base.steps >= MOST_STEPS:
            return
        if name == "_pad_packed_sequence":
            self._padded(base, args, result)
            return
        if isinstance(result, (tuple, list)) and name in trace_ops.PIECES:
            self._pieces(name, base, args, kwargs, result)
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
                self._track(result, meaning, expression, base.call, base.steps)
            return
        meaning = trace_ops.apply(
            name, base.meaning, args, kwargs, {id(o.tensor): o.meaning for o in operands}
        )
        expression = trace_ops.expression(
            name, base.expression, args, kwargs, {key: t.expression for key, t in self.tracked.items()}
        )
        if meaning is None:
            if tuple(result.shape) == tuple(base.tensor.shape) and name not in trace_ops.STOP:
                # Element-wise (tanh, dropout, +): every element stays where it was.
                self._track(
                    result, base.meaning, f"{name.strip('_')}({base.expression})", base.call, base.steps + 1
                )
                return
            reading = self._read(base)
            self._use(
                base.call,
                Use(
                    expression,
                    tuple(result.shape),
                    _("{holds}, then {op}").format(holds=reading.holds, op=name.strip("_")),
                    reading.pitfall,
                ),
            )
            return
        tracked = self._track(result, meaning, expression, base.call, base.steps + 1)
        reading = self._read(tracked)
        self._use(base.call, Use(expression, tuple(result.shape), reading.holds, reading.pitfall))
        if name in trace_ops.JOINS and reading.pitfall is None:
            # Each half alone was misleading; joined, they are what was meant (h_n[-2] with h_n[-1]).
            for operand in operands:
                self._clear_pitfall(operand)

    def _pieces(
        self, name: str, base: _Tracked, args: Sequence[Any], kwargs: Mapping[str, Any], result: Sequence[Any]
    ) -> None:
        """``chunk``, ``split`` and ``unbind``: each piece is a slice (or an index) of the operand."""
        shapes = [tuple(piece.shape) for piece in result if isinstance(piece, torch.Tensor)]
        meanings = trace_ops.pieces(name, base.meaning, args, kwargs, shapes)
        if meanings is None or len(meanings) != len(result):
            return
        whole = trace_ops.expression(
            name, base.expression, args, kwargs, {key: t.expression for key, t in self.tracked.items()}
        )
        for index, (piece, meaning) in enumerate(zip(result, meanings, strict=True)):
            tracked = self._track(piece, meaning, f"{whole}[{index}]", base.call, base.steps + 1)
            # Together the pieces are the whole: a piece misleads only where it is used alone, and
            # that use (an index, a module) carries the pitfall.
            self._use(base.call, Use(tracked.expression, tuple(piece.shape), self._read(tracked).holds, None))

    def _padded(self, base: _Tracked, args: Sequence[Any], result: Any) -> None:
        padded = result[0]
        draft = self.calls[base.call]
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
        tracked = self._track(padded, meaning, "output", base.call, base.steps + 1)
        # pad_packed_sequence restores the batch's order with an index_select of its own, unless the
        # batch was packed already sorted (enforce_sorted=True).
        tracked.internal = self.calls[base.call].reordered
        reading = self._read(tracked)
        self._use(base.call, Use(expression, tuple(padded.shape), reading.holds, reading.pitfall))

    def _clear_pitfall(self, operand: _Tracked) -> None:
        uses = self.calls[operand.call].uses
        for i, use in enumerate(uses):
            if use.expression == operand.expression and use.pitfall:
                uses[i] = Use(use.expression, use.shape, use.holds, None)

    # Failure --------------------------------------------------------------------------------

    def failed_op(self, func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        if self.failure is not None:
            return
        counted = [frame for frame in self.frames if frame[3]]
        if counted:
            name, module, tracked, _c = counted[-1]
            consumer = _("{name} ({module})").format(name=name, module=calls.describe_module(module))
            note = _mismatch(name, module, tracked) if tracked is not None else None
            self.failure = _Failure(consumer, tracked, note)
            return
        operands = self.operands(args, kwargs)
        if operands:
            name = getattr(func, "__name__", str(func)).strip("_")
            self.failure = _Failure(name, operands[0])

    def _fail(self, consumer: str, tracked: _Tracked | None) -> None:
        if self.failure is None:
            self.failure = _Failure(consumer, tracked)

    def error(self, raised: BaseException) -> TraceError:
        failure = self.failure
        tracked = failure.tracked if failure else None
        why = None
        if tracked is not None:
            draft = self.calls[tracked.call]
            root = tracked.meaning.source
            reading = self._read(tracked)
            why = _("{expression} {shape} comes from {name}'s {root} {root_shape}: {holds}").format(
                expression=tracked.expression,
                shape=list(tracked.tensor.shape),
                name=draft.name,
                root=root,
                root_shape=list(draft.returned.get(root, ())),
                holds=reading.holds,
            )
            if failure is not None and failure.note:
                why = f"{failure.note}; {why}"
        return TraceError(
            type=type(raised).__name__,
            message=str(raised).strip(),
            call=tracked.call if tracked else None,
            expression=tracked.expression if tracked else None,
            shape=tuple(tracked.tensor.shape) if tracked else None,
            consumer=failure.consumer if failure else None,
            why=why,
        )

    def finished(self, lang: str) -> list[TracedCall]:
        self.tracked.clear()
        return [
            TracedCall(
                name=d.name,
                module=type(d.module).__name__,
                index=d.index,
                config=d.spec.config.keywords(),
                fed=d.fed,
                spec=d.spec,
                returned=d.returned,
                uses=tuple(d.uses),
            )
            for d in self.calls
        ]


class _Follower(TorchFunctionMode):
    """Sees every torch function the model calls; follows those that take a traced tensor."""

    def __init__(self, recorder: _Recorder) -> None:
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
            recorder.follow(func, args, kwargs, result, operands)
        return result


def _mismatch(name: str, module: nn.Module, tracked: _Tracked) -> str | None:
    """A module with ``in_features`` (Linear and its kin) fed a traced tensor of another width."""
    expects = getattr(module, "in_features", None)
    shape = tuple(tracked.tensor.shape)
    if not isinstance(expects, int) or not shape or shape[-1] == expects:
        return None
    return _("{name} expects {expects} features; {expression} has {features}").format(
        name=name, expects=expects, expression=tracked.expression, features=shape[-1]
    )
