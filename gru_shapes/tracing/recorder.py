"""The state of one traced forward pass: forward hooks on every recurrent module record each call
(what was passed, what came back), every tensor followed from its results, the uses the model made of
them (:mod:`gru_shapes.tracing.uses`), and where the forward failed
(:mod:`gru_shapes.tracing.failure`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from gru_shapes.i18n import _
from gru_shapes.model import readings
from gru_shapes.model.follow import Axis, Meaning
from gru_shapes.model.regroup import mix_features
from gru_shapes.tracing import calls, failure, padding, rows, state
from gru_shapes.tracing.traced import TracedCall, Use
from gru_shapes.tracing.tracked import Draft, Frame, Tracked

RECURRENT = (nn.RNNBase, nn.RNNCellBase)


class Recorder:
    """The state of one traced forward pass."""

    def __init__(self, model: nn.Module, given: Sequence[Any] = ()) -> None:
        self.model = model
        self.names = {id(module): name or "model" for name, module in model.named_modules()}
        self.calls: list[Draft] = []
        self.tracked: dict[int, Tracked] = {}
        self.counts: dict[str, int] = {}
        # Inside a recurrent module, or a leaf module fed a traced tensor: its own torch calls are
        # not the model's operations.
        self.depth = 0
        self.frames: list[Frame] = []
        self.failure: Any = None  # a failure.Failure, the last operation that raised
        self.running: list[Draft] = []  # recurrent calls entered and not yet returned
        self.internal: str | None = None  # the tracer's own error, if one happened
        self.evidence = padding.Evidence()
        self.evidence.given(given)
        self.graph_start = state.probe()
        # Tensors that are not recurrent results, by id, with a name: a recurrent layer's input, a
        # module's output (weakly held: they are not kept alive for this).
        self._plain: weakref.WeakValueDictionary[int, torch.Tensor] = weakref.WeakValueDictionary()
        self._plain_names: dict[int, tuple[str, str]] = {}

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

    @contextmanager
    def own_work(self) -> Iterator[None]:
        """The tracer's own work inside a hook: its torch calls are not the model's, so not followed,
        and an error of its own stops the following, never the model."""
        self.depth += 1
        try:
            with self.guarded():
                yield
        finally:
            self.depth -= 1

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """Run the tracer's own code: an exception there is the tracer's, kept as a note (the
        uses past it are missing), and the model's forward goes on."""
        try:
            yield
        except Exception as error:  # the tracer's own failure must not become the model's
            if self.internal is None:
                self.internal = f"{type(error).__name__}: {error}"

    def _before_recurrent(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        x = args[0] if args else kwargs.get("input")
        hx = args[1] if len(args) > 1 else kwargs.get("hx")
        name = self.names.get(id(module), type(module).__name__)
        index = self.counts.get(name, 0)
        self.counts[name] = index + 1
        fed = calls.fed_of(x, hx)
        draft = Draft(name, module, index, len(self.calls), fed, calls.spec_of(module, fed))
        handed = [t for t in calls.tensors_in((x, hx)) if id(t) in self.tracked]
        self.calls.append(draft)
        self.running.append(draft)
        self.frames.append(Frame(name, module, self.tracked.get(id(handed[0])) if handed else None, True))
        outermost = not self.depth
        with self.own_work():
            self._entering(draft, x, hx, handed, outermost)
        self.depth += 1

    def _entering(self, draft: Draft, x: Any, hx: Any, handed: list[torch.Tensor], outermost: bool) -> None:
        """What the call was given: padding seen in it, traced tensors handed to it, a state carried
        in with its graph."""
        module = draft.module
        if draft.fed.kind == "tensor" and isinstance(module, nn.RNNBase) and outermost:
            draft.padded = padding.unpacked_lengths(x, bool(module.batch_first), self.evidence)
        for tensor in handed:
            as_input = tensor is x or (isinstance(x, PackedSequence) and tensor is x.data)
            rows.hand_off(self, draft, self.tracked[id(tensor)], as_input)
        if outermost:
            rows.carried(self, draft, hx)
        if isinstance(x, torch.Tensor) and id(x) not in self.tracked:
            self.name_plain(x, f"<{draft.name} input>", _("{name}'s input").format(name=draft.name))

    def _after_recurrent(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        frame = self.frames.pop()
        self.depth -= 1
        draft = self.running.pop()
        if output is None:
            failure.module_failed(self, frame)
            return
        with self.own_work():
            self._returned(draft, output)

    def _before_leaf(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if isinstance(module, nn.Embedding) and not self.depth and args:
            with self.own_work():
                self.evidence.embedded(module, args[0])
        traced = [t for t in calls.tensors_in((args, tuple(kwargs.values()))) if id(t) in self.tracked]
        if not traced or self.depth:
            self.frames.append(Frame(self.names.get(id(module), type(module).__name__), module, None, False))
            return
        tracked = self.tracked[id(traced[0])]
        name = self.names.get(id(module), type(module).__name__)
        with self.own_work():
            rows.use_in_module(self, name, module, tracked)
        self.frames.append(Frame(name, module, tracked, True))
        self.depth += 1

    def _after_leaf(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        frame = self.frames.pop()
        if not frame.counted:
            if not self.depth and isinstance(output, torch.Tensor) and id(output) not in self.tracked:
                name = self.names.get(id(module), type(module).__name__)
                self.name_plain(output, f"{name}(…)", f"{name}(…)")
            return
        self.depth -= 1
        if output is None:
            failure.module_failed(self, frame)
        elif isinstance(output, torch.Tensor) and output.is_floating_point() and frame.tracked is not None:
            with self.own_work():
                self._module_output(frame, output)

    def _module_output(self, frame: Frame, output: torch.Tensor) -> None:
        """Follow a module's output: a map over the features (Linear) keeps the other dims' labels;
        a module that keeps the shape (dropout, an activation) keeps them all."""
        source = frame.tracked
        assert source is not None
        module, name = frame.module, frame.name
        meaning = source.meaning
        expression = f"{name}({source.expression})"
        qualified = f"{name}({source.qualified})"
        if meaning is not None:
            features = getattr(module, "in_features", None) is not None or isinstance(module, nn.LayerNorm)
            same_rows = output.dim() == len(meaning.shape) and output.shape[:-1] == source.tensor.shape[:-1]
            if features and same_rows:
                meaning = mix_features(meaning, int(output.shape[-1]), name)
            elif tuple(output.shape) != meaning.shape:
                meaning = None
        self.track(
            output,
            meaning,
            expression,
            source.call,
            source.steps + 1,
            calls=source.calls,
            qualified=qualified,
            taint=source.taint,
            parent=source,
            replay=module,
            holds=source.holds or self.read(source).holds,
            quiet=True,
        )

    # What came back -------------------------------------------------------------------------

    def _returned(self, draft: Draft, output: Any) -> None:
        module = draft.module
        context = calls.context_of(module, draft.fed, draft.padded)
        if isinstance(module, nn.RNNCellBase):
            states = output if isinstance(output, tuple) else (output,)
            for key, tensor in zip(("h_1", "c_1"), states, strict=False):
                draft.returned[key] = tuple(tensor.shape)
                self.root(draft, tensor, context.cell_state(key, tensor.shape[-1]), key)
            return
        sequence, states_out = output
        states = states_out if isinstance(states_out, tuple) else (states_out,)
        if isinstance(sequence, PackedSequence):
            draft.returned["packed_output"] = tuple(sequence.data.shape)
            order = (
                sequence.sorted_indices.tolist()
                if sequence.sorted_indices is not None
                else range(context.batch)
            )
            draft.order = list(order)
            draft.reordered = sequence.unsorted_indices is not None
            self.root(draft, sequence.data, context.packed_data(draft.order), "packed_output.data")
        else:
            draft.returned["output"] = tuple(sequence.shape)
            self.root(draft, sequence, context.output(), "output")
        for key, tensor in zip(("h_n", "c_n"), states, strict=False):
            draft.returned[key] = tuple(tensor.shape)
            self.root(draft, tensor, context.h_n(key, tensor.shape[-1]), key)

    def root(self, draft: Draft, tensor: torch.Tensor, meaning: Meaning, expression: str) -> Tracked:
        """A result as the call returned it."""
        return self.track(
            tensor,
            meaning,
            expression,
            draft.position,
            0,
            calls=frozenset({draft.position}),
            qualified=f"{draft.label} → {expression}",
        )

    def track(
        self,
        tensor: torch.Tensor,
        meaning: Meaning | None,
        expression: str,
        call: int,
        steps: int,
        **extra: Any,
    ) -> Tracked:
        if meaning is not None and meaning.shape != tuple(tensor.shape):
            # A layout the labels do not know: keep the shape only.
            meaning = Meaning(meaning.source, meaning.context, tuple(Axis(s) for s in tensor.shape))
        extra.setdefault("calls", frozenset({call}))
        extra.setdefault("qualified", expression)
        tracked = Tracked(tensor, meaning, expression, call, steps, **extra)
        self.tracked[id(tensor)] = tracked
        return tracked

    def read(self, tracked: Tracked) -> readings.Reading:
        if tracked.meaning is None:
            return readings.Reading(tracked.holds or _("computed from a recurrent result"), None)
        return readings.describe(tracked.meaning, tracked.expression, self.calls[tracked.call].spec)

    def name_plain(self, tensor: torch.Tensor, code: str, words: str) -> None:
        """Name a tensor that is not a recurrent result, for the expressions and words that show it."""
        try:
            self._plain[id(tensor)] = tensor
        except TypeError:  # pragma: no cover - a tensor subclass without weak references
            return
        self._plain_names[id(tensor)] = (code, words)

    def plain_name(self, tensor: Any) -> tuple[str, str] | None:
        """The name given to ``tensor`` (code, words), if it still is that tensor."""
        if not isinstance(tensor, torch.Tensor) or self._plain.get(id(tensor)) is not tensor:
            return None
        return self._plain_names.get(id(tensor))

    # Uses -----------------------------------------------------------------------------------

    def use(self, call: int, use: Use) -> None:
        self.calls[call].uses.add(use)

    def operands(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Tracked]:
        return [
            self.tracked[id(t)]
            for t in calls.tensors_in((tuple(args), tuple(kwargs.values())))
            if id(t) in self.tracked
        ]

    def where(self) -> str:
        """The recurrent calls made so far, for a forward stopped on its way."""
        if not self.calls:
            return _("before any recurrent call")
        last = self.running[-1] if self.running else self.calls[-1]
        return _("after {count} recurrent call(s), the last {name} (call {index})").format(
            count=len(self.calls), name=last.name, index=last.index + 1
        )

    def finished(self) -> list[TracedCall]:
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
                uses=tuple(d.uses.rows),
                uses_left_out=d.uses.left_out,
            )
            for d in self.calls
        ]
