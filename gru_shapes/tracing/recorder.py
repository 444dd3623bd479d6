"""The state of one traced forward pass: forward hooks on every recurrent module record each call
(what was passed, what came back), every tensor followed from its results, the uses the model made of
them, and where the forward failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from gru_shapes.i18n import _
from gru_shapes.model import readings
from gru_shapes.model.follow import Axis, Meaning
from gru_shapes.model.spec import Spec
from gru_shapes.tracing import calls
from gru_shapes.tracing.traced import Fed, TracedCall, TraceError, Use

RECURRENT = (nn.RNNBase, nn.RNNCellBase)
# Uses recorded per call: a loop over a call's result is summarised by its first uses.
MOST_USES = 16


@dataclass
class Tracked:
    tensor: torch.Tensor  # kept alive so that its id is not reused while the forward runs
    meaning: Meaning
    expression: str
    call: int
    steps: int
    internal: bool = False  # pad_packed_sequence's own reordering follows: no use of its own


@dataclass(eq=False)
class Draft:
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
class Failure:
    consumer: str
    tracked: Tracked | None
    note: str | None = None


class Recorder:
    """The state of one traced forward pass."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.names = {id(module): name or "model" for name, module in model.named_modules()}
        self.calls: list[Draft] = []
        self.tracked: dict[int, Tracked] = {}
        self.counts: dict[str, int] = {}
        # Inside a recurrent module, or a leaf module fed a traced tensor: its own torch calls are
        # not the model's operations.
        self.depth = 0
        self.frames: list[tuple[str, nn.Module, Tracked | None, bool]] = []
        self.failure: Failure | None = None
        self.running: list[Draft] = []  # recurrent calls entered and not yet returned

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
        draft = Draft(name, module, index, len(self.calls), fed, calls.spec_of(module, fed))
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

    def _returned(self, draft: Draft, output: Any) -> None:
        module, call = draft.module, draft.position
        context = calls.context_of(module, draft.fed)
        if isinstance(module, nn.RNNCellBase):
            states = output if isinstance(output, tuple) else (output,)
            for key, state in zip(("h_1", "c_1"), states, strict=False):
                draft.returned[key] = tuple(state.shape)
                self.track(state, context.cell_state(key, state.shape[-1]), key, call, 0)
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
            self.track(sequence.data, meaning, "packed_output.data", call, 0)
        else:
            draft.returned["output"] = tuple(sequence.shape)
            self.track(sequence, context.output(), "output", call, 0)
        for key, tensor in zip(("h_n", "c_n"), states, strict=False):
            draft.returned[key] = tuple(tensor.shape)
            features = tensor.shape[-1]
            self.track(tensor, context.h_n(key, features), key, call, 0)

    def track(
        self, tensor: torch.Tensor, meaning: Meaning, expression: str, call: int, steps: int
    ) -> Tracked:
        if meaning.shape != tuple(tensor.shape):  # a layout the labels do not know: keep the shape only
            meaning = Meaning(meaning.source, meaning.context, tuple(Axis(s) for s in tensor.shape))
        tracked = Tracked(tensor, meaning, expression, call, steps)
        self.tracked[id(tensor)] = tracked
        return tracked

    def read(self, tracked: Tracked) -> readings.Reading:
        return readings.describe(tracked.meaning, tracked.expression, self.calls[tracked.call].spec)

    # Uses -----------------------------------------------------------------------------------

    def use(self, call: int, use: Use) -> None:
        uses = self.calls[call].uses
        if len(uses) < MOST_USES and use not in uses:
            uses.append(use)

    def _hand_off(self, draft: Draft, tracked: Tracked, as_input: bool) -> None:
        reading = self.read(tracked)
        role = _("input") if as_input else "hx"
        holds = _("{holds}; passed as {role} to {name}").format(
            holds=reading.holds, role=role, name=draft.name
        )
        pitfall = reading.pitfall or (
            None if as_input else calls.mixed_hand_off(tracked.meaning, draft.module)
        )
        self.use(
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

    def _use_in_module(self, name: str, module: nn.Module, tracked: Tracked) -> None:
        reading = self.read(tracked)
        holds = _("{holds}; into {module}").format(holds=reading.holds, module=calls.describe_module(module))
        pitfall = _mismatch(name, module, tracked) or reading.pitfall
        self.use(
            tracked.call, Use(f"{name}({tracked.expression})", tuple(tracked.tensor.shape), holds, pitfall)
        )

    def operands(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Tracked]:
        return [
            self.tracked[id(t)]
            for t in calls.tensors_in((tuple(args), tuple(kwargs.values())))
            if id(t) in self.tracked
        ]

    # Failure --------------------------------------------------------------------------------

    def failed_op(self, func: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        if self.failure is not None:
            return
        counted = [frame for frame in self.frames if frame[3]]
        if counted:
            name, module, tracked, _c = counted[-1]
            consumer = _("{name} ({module})").format(name=name, module=calls.describe_module(module))
            note = _mismatch(name, module, tracked) if tracked is not None else None
            self.failure = Failure(consumer, tracked, note)
            return
        operands = self.operands(args, kwargs)
        if operands:
            name = getattr(func, "__name__", str(func)).strip("_")
            self.failure = Failure(name, operands[0])

    def _fail(self, consumer: str, tracked: Tracked | None) -> None:
        if self.failure is None:
            self.failure = Failure(consumer, tracked)

    def error(self, raised: BaseException) -> TraceError:
        failure = self.failure
        tracked = failure.tracked if failure else None
        why = None
        if tracked is not None:
            draft = self.calls[tracked.call]
            root = tracked.meaning.source
            reading = self.read(tracked)
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


def _mismatch(name: str, module: nn.Module, tracked: Tracked) -> str | None:
    """A module with ``in_features`` (Linear and its kin) fed a traced tensor of another width."""
    expects = getattr(module, "in_features", None)
    shape = tuple(tracked.tensor.shape)
    if not isinstance(expects, int) or not shape or shape[-1] == expects:
        return None
    return _("{name} expects {expects} features; {expression} has {features}").format(
        name=name, expects=expects, expression=tracked.expression, features=shape[-1]
    )
