"""The unrolled network as a pure model of a drawing: rows per (layer, direction), columns per step.

No torch and no rendering library. Which cell holds ``h_n[i]`` comes from the shape model's state
slots (the index map's rows), so the picture and the tables cannot disagree; the terminal, SVG and
Markdown drawings all draw this one model.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from gru_shapes.i18n import _
from gru_shapes.report import Report

EDGE = 2  # steps drawn at each end of a long sequence; the middle is elided
NARROW_EDGE = 1  # for a screen too narrow for EDGE steps a side
MAX_GRIDS = 4  # sequences of a packed batch drawn one grid each; the rest are counted


@dataclass(frozen=True)
class Cell:
    """One step of one (layer, direction): whether its h_t is part of ``output``, and the final
    states taken from it (``h_n[i]``, ``c_n[i]``; for a cell ``h_1``, ``c_1``)."""

    step: int
    output: bool
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    layer: int
    direction: str  # "forward" reads left to right, "backward" right to left
    label: str  # e.g. "layer 1 ←", in the language in force
    start: tuple[str, ...]  # the initial states that enter at the reading start, e.g. ("h_0[3]",)
    cells: tuple[Cell | None, ...]  # one per column; None in the column of elided steps


@dataclass(frozen=True)
class Grid:
    """The network unrolled over one sequence (or over the whole batch, when all share a length)."""

    title: str
    steps: tuple[int | None, ...]  # the columns: a step, or None for the elided middle
    rows: tuple[Row, ...]  # the top layer first, forward before backward
    timed: bool = True  # steps numbered above the columns; a cell's one step has no time axis


@dataclass(frozen=True)
class Unrolled:
    grids: tuple[Grid, ...]
    hidden: int  # sequences of a packed batch left undrawn


def columns(length: int, edge: int = EDGE) -> tuple[int | None, ...]:
    """The steps drawn for a sequence of ``length``: all of a short one, else ``edge`` steps at
    each end around the elided middle.

    >>> columns(4), columns(35), columns(35, edge=1)
    ((0, 1, 2, 3), (0, 1, None, 33, 34), (0, None, 34))
    """
    if length <= 2 * edge + 1:
        return tuple(range(length))
    return (*range(edge), None, *range(length - edge, length))


def final_step(direction: str, length: int) -> int:
    """Where a direction's final state (``h_n[i]``) is taken in a sequence of ``length``: its last
    step, the end going forward and step 0 going backward. The drawing and the page's linked slices
    both place it here.

    >>> final_step("forward", 35), final_step("backward", 35)
    (34, 0)
    """
    return length - 1 if direction == "forward" else 0


def unrolled(report: Report, edge: int = EDGE) -> Unrolled:
    """The drawing of ``report``'s module, unrolled over its sequence(s).

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> grid = unrolled(report_for(make_spec(layers=2, bidirectional=True, dry_run=True))).grids[0]
    >>> [(row.label, [c.labels for c in row.cells if c and c.labels]) for row in grid.rows]
    [('layer 1 →', [('h_n[2]',)]), ('layer 1 ←', [('h_n[3]',)]), ('layer 0 →', [('h_n[0]',)]), ('layer 0 ←', [('h_n[1]',)])]
    """
    spec = report.spec
    config = spec.config
    lstm = config.family == "LSTM"
    if config.is_cell:
        cell = Cell(0, False, ("h_1", "c_1")[: 1 + lstm])
        row = Row(0, "forward", _("one step"), ("h_0", "c_0")[: 1 + lstm], (cell,))
        return Unrolled((Grid("", (0,), (row,), timed=False),), 0)
    if spec.lengths:
        shown = spec.lengths[:MAX_GRIDS]
        grids = tuple(
            _grid(report, length, _sequence_title(b, length, spec.seq_len), edge)
            for b, length in enumerate(shown)
        )
        return Unrolled(grids, len(spec.lengths) - len(shown))
    return Unrolled((_grid(report, spec.seq_len, "", edge),), 0)


def _sequence_title(b: int, length: int, longest: int) -> str:
    title = _("sequence b = {b}, lengths[{b}] = {length}").format(b=b, length=length)
    if length == longest:
        return title
    # Its ragged end: the padded output goes on to the longest sequence's length, in zeros.
    padding = _("steps {first} to {last} are padding: zeros in output").format(first=length, last=longest - 1)
    return f"{title}; {padding}"


def _grid(report: Report, length: int, title: str, edge: int) -> Grid:
    config = report.spec.config
    lstm = config.family == "LSTM"
    top = config.num_layers - 1
    steps = columns(length, edge)
    slots = sorted(report.prediction.state_slots, key=lambda s: (-s.layer, s.direction != "forward"))
    rows = []
    for slot in slots:
        final = final_step(slot.direction, length)
        labels = (f"h_n[{slot.index}]", f"c_n[{slot.index}]")[: 1 + lstm]
        cells = tuple(
            None if step is None else Cell(step, slot.layer == top, labels if step == final else ())
            for step in steps
        )
        arrow = "→" if slot.direction == "forward" else "←"
        label = _("layer {layer} {arrow}").format(layer=slot.layer, arrow=arrow)
        start = (f"h_0[{slot.index}]", f"c_0[{slot.index}]")[: 1 + lstm]
        rows.append(Row(slot.layer, slot.direction, label, start, cells))
    return Grid(title, steps, tuple(rows))


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for wide (e.g. Hangul) characters.

    >>> width("h_n[0]"), width("층 0")
    (6, 4)
    """
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )
