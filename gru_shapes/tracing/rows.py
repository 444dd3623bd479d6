"""What becomes a row of a call's uses table, and its pitfall: a result handed to a recurrent call or
fed to a module, a state carried in from an earlier forward pass with its graph, and a pitfall that
starts at a use or reaches it from upstream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from torch import nn

from gru_shapes.i18n import _
from gru_shapes.model import readings
from gru_shapes.tracing import calls, state
from gru_shapes.tracing.traced import Use
from gru_shapes.tracing.tracked import Draft, Taint, Tracked

# Rules about which slot a read of the final state takes, not about a state handed on whole.
READS = frozenset({"not-last-layer", "backward-only"})


class Recorder(Protocol):
    """What of :class:`gru_shapes.tracing.recorder.Recorder` the rows need."""

    calls: list[Draft]
    tracked: dict[int, Tracked]
    depth: int
    graph_start: int | None

    def read(self, tracked: Tracked) -> readings.Reading: ...
    def use(self, call: int, use: Use) -> None: ...


def judged(
    recorder: Recorder,
    reading: readings.Reading,
    operands: Sequence[Tracked],
    expression: str,
    carried: frozenset[str] | None = None,
) -> tuple[str | None, str | None, str | None, Taint | None]:
    """A use's pitfall, rule, origin, and the taint it passes on: its own pitfall (started here,
    or continuing one an operand carries under the same rule), else what an operand carries
    (only the rules in ``carried``, when given: labels show the others again by themselves)."""
    if reading.pitfall:
        origin = next((o.taint.origin for o in operands if o.taint and o.taint.rule == reading.rule), None)
        return (
            reading.pitfall,
            reading.rule,
            origin,
            Taint(reading.pitfall, reading.rule, origin or expression),
        )
    upstream = next(
        (o.taint for o in operands if o.taint and (carried is None or o.taint.rule in carried)), None
    )
    if upstream is None:
        return None, None, None, None
    text = _("computed from {origin}: {pitfall}").format(origin=upstream.origin, pitfall=upstream.pitfall)
    return text, upstream.rule, upstream.origin, upstream


def hand_off(recorder: Recorder, draft: Draft, tracked: Tracked, as_input: bool) -> None:
    if tracked.quiet and tracked.taint is None:
        return  # past a module: what it was computed from was listed where it started
    reading = recorder.read(tracked)
    role = _("input") if as_input else "hx"
    holds = _("{holds}; passed as {role} to {name}").format(holds=reading.holds, role=role, name=draft.name)
    expression = (
        f"{draft.name}(…, {tracked.expression})" if not as_input else f"{draft.name}({tracked.expression})"
    )
    pitfall, rule, origin, _taint = judged(recorder, reading, [tracked], expression)
    if not as_input and rule in READS and tracked.taint is not None:
        # A state handed on as hx holds every layer it should: which layer or direction a read of
        # the final state takes is not the question here. What is: how the slots meet the layers.
        recorder.calls[tracked.call].uses.clear_origin(tracked.taint.origin, rule)
        tracked.taint = None
        pitfall = rule = origin = None
    if pitfall is None and not as_input:
        pitfall = calls.mixed_hand_off(tracked.meaning, draft.module) if tracked.meaning else None
        rule = "mixed-hand-off" if pitfall else None
    recorder.use(tracked.call, Use(expression, tuple(tracked.tensor.shape), holds, pitfall, rule, origin))


def use_in_module(recorder: Recorder, name: str, module: nn.Module, tracked: Tracked) -> None:
    reading = recorder.read(tracked)
    expression = f"{name}({tracked.expression})"
    mismatch = mismatch_of(name, module, tracked)
    pitfall, rule, origin, _taint = judged(recorder, reading, [tracked], expression)
    if mismatch is not None:
        pitfall, rule, origin = mismatch, "width-mismatch", None
    if tracked.quiet and pitfall is None:
        return
    holds = _("{holds}; into {module}").format(holds=reading.holds, module=calls.describe_module(module))
    recorder.use(tracked.call, Use(expression, tuple(tracked.tensor.shape), holds, pitfall, rule, origin))


def carried(recorder: Recorder, draft: Draft, hx: Any) -> None:
    """hx computed by an earlier forward pass, with its graph: the state-not-detached rule."""
    if hx is None:
        return
    states = [t for t in calls.tensors_in(hx) if id(t) not in recorder.tracked]
    node = state.carried(states, recorder.graph_start)
    if node is None:
        return
    fix = "tuple(h.detach() for h in hx)" if isinstance(hx, tuple) else "hx.detach()"
    draft.uses.add(
        Use(
            f"{draft.name}(…, hx)",
            tuple(states[0].shape),
            _(
                "hx: a state an earlier forward pass computed, still attached to its graph (grad_fn={node})"
            ).format(node=node),
            _(
                "the state carries the graph of an earlier forward pass: backward() goes through it again "
                '("Trying to backward through the graph a second time") or the graph grows with every batch; '
                "pass {fix}"
            ).format(fix=fix),
            "state-not-detached",
        )
    )


def mismatch_of(name: str, module: nn.Module, tracked: Tracked) -> str | None:
    """A module with ``in_features`` (Linear and its kin) fed a traced tensor of another width."""
    expects = getattr(module, "in_features", None)
    shape = tuple(tracked.tensor.shape)
    if not isinstance(expects, int) or not shape or shape[-1] == expects:
        return None
    return _("{name} expects {expects} features; {expression} has {features}").format(
        name=name, expects=expects, expression=tracked.expression, features=shape[-1]
    )
