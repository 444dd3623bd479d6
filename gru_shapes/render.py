"""The report as rich renderables: terminal tables, and the SVG export of them.

Texts come from :mod:`gru_shapes.sections`; this module only draws them. Every text is passed as
``Text``, never as markup, so brackets such as ``[32:]`` show as they are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Literal

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel as RichPanel
from rich.table import Table as RichTable
from rich.text import Text

from gru_shapes.i18n import _, language
from gru_shapes.report import Report
from gru_shapes.sections import Drawing, Note, Panel, Section, Table, Tone, sections

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
    with language(report.spec.lang):
        return svg_document(sections(report), f"gru-shapes · nn.{report.spec.module}", width)


def svg_document(parts: Sequence[Section], title: str, width: int = 100) -> str:
    """Sections as one SVG image: the text sections through rich's SVG export, as a terminal of
    ``width`` columns shows them, and each drawing below them as vector shapes (rectangles, arrows,
    text), nested ``<svg>`` elements of one document. Without drawings it is rich's export alone."""
    console = _console(width, "truecolor")
    drawings = [part for part in parts if isinstance(part, Drawing)]
    for part in parts:
        if isinstance(part, Drawing):
            note = _("{title}: drawn below as a vector diagram").format(title=part.title)
            console.print(Text(note, style="bold"))
        else:
            console.print(draw(part))
    exported = console.export_svg(title=title)
    return _with_drawings(exported, drawings) if drawings else exported


def _with_drawings(exported: str, drawings: list[Drawing]) -> str:
    from gru_shapes.diagram_svg import element

    match = re.match(r'<svg class="rich-terminal" viewBox="0 0 ([\d.]+) ([\d.]+)"', exported)
    assert match is not None, "rich's SVG export starts with its viewBox"
    total_width, top = float(match[1]), float(match[2])
    opening = match[0] + f' x="0" y="0" width="{total_width:.1f}" height="{top:.1f}"'
    nested = [opening + exported[match.end() :]]
    for drawing in drawings:
        body, drawn_width, drawn_height = element(drawing)
        nested.append(
            f'<svg x="0" y="{top:.1f}" width="{drawn_width:.1f}" height="{drawn_height:.1f}" '
            f'viewBox="0 0 {drawn_width:.1f} {drawn_height:.1f}">\n{body}</svg>'
        )
        total_width, top = max(total_width, drawn_width), top + drawn_height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width:.0f}" height="{top:.0f}" '
        f'viewBox="0 0 {total_width:.0f} {top:.0f}">\n' + "\n".join(nested) + "\n</svg>\n"
    )


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
    if isinstance(section, Drawing):
        return _drawing(section)
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


def _drawing(drawing: Drawing) -> Group:
    """The unrolled network in box-drawing characters; heavy borders mark output without colour."""
    from gru_shapes.diagram_text import lines

    body = Text(no_wrap=True, overflow="ellipsis")
    for index, line in enumerate(lines(drawing)):
        if index:
            body.append("\n")
        for piece, tone in line:
            body.append(piece, style=_STYLES[tone])
    return Group(Text(drawing.title, style="bold"), body)
