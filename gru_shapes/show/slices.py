"""The named slices of a report (``h_n[1]``, ``output[:, -1]``, each idiom and hand-off recipe) and
the cells of the unrolled network each one holds: what the page links, both ways.

One source of truth: ``h_n``'s dim 0 is labelled from the shape model's state slots (the index map's
rows), a final state sits at :func:`~gru_shapes.show.diagram.final_step` (where the drawing writes
``h_n[i]``), and every expression is read with :mod:`gru_shapes.show.symbolic` on those labels, never
by a formula of its own. No torch: the tests compare these cells with torch's tensors.

>>> from gru_shapes.run.pipeline import report_for
>>> from gru_shapes.model.spec import make_spec
>>> found = {s.expression: s.cells for s in named(report_for(make_spec(layers=2, bidirectional=True, dry_run=True)))}
>>> found["h_n[1]"], found["output[:, -1]"]
(((0, 1, 0),), ((1, 0, 34), (1, 1, 34)))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast, overload

from gru_shapes.i18n import _
from gru_shapes.model.follow import Axis, Context, Meaning, elements
from gru_shapes.model.handoff import TITLES
from gru_shapes.model.idioms import idioms
from gru_shapes.model.readings import describe
from gru_shapes.model.shapes import DIRECTIONS
from gru_shapes.report import Report
from gru_shapes.show import diagram
from gru_shapes.show.symbolic import TORCH, Linear, Unreadable, read

# (layer, direction, step), or (layer, direction, step, sequence) for a packed batch, whose
# sequences are drawn one grid each; direction is 0 forward, 1 backward, as in h_n.view(L, D, ...).
CellRef = tuple[int, ...]

# The final states a prose line may mention: linked when the page knows them.
MENTION = re.compile(r"(?<![\w.\]])(?:h_n|c_n)\[-?\d+\]")
# A slice holding more cells than this is not linked: its labels would take seconds to follow, for a
# drawing that shows a few steps at each end (the halves of output over 100,000 steps, or h_n[0] of
# 5,000 sequences); the reading stays under a fifth of a second.
MOST_CELLS = 2_000


@dataclass(frozen=True)
class Slice:
    """A named slice: its Python text, the cells it holds, what it holds in words and its pitfall,
    and the chip group it is offered in above the diagram ("" for none: reached from the text)."""

    expression: str
    cells: tuple[CellRef, ...]
    holds: str = ""
    pitfall: str | None = None
    group: str = ""


def named(report: Report, mentioned: Iterable[str] = ()) -> tuple[Slice, ...]:
    """Every slice the page links, in chip order, each once; ``mentioned`` adds expressions the
    page's text names. A slice the drawing cannot show (no cell at all, or a layer the shape model
    leaves out of a tall stack) is left out."""
    spec = report.spec
    config = spec.config
    found: dict[str, Slice] = {}
    names = _names(report) if not config.is_cell else {}

    def add(expression: str, group: str, holds: str | None = None) -> None:
        if expression in found:
            return
        piece = _slice(report, names, expression, group, holds)
        if piece is not None:
            found[expression] = piece

    if config.is_cell:
        for key in ("h_1", "c_1")[: 1 + (config.family == "LSTM")]:
            found[key] = Slice(key, ((0, 0, 0),), _("the next state"), None, "step")
        return tuple(found.values())
    states = ("h_n", "c_n") if config.family == "LSTM" else ("h_n",)
    for key in states:
        for slot in report.prediction.state_slots:
            add(f"{key}[{slot.index}]", key)
    for expression in _output_slices(report):
        add(expression, "output")
    for idiom in idioms(spec):
        add(idiom.expression, "idioms")
    for row in report.handoff or ():
        add(row.expression, "", _(TITLES[row.name]))
    for expression in mentioned:
        add(expression, "")
    return tuple(found.values())


def mentions(text: str) -> list[str]:
    """The final states ``text`` names, e.g. in a pitfall.

    >>> mentions("of a bidirectional module this is the last layer's backward state only; the forward one is h_n[-2]")
    ['h_n[-2]']
    """
    return MENTION.findall(text)


def _output_slices(report: Report) -> list[str]:
    """``output`` at its first and last step, its direction halves, and each drawn sequence's end."""
    spec = report.spec
    config = spec.config
    step = "output[:, {t}]" if config.batch_first and not spec.unbatched else "output[{t}]"
    found = [step.format(t=0), step.format(t=-1)]
    if config.bidirectional:
        found += [f"output[..., :{config.h_size}]", f"output[..., {config.h_size}:]"]
    end = "output[{b}, {t}]" if config.batch_first else "output[{t}, {b}]"
    found += [
        end.format(b=b, t=length - 1) for b, length in enumerate((spec.lengths or ())[: diagram.MAX_GRIDS])
    ]
    return found


def _slice(
    report: Report, names: dict[str, Any], expression: str, group: str, holds: str | None
) -> Slice | None:
    try:
        meanings = read(expression, names)
        if sum(_most(meaning) for meaning in meanings) > MOST_CELLS:
            return None
        cells = sorted({cell for meaning in meanings for cell in _cells(report, meaning)})
    except Unreadable:
        return None
    if not cells:
        return None
    pitfall = None
    if holds is None:
        reading = describe(meanings[0], expression, report.spec)
        holds, pitfall = reading.holds, reading.pitfall
    return Slice(expression, tuple(cells), holds, pitfall, group)


def _names(report: Report) -> dict[str, Any]:
    """The tensors and names an expression may use, with what each index of their dims holds."""
    spec = report.spec
    config = spec.config
    context = Context(
        config.family,
        num_layers=config.num_layers,
        directions=config.num_directions,
        h_size=config.h_size,
        batch=spec.batch_size,
        steps=max(spec.lengths) if spec.lengths else spec.seq_len,
        lengths=spec.lengths,
        batch_first=config.batch_first,
        unbatched=spec.unbatched,
    )
    # dim 0 of h_n from the state slots; a layer the shape model leaves out holds nothing known.
    labels: list[dict[str, frozenset[Any]]] = [{} for _i in range(config.num_layers * config.num_directions)]
    for slot in report.prediction.state_slots:
        labels[slot.index] = {"slot": frozenset({(slot.layer, DIRECTIONS.index(slot.direction))})}
    slots = Axis(len(labels), tuple(labels))

    def state(key: str, features: int) -> Meaning:
        made = context.h_n(key, features)
        return replace(made, axes=(slots, *made.axes[1:]))

    names: dict[str, Any] = {
        "output": _output(context),
        "h_n": state("h_n", config.h_size),
        "torch": TORCH,
        "B": spec.batch_size,
        "lengths": tuple(spec.lengths or ()),
    }
    if config.family == "LSTM":
        names["c_n"] = state("c_n", config.hidden_size)
    decoder = report.handoff[0] if report.handoff else None
    if decoder is not None:
        features = int(decoder.shape[-1])
        names |= {"bridge": Linear(features), "bridge_c": Linear(features)}
    return names


class _Steps(Sequence[dict[str, frozenset[Any]]]):
    """The labels of ``output``'s time dim, each made when asked for: a million steps cost nothing
    until an expression keeps the whole dim, and then :data:`MOST_CELLS` stops it."""

    def __init__(self, steps: int) -> None:
        self.steps = steps

    def __len__(self) -> int:
        return self.steps

    @overload
    def __getitem__(self, index: int) -> dict[str, frozenset[Any]]: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[dict[str, frozenset[Any]], ...]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(self.steps)[index])
        if not -self.steps <= index < self.steps:
            raise IndexError(index)
        return {"t": frozenset({index % self.steps})}


def _output(context: Context) -> Meaning:
    """``output`` in its layout (follow's), its time dim labelled lazily."""
    made = replace(context, steps=1).output()
    steps = Axis(context.steps, cast(Any, _Steps(context.steps)))
    axes = tuple(steps if any("t" in labels for labels in a.labels or ()) else a for a in made.axes)
    return replace(made, context=context, axes=axes)


def _most(meaning: Meaning) -> int:
    """At most how many distinct elements ``meaning`` has, counted without listing them."""
    count = 1
    for axis in meaning.axes:
        if axis.size > MOST_CELLS:
            count *= axis.size
        elif axis.labels and any(axis.labels):
            count *= len(
                {tuple(sorted((k, tuple(sorted(v))) for k, v in labels.items())) for labels in axis.labels}
            )
    return count


def _cells(report: Report, meaning: Meaning) -> set[CellRef]:
    """The cells of the unrolled network that ``meaning``'s elements hold."""
    spec = report.spec
    config = spec.config
    found = elements(meaning)
    if found is None:
        raise Unreadable("too many elements to label")
    lengths = spec.lengths or (spec.seq_len,) * spec.batch_size
    everyone = frozenset(range(len(lengths)))
    both = frozenset(range(config.num_directions))
    top = config.num_layers - 1
    cells: set[CellRef] = set()
    for labels in found:
        sequences = labels.get("b", everyone)
        if "slot" in labels:
            for layer, direction in labels["slot"]:
                for b in sequences:
                    step = diagram.final_step(DIRECTIONS[direction], lengths[b])
                    cells.add((layer, direction, step, b))
        elif meaning.source in ("h_n", "c_n"):
            raise Unreadable("a final state of a layer the drawing leaves out")
        else:
            steps = labels["t"] if "t" in labels else range(max(lengths, default=0))
            directions = labels.get("dir", both)
            cells |= {
                (top, direction, t, b)
                for b in sequences
                for t in steps
                if t < lengths[b]  # past a sequence's end, output is padding
                for direction in directions
            }
    return cells if spec.lengths else {cell[:3] for cell in cells}
