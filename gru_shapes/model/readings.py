"""Which slice of which tensor was taken -> what it holds, and its pitfall, in words.

The final-state idioms' vocabulary, applied to the labels :mod:`gru_shapes.model.follow` carries: ``h_n[-1]``
of a bidirectional module is the last layer's backward state only; ``output[:, -1]`` pairs the forward
final state with a backward state after one step; in a padded batch it is padding for every shorter
sequence. Plain Python, no torch.

>>> from gru_shapes.model.follow import Context, select
>>> state = Context("GRU", num_layers=2, directions=2, h_size=32, batch=3, steps=5).h_n()
>>> describe(select(state, 0, -1)).pitfall
'backward direction only — the forward final state is h_n[-2]'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gru_shapes.i18n import _
from gru_shapes.model.follow import Context, Labels, Meaning, elements, single
from gru_shapes.model.idioms import classify
from gru_shapes.model.spec import Spec


@dataclass(frozen=True)
class Reading:
    """What a slice holds, in words, and the pitfall a reader would fall into (or None)."""

    holds: str
    pitfall: str | None
    counted: bool = False  # the pitfall counts what this run holds (padding for 2 of 3 sequences)


def describe(meaning: Meaning, expression: str | None = None, spec: Spec | None = None) -> Reading:
    """What ``meaning`` holds in words, and its pitfall: the language of the final-state idioms.

    When ``expression`` is one of the idioms of ``spec`` (:func:`gru_shapes.idioms.classify`), its
    words are the idiom's, unless this run's labels give a more precise pitfall (how many
    sequences are padding).

    >>> from gru_shapes.model.follow import select
    >>> padded = Context("GRU", h_size=4, batch=3, steps=5, lengths=(5, 2, 3), batch_first=True).output()
    >>> describe(select(padded, 1, -1)).pitfall
    'padding for 2 of 3 sequences: their real ends are earlier; take output[torch.arange(3), lengths - 1]'
    """
    own = _read(meaning)
    idiom = classify(spec, expression) if expression is not None and spec is not None else None
    if idiom is None:
        return own
    pitfall = own.pitfall if own.counted else idiom.pitfall or own.pitfall
    return Reading(idiom.holds, pitfall, own.counted)


def _read(meaning: Meaning) -> Reading:
    if meaning.mixed:
        return Reading(_("no longer one layer, direction or sequence per index"), meaning.mixed)
    found = elements(meaning)
    if found is None:
        return Reading(_("a slice too large to label"), None)
    context = meaning.context
    if any("slot" in e for e in found) or meaning.source in ("h_n", "c_n"):
        return _state_reading(meaning, found)
    if context.is_cell:
        return Reading(_cell_words(meaning.source, found, context), None)
    return _output_reading(meaning, found)


def _state_reading(meaning: Meaning, found: list[Labels]) -> Reading:
    context = meaning.context
    d, last = context.directions, context.num_layers - 1
    slots: set[tuple[int, int]] = set().union(*(e.get("slot", frozenset()) for e in found))
    everything = {(layer, k) for layer in range(context.num_layers) for k in range(d)}
    batch = _batch_words(found, context)
    if slots == everything:
        holds = _("every layer and direction: the whole final state")
    else:
        holds = "; ".join(
            _slot_words(layer, {k for lay, k in slots if lay == layer}, d)
            for layer in sorted({s[0] for s in slots})
        )
    holds += batch
    pitfall = None
    name = meaning.source
    if d == 2 and slots and slots <= {(last, 1)}:
        pitfall = _("backward direction only — the forward final state is {name}[-2]").format(name=name)
    elif context.num_layers > 1 and slots and all(layer != last for layer, _k in slots):
        pitfall = _("not the last layer: the last layer's final state is {name}[{index}]").format(
            name=name, index="-2:" if d == 2 else -1
        )
    return Reading(holds, pitfall)


def _slot_words(layer: int, directions: set[int], d: int) -> str:
    if d == 1:
        return _("layer {layer}").format(layer=layer)
    if directions == {0, 1}:
        return _("layer {layer}, both directions").format(layer=layer)
    if directions == {1}:
        return _("layer {layer}, backward direction only").format(layer=layer)
    return _("layer {layer}, forward direction only").format(layer=layer)


def _batch_words(found: list[Labels], context: Context) -> str:
    sequences = set().union(*(e.get("b", frozenset()) for e in found))
    if context.unbatched or not sequences or len(sequences) == context.batch:
        return ""
    return _(" (sequences {sequences} of {count})").format(sequences=sorted(sequences), count=context.batch)


def _cell_words(source: str, found: list[Labels], context: Context) -> str:
    words = _("the next cell state") if source.startswith("c") else _("the next hidden state")
    return words + _batch_words(found, context)


def _output_reading(meaning: Meaning, found: list[Labels]) -> Reading:
    context = meaning.context
    d, h = context.directions, context.h_size
    steps = set().union(*(e.get("t", frozenset()) for e in found))
    directions = set().union(*(e.get("dir", frozenset()) for e in found)) or {0}
    padded: set[int] = set()
    stale: set[int] = set()  # directions that have seen one step only where they are taken
    at_ends = True
    # Pitfalls are about taking one step per sequence; every step at once (a tagger) is fine.
    per_sequence: dict[Any, set[Any]] = {}
    for e in found:
        per_sequence.setdefault(single(e, "b"), set()).update(e.get("t", frozenset({None, -1})))
    if not all(len(steps_of) == 1 for steps_of in per_sequence.values()):
        found = []
        at_ends = False
    for e in found:
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
    which = (
        _("forward and backward h_t")
        if directions == {0, 1} and d == 2
        else _("forward h_t")
        if d == 2 and directions == {0}
        else _("backward h_t")
        if d == 2
        else "h_t"
    )
    if len(steps) == 1:
        where = _("at step {step}").format(step=next(iter(steps)))
    elif at_ends and steps and not padded:
        where = _("at each sequence's last real step")
    elif len(steps) == context.steps:
        where = _("at every step")
    else:
        where = _("at steps {steps}").format(steps=sorted(steps))
    holds = _("{which} of the last layer {where}").format(which=which, where=where) + _batch_words(
        found, context
    )
    pitfall = None
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
    elif 1 in stale:
        first = (
            "output[:, 0, {h}:]" if context.batch_first and not context.unbatched else "output[0, ..., {h}:]"
        )
        pitfall = _(
            "its backward half has seen one step only: the backward final state is at step 0, {first}"
        ).format(first=first.format(h=h))
    elif 0 in stale and 0 in directions and len(steps) == 1:
        pitfall = _("its forward half has seen one step only: the forward final state is at the last step")
    return Reading(holds, pitfall, counted=bool(padded))
