"""The report as rich renderables: the terminal's tables, panels, notes and drawings.

Texts come from :mod:`gru_shapes.show.sections`; this module only draws them. Every text is passed as
``Text``, never as markup, so brackets such as ``[32:]`` show as they are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel as RichPanel
from rich.table import Table as RichTable
from rich.text import Text

from gru_shapes.i18n import language
from gru_shapes.report import Report
from gru_shapes.show.diagram import Unrolled
from gru_shapes.show.diagram_text import Line as DrawnLine
from gru_shapes.show.diagram_text import grid_lines
from gru_shapes.show.layout import Drawing, Note, Panel, Section, Table, Tone
from gru_shapes.show.sections import sections
from gru_shapes.show.wrap import units, wrap

# Readable on dark and light backgrounds alike: no yellow (lost on white), no blue (lost on
# black), and bold for red, which many dark themes draw too dark otherwise.
_STYLES: dict[Tone, str] = {
    "plain": "",
    "strong": "bold",
    "good": "bold green",
    "bad": "bold red",
    "notice": "bold magenta",
    "warning": "magenta",
    "code": "bold cyan",
    "dim": "dim",
}


def render(report: Report, show: Iterable[str] | None = None) -> Group:
    """The report's sections, in reading order, as one renderable for ``Console.print``;
    ``show`` names the named sections to draw (by default the default view's)."""
    with language(report.spec.lang):
        return Group(*(draw(section) for section in sections(report, show)))


def text(report: Report, width: int | None, styled: bool, show: Iterable[str] | None = None) -> str:
    """The tables as text for a terminal: styled, or plain (no escape codes at all) for pipes."""
    return printed(render(report, show), width, styled)


def printed(renderable: RenderableType, width: int | None, styled: bool) -> str:
    """Any renderable as terminal text: styled, or plain with no trailing spaces for pipes."""
    console = recording_console(width, "auto" if styled else None)
    console.print(renderable)
    drawn: str = console.file.getvalue()  # type: ignore[attr-defined]
    # rich pads titles and notes to the table's width: nobody wants those spaces in a file.
    return drawn if styled else re.sub(r"[ \t]+$", "", drawn, flags=re.MULTILINE)


def recording_console(width: int | None, color_system: Literal["auto", "truecolor"] | None) -> Console:
    """A console that draws into memory and records, for the caller to write out or export;
    ``None`` for no styles at all."""
    return Console(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=color_system is not None,
        color_system=color_system,
        # In Jupyter rich would display everything it prints as well: the report displays itself once.
        force_jupyter=False,
    )


def draw(section: Section) -> RenderableType:
    """One section as a rich renderable."""
    if isinstance(section, Panel):
        return _panel(section)
    if isinstance(section, Table):
        return _Fitted(section)
    if isinstance(section, Drawing):
        return _drawing(section)
    return _note(section)


def _panel(panel: Panel) -> RichPanel:
    body = _Prose(tuple((line.text, line.label, _STYLES[line.tone]) for line in panel.lines))
    border = _STYLES[panel.tone] or "none"
    return RichPanel(
        body, title=panel.title, title_align="left", expand=panel.tone != "plain", border_style=border
    )


class _Fitted:
    """A table laid out for the width it gets: columns side by side, or, where the longest words
    would not fit, the stacking columns under their neighbours, so that no word is ever cut."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        # Side by side if it fits with formulas and short brackets whole, else with words whole (a
        # formula column never wraps); failing both, stacked the same two ways.
        stackable = any(c.stacks for c in self.table.columns)
        tries = [(False, True), (False, False), (True, True), (True, False)]
        for stacked, whole_units in tries:
            if stacked and not stackable:
                continue
            widths = _layout(self.table, stacked, width, whole_units)
            if widths is not None:
                yield _table(self.table, stacked, widths)
                return
        # Too narrow for a formula whole: it breaks between its terms, like prose.
        squeezed = _layout(self.table, stackable, width, whole_units=False, squeeze=True)
        yield _table(self.table, stackable, squeezed, squeeze=squeezed is not None)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, _table(self.table, stacked=False, widths=None))


def _groups(table: Table, stacked: bool) -> list[list[int]]:
    """For each drawn column, the table's columns it shows (more than one when stacked)."""
    groups: list[list[int]] = []
    for index, column in enumerate(table.columns):
        if stacked and column.stacks and groups:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _header(table: Table, group: list[int]) -> str:
    return " · ".join(table.columns[i].header for i in group if table.columns[i].header)


def _layout(
    table: Table, stacked: bool, width: int, whole_units: bool = True, squeeze: bool = False
) -> list[int] | None:
    """Each drawn column's width within ``width``, none narrower than its longest unit (a word, or
    with ``whole_units`` a formula or short bracket; the whole text of a column that never wraps);
    the wide columns share what is left. None when it cannot fit."""
    groups = _groups(table, stacked)
    least: list[int] = []
    most: list[int] = []
    for group in groups:
        lines = [_header(table, group)] + [row[i] for row in table.rows for i in group]
        pieces = [_header(table, group)] if not whole_units else []
        for index in group:
            cells = [row[index] for row in table.rows]
            if table.columns[index].keep_whole and not (squeeze and not table.columns[index].numeric):
                pieces += cells
            elif whole_units:
                pieces += [unit for cell in cells for unit in units(cell)]
            else:
                pieces += [word for cell in cells for word in cell.split()]
        if whole_units:
            pieces += units(_header(table, group))
        least.append(max((cell_len(p.rstrip()) for p in pieces), default=0))
        most.append(max((cell_len(line) for line in lines), default=0))
    room = width - (3 * len(groups) - 1)  # one space each side of a column, a rule between two
    if sum(least) > room:
        return None
    wide = [i for i, group in enumerate(groups) if table.columns[group[0]].wide]
    widths = [least[i] if i in wide else most[i] for i in range(len(groups))]
    if sum(widths) > room:  # the narrow columns too give up their spare width
        widths = list(least)
    if squeeze:  # a formula keeps as many of its terms together as the others leave room for
        for i, group in enumerate(groups):
            if any(table.columns[c].keep_whole and not table.columns[c].numeric for c in group):
                widths[i] = max(widths[i], min(most[i], room - (sum(widths) - widths[i])))
    spare = room - sum(widths)
    wanted = sum(most[i] - widths[i] for i in wide)
    for i in wide:
        if wanted > 0:
            widths[i] += min(most[i] - widths[i], spare * (most[i] - widths[i]) // wanted)
    return widths


def _table(table: Table, stacked: bool, widths: list[int] | None, squeeze: bool = False) -> RichTable:
    groups = _groups(table, stacked)
    drawn = RichTable(
        title=Text(_broken(table.title, widths, groups), style=_STYLES[table.tone]) if table.title else None,
        title_justify="left",
        caption=Text(_broken(table.caption, widths, groups)) if table.caption else None,
        caption_justify="left",
        box=box.HEAVY_HEAD,
        # No outer frame: two lines less per table, and the columns still line up.
        show_edge=False,
    )
    for index, group in enumerate(groups):
        column = table.columns[group[0]]
        drawn.add_column(
            Text(_header(table, group)),
            justify="right" if column.numeric else "left",
            no_wrap=column.keep_whole,
            width=widths[index] if widths else None,
            # A cell that must stay whole folds onto a second line rather than lose characters.
            overflow="fold",
        )
    for row_index, row in enumerate(table.rows):
        cells = [
            Text(
                "\n".join(
                    _cell_lines(table, row, i, widths[index] if widths else None, squeeze)
                    for i in group
                    if row[i]
                )
            )
            for index, group in enumerate(groups)
        ]
        if table.passed:
            cells[0].stylize("bold green" if table.passed[row_index] else "bold red")
        drawn.add_row(*cells)
    return drawn


def _broken(text: str, widths: list[int] | None, groups: list[list[int]]) -> str:
    """A title or caption broken for the table's width (one space each side of a column, a rule between)."""
    if widths is None:
        return text
    return "\n".join(wrap(text, sum(widths) + 3 * len(groups) - 1))


def _cell_lines(
    table: Table, row: tuple[str, ...], index: int, width: int | None, squeeze: bool = False
) -> str:
    """A cell broken into lines where a reader would break it, for a column of this width."""
    column = table.columns[index]
    if width is None or (column.keep_whole and not (squeeze and not column.numeric)):
        return row[index]
    return "\n".join(wrap(row[index], width))


def _note(note: Note) -> _Prose:
    return _Prose(((note.text, "", _STYLES[note.tone]),))


class _Prose:
    """Lines of text, each with an optional bold label, broken where a reader would break them
    (never inside a formula such as ``num_layers = 2``) at the width they are drawn at."""

    def __init__(self, lines: tuple[tuple[str, str, str], ...]) -> None:
        self.lines = lines  # (text, label, style)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        drawn = Text()
        for index, (line, label, style) in enumerate(self.lines):
            if index:
                drawn.append("\n")
            for number, piece in enumerate(wrap(label + line, options.max_width)):
                if number:
                    drawn.append("\n")
                if number == 0 and label and piece.startswith(label.rstrip()):
                    drawn.append(piece[: len(label)], style="bold")
                    drawn.append(piece[len(label) :], style=style)
                else:
                    drawn.append(piece, style=style)
        yield drawn

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(label + line) for line, label, _style in self.lines), default=0)
        least = max(
            (cell_len(u.rstrip()) for line, label, _s in self.lines for u in units(label + line)), default=0
        )
        return Measurement(min(least, options.max_width), min(widest, options.max_width))


def _drawing(drawing: Drawing) -> _FittedDrawing:
    return _FittedDrawing(drawing)


class _FittedDrawing:
    """The unrolled network in box-drawing characters; heavy borders mark output without colour.
    Each grid keeps its shape and is never wrapped: where it is wider than the screen, the drawing
    with fewer steps at each end is drawn instead. Titles and the legend are prose, and wrap."""

    def __init__(self, drawing: Drawing) -> None:
        self.drawing = drawing

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        drawing = self.drawing
        grids = _grids(drawing.picture)
        if drawing.narrow is not None and _widest(grids) > options.max_width:
            grids = _grids(drawing.narrow)
        yield from _Prose(((drawing.title, "", "bold"),)).__rich_console__(console, options)
        for title, lines in grids:
            if title:
                yield from _Prose(((title, "", "bold"),)).__rich_console__(console, options)
            body = Text(no_wrap=True, overflow="ellipsis")
            for index, line in enumerate(lines):
                if index:
                    body.append("\n")
                for piece, tone in line:
                    body.append(piece, style=_STYLES[tone])
            yield body
            yield Text("")
        for text in drawing.legend:
            yield from _Prose(((text, "", _STYLES["dim"]),)).__rich_console__(console, options)


def _grids(picture: Unrolled) -> list[tuple[str, list[DrawnLine]]]:
    """Each grid's title and its lines of box drawing, laid out once."""
    return [(grid.title, grid_lines(grid)) for grid in picture.grids]


def _widest(grids: list[tuple[str, list[DrawnLine]]]) -> int:
    return max(
        (cell_len("".join(piece for piece, _tone in line)) for _title, lines in grids for line in lines),
        default=0,
    )
