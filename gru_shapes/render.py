"""The report as rich renderables: terminal tables, and the SVG export of them.

Texts come from :mod:`gru_shapes.sections`; this module only draws them. Every text is passed as
``Text``, never as markup, so brackets such as ``[32:]`` show as they are.
"""

from __future__ import annotations

import io
from typing import Literal

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel as RichPanel
from rich.table import Table as RichTable
from rich.text import Text

from gru_shapes.i18n import language
from gru_shapes.report import Report
from gru_shapes.sections import Note, Panel, Section, Table, Tone, sections

_STYLES: dict[Tone, str] = {
    "plain": "",
    "strong": "bold",
    "good": "green",
    "bad": "red",
    "notice": "bold yellow",
    "warning": "yellow",
    "code": "bold cyan",
    "dim": "dim",
}


def render(report: Report) -> Group:
    """Every table of the report, in reading order, as one renderable for ``Console.print``."""
    with language(report.spec.lang):
        return Group(*(draw(section) for section in sections(report)))


def text(report: Report, width: int | None, styled: bool) -> str:
    """The tables as text for a terminal: styled, or plain (no escape codes at all) for pipes."""
    console = _console(width, "auto" if styled else None)
    console.print(render(report))
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def svg(report: Report, width: int = 100) -> str:
    """The tables as a standalone SVG image, as a terminal of ``width`` columns would show them."""
    console = _console(width, "truecolor")
    console.print(render(report))
    return console.export_svg(title=f"gru-shapes · nn.{report.spec.module}")


def html(report: Report, width: int = 110) -> str:
    """The tables as an HTML fragment with inline styles, for notebooks."""
    console = _console(width, "truecolor")
    console.print(render(report))
    page = '<pre style="font-family: Menlo, Consolas, monospace; line-height: 1.2">{code}</pre>'
    return console.export_html(inline_styles=True, code_format=page)


def _console(width: int | None, color_system: Literal["auto", "truecolor"] | None) -> Console:
    """A console that draws into memory and records, for the caller to write out or export;
    ``None`` for no styles at all."""
    return Console(
        file=io.StringIO(),
        record=True,
        width=width,
        force_terminal=color_system is not None,
        color_system=color_system,
    )


def draw(section: Section) -> RenderableType:
    """One section as a rich renderable."""
    if isinstance(section, Panel):
        return _panel(section)
    if isinstance(section, Table):
        return _table(section)
    return _note(section)


def _panel(panel: Panel) -> RichPanel:
    body = Text()
    for index, line in enumerate(panel.lines):
        if index:
            body.append("\n")
        if line.label:
            body.append(line.label, style="bold")
        body.append(line.text, style=_STYLES[line.tone])
    border = _STYLES[panel.tone] or "none"
    return RichPanel(
        body, title=panel.title, title_align="left", expand=panel.tone != "plain", border_style=border
    )


def _table(table: Table) -> RichTable:
    drawn = RichTable(
        title=Text(table.title),
        title_justify="left",
        caption=Text(table.caption) if table.caption else None,
        caption_justify="left",
        box=box.HEAVY_HEAD,
    )
    for column in table.columns:
        drawn.add_column(
            Text(column.header),
            justify="right" if column.numeric else "left",
            no_wrap=column.keep_whole,
            ratio=1 if column.wide else None,
            # A cell that must stay whole folds onto a second line rather than lose characters.
            overflow="fold",
        )
    for index, row in enumerate(table.rows):
        cells = [Text(cell) for cell in row]
        if table.passed:
            cells[0].stylize("green" if table.passed[index] else "bold red")
        drawn.add_row(*cells)
    return drawn


def _note(note: Note) -> Text:
    return Text(note.text, style=_STYLES[note.tone])
