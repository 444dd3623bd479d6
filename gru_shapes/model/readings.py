"""Which slice of which tensor was taken -> what it holds, and its pitfall, in words.

The final-state idioms' vocabulary, applied to the labels :mod:`gru_shapes.model.follow` carries: ``h_n[-1]``
of a bidirectional module is the last layer's backward state only; ``output[:, -1]`` pairs the forward
final state with a backward state after one step; in a padded batch it is padding for every shorter
sequence. Each pitfall carries a short rule id (:data:`RULES`). Plain Python, no torch.

>>> from gru_shapes.model.follow import Context, select
>>> state = Context("GRU", num_layers=2, directions=2, h_size=32, batch=3, steps=5).h_n()
>>> describe(select(state, 0, -1)).pitfall
'backward direction only — the forward final state is h_n[-2]'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gru_shapes.i18n import N_, _
from gru_shapes.model import words
from gru_shapes.model.arrangement import arrangement
from gru_shapes.model.follow import Context, Labels, Meaning, elements, single
from gru_shapes.model.idioms import BACKWARD_ONLY, GATHERED_BACKWARD, HALF_A_STEP, PADDING, classify
from gru_shapes.model.regroup import kind_name
from gru_shapes.model.spec import Spec

# The pitfall rules, by id: what each flags. The ids are the JSON contract's ``rule``.
RULES: dict[str, str] = {
    "backward-only": N_("a bidirectional module's last slot alone: the backward direction only"),
    "not-last-layer": N_("a state of a layer below the last"),
    "half-a-step": N_("one step of a bidirectional output: one direction has seen that step only"),
    "padded-last-step": N_("padding read as each sequence's last step or final state"),
    "padding-in-pooling": N_("a max, min, mean or sum over time that takes the padding in"),
    "mixed-view": N_("a view that mixes the layer × direction, batch or time dims"),
    "mixed-hand-off": N_("a bidirectional state handed whole to a one-way module's layers"),
    "width-mismatch": N_("a module fed a tensor whose last dim is not its in_features"),
    "state-not-detached": N_("a state carried from an earlier forward pass with its graph"),
}
_BY_IDIOM = {BACKWARD_ONLY: "backward-only", HALF_A_STEP: "half-a-step", PADDING: "padded-last-step"}
# The reductions a pooling over time is named by.
POOLS = {
    "max": N_("max"),
    "min": N_("min"),
    "mean": N_("mean"),
    "sum": N_("sum"),
    "logsumexp": N_("logsumexp"),
}


@dataclass(frozen=True)
class Reading:
    """What a slice holds, in words, and the pitfall a reader would fall into (or None), with its
    rule id; and the facts the words come from (``slots``, ``sequences``, ``steps``,
    ``directions`` of the output's features: None where the slice does not index that kind)."""

    holds: str
    pitfall: str | None
    counted: bool = False  # the pitfall counts what this run holds (padding for 2 of 3 sequences)
    rule: str | None = None
    slots: frozenset[tuple[int, int]] | None = None
    sequences: frozenset[int] | None = None
    steps: frozenset[int] | None = None
    directions: frozenset[int] | None = None
    # A reduction over time that takes in padding: (the reduction, sequences whose padding it takes).
    pooled_padding: tuple[str, tuple[int, ...]] | None = None
    others: tuple[str, ...] = field(default=())


def describe(meaning: Meaning, expression: str | None = None, spec: Spec | None = None) -> Reading:
    """What ``meaning`` holds in words, and its pitfall: the language of the final-state idioms.

    When ``expression`` is one of the idioms of ``spec`` (:func:`gru_shapes.idioms.classify`), its
    words are the idiom's, unless this run's labels say more (how many sequences are padding, what
    a joined tensor pairs).

    >>> from gru_shapes.model.follow import select
    >>> padded = Context("GRU", h_size=4, batch=3, steps=5, lengths=(5, 2, 3), batch_first=True).output()
    >>> describe(select(padded, 1, -1)).pitfall
    'padding for 2 of 3 sequences: their real ends are earlier; take output[torch.arange(3), lengths - 1]'
    """
    own = _read(meaning)
    idiom = classify(spec, expression) if expression is not None and spec is not None else None
    if idiom is None or own.counted or meaning.context.padded or own.others or meaning.applied:
        return own
    pitfall = idiom.pitfall or own.pitfall
    said = idiom.pitfall or ""
    rule = own.rule or next((r for text, r in _BY_IDIOM.items() if said and _text(text) in said), None)
    if said and _text(GATHERED_BACKWARD) in said:
        rule = rule or "half-a-step"
    return Reading(idiom.holds, pitfall, own.counted, rule if pitfall else None, *_facts(own))


def _text(message: str) -> str:
    return _(message).split("{", 1)[0]


def _facts(reading: Reading) -> tuple[Any, ...]:
    return (reading.slots, reading.sequences, reading.steps, reading.directions, reading.pooled_padding)


def _read(meaning: Meaning) -> Reading:
    if meaning.mixed:
        return Reading(
            _("no longer one layer, direction or sequence per index"), meaning.mixed, rule="mixed-view"
        )
    found = elements(meaning)
    if found is None:
        return Reading(_("a slice too large to label"), None)
    context = meaning.context
    others = tuple(sorted(set().union(*(e.get("other", frozenset()) for e in found))))
    own = [e for e in found if "other" not in e] or found
    if any("slot" in e for e in own) or meaning.source in ("h_n", "c_n"):
        reading = _state_reading(meaning, own)
    elif context.is_cell:
        reading = Reading(words.cell_words(meaning.source, own, context), None, sequences=_sequences(own))
    else:
        reading = _output_reading(meaning, own)
    holds = reading.holds
    if others:
        holds = _("{holds}, beside {others}").format(holds=holds, others=_(" and ").join(others))
    for kind, name in meaning.through:
        if kind == "map":
            holds = _("{map} applied to {holds}").format(map=name, holds=holds)
        else:
            holds = _("the {op} over {kind} of {holds}").format(
                op=_(POOLS.get(kind, kind)), kind=kind_name(name), holds=holds
            )
    return Reading(
        holds,
        reading.pitfall,
        reading.counted,
        reading.rule,
        reading.slots,
        reading.sequences,
        reading.steps,
        reading.directions,
        reading.pooled_padding,
        others,
    )


def _sequences(found: list[Labels]) -> frozenset[int] | None:
    values = set().union(*(e.get("b", frozenset()) for e in found))
    return frozenset(values) if values else None


def _state_reading(meaning: Meaning, found: list[Labels]) -> Reading:
    context = meaning.context
    d, last = context.directions, context.num_layers - 1
    slots: set[tuple[int, int]] = set().union(*(e.get("slot", frozenset()) for e in found))
    everything = {(layer, k) for layer in range(context.num_layers) for k in range(d)}
    batch = words.batch_words(found, context, meaning)
    laid = arrangement(meaning)
    if slots == everything:
        holds = (
            _("every layer and direction: {laid}").format(laid=laid)
            if laid
            else _("every layer and direction: the whole final state")
        )
    else:
        holds = words.slots_words(slots, d)
        if laid:
            holds = f"{holds}: {laid}"
    holds += batch
    pitfall, rule, counted = None, None, False
    name = meaning.source
    sequences = _sequences(found)
    padded = _padded_sequences(context, sequences)
    if padded:
        pitfall = _(
            "{count} of {batch} sequences end in padding and the module ran over it: this state comes after "
            "the padding (a backward direction starts in it); pack the batch: "
            "pack_padded_sequence(x, lengths, enforce_sorted=False)"
        ).format(count=len(padded), batch=context.batch)
        rule, counted = "padded-last-step", True
    elif d == 2 and slots and slots <= {(last, 1)}:
        pitfall = _("backward direction only — the forward final state is {name}[-2]").format(name=name)
        rule = "backward-only"
    elif context.num_layers > 1 and slots and all(layer != last for layer, _k in slots):
        pitfall = _("not the last layer: the last layer's final state is {name}[{index}]").format(
            name=name, index="-2:" if d == 2 else -1
        )
        rule = "not-last-layer"
    return Reading(holds, pitfall, counted, rule, frozenset(slots), sequences)


def _padded_sequences(context: Context, sequences: frozenset[int] | None) -> list[int]:
    """The sequences of an unpacked padded batch (among ``sequences``) that end in padding."""
    if not context.padded or not context.lengths:
        return []
    chosen = sequences if sequences is not None else range(context.batch)
    return [b for b in sorted(chosen) if context.lengths[b] < context.steps]


def _output_reading(meaning: Meaning, found: list[Labels]) -> Reading:
    context = meaning.context
    d, h = context.directions, context.h_size
    steps = set().union(*(e.get("t", frozenset()) for e in found))
    directions = set().union(*(e.get("dir", frozenset()) for e in found)) or {0}
    padded: set[int] = set()
    stale: set[int] = set()  # directions that have seen one step only where they are taken
    at_ends = True
    per_sequence: dict[Any, set[Any]] = {}
    for e in found:
        per_sequence.setdefault(single(e, "b"), set()).update(e.get("t", frozenset({None, -1})))
    one_step_each = all(len(steps_of) == 1 for steps_of in per_sequence.values())
    pooled = _pooled_padding(meaning, found) if not one_step_each else None
    # Pitfalls are about taking one step per sequence; every step at once (a tagger) is fine.
    for e in found if one_step_each else []:
        b, t = single(e, "b"), single(e, "t")
        if t is None:
            at_ends = False
            continue
        b = b if b is not None else 0
        if context.lengths and t >= context.lengths[b]:
            padded.add(b)
            continue
        end = context.end(b)
        at_ends = at_ends and t == end
        for k in e.get("dir", frozenset({0})):
            if k == 1 and t == end and end > 0:
                stale.add(1)
            if k == 0 and t == 0 and end > 0:
                stale.add(0)
    at_ends = at_ends and one_step_each
    which = (
        _("forward and backward h_t")
        if directions == {0, 1} and d == 2
        else _("forward h_t")
        if d == 2 and directions == {0}
        else _("backward h_t")
        if d == 2
        else "h_t"
    )
    if not steps:
        where = ""
    elif len(steps) == 1:
        where = _(" at step {step}").format(step=next(iter(steps)))
    elif at_ends and not padded:
        where = _(" at each sequence's last real step")
    elif len(steps) == context.steps:
        where = _(" at every step")
    else:
        where = _(" at steps {steps}").format(steps=words.steps_words(steps))
    holds = _("{which} of the last layer{where}").format(which=which, where=where) + words.batch_words(
        found, context
    )
    pitfall, rule = None, None
    if padded:
        batch = context.batch
        gather = (
            "output[torch.arange({b}), lengths - 1]"
            if context.batch_first
            else "output[lengths - 1, torch.arange({b})]"
        )
        pitfall = _(
            "padding for {count} of {batch} sequences: their real ends are earlier; take {gather}"
        ).format(count=len(padded), batch=batch, gather=gather.format(b=batch))
        if context.padded:
            pitfall += _(", or pack the batch")
        rule = "padded-last-step"
    elif 1 in stale and d == 2:
        first = (
            "output[:, 0, {h}:]" if context.batch_first and not context.unbatched else "output[0, ..., {h}:]"
        )
        pitfall = _(
            "its backward half has seen one step only: the backward final state is at step 0, {first}"
        ).format(first=first.format(h=h))
        rule = "half-a-step"
    elif 0 in stale and 0 in directions and len(steps) == 1 and d == 2:
        pitfall = _("its forward half has seen one step only: the forward final state is at the last step")
        rule = "half-a-step"
    return Reading(
        holds,
        pitfall,
        counted=bool(padded),
        rule=rule,
        sequences=_sequences(found),
        steps=frozenset(steps) if steps else None,
        directions=frozenset(directions) if d == 2 else None,
        pooled_padding=pooled,
    )


def _pooled_padding(meaning: Meaning, found: list[Labels]) -> tuple[str, tuple[int, ...]] | None:
    """A reduction over time (the last one applied) that took padded steps in, and whose."""
    context = meaning.context
    pools = [op for op, kind in meaning.pooled if kind == "t"]
    if not pools or not context.lengths:
        return None
    sequences = set()
    for e in found:
        b = single(e, "b")
        if b is not None and any(t >= context.lengths[b] for t in e.get("t", ())):
            sequences.add(b)
    return (pools[-1], tuple(sorted(sequences))) if sequences else None
