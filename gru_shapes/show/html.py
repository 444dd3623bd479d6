"""The report's sections as HTML elements for the page: panels, tables and notes, each named slice
they show an element with ``data-slice`` (the page's script links it to the diagram's cells).

Pure string building; every text is escaped. A table row holding one named slice (an idiom, a
hand-off recipe) is linked as a whole, a row holding several (the index map) links each cell; in
prose, a final state mentioned by name (``h_n[-2]`` in a pitfall) is linked where it stands.
"""

from __future__ import annotations

from collections.abc import Collection
from html import escape

from gru_shapes.show.layout import Column, Drawing, Line, Note, Panel, Section, Table
from gru_shapes.show.slices import MENTION


def section(part: Section, linked: Collection[str]) -> str:
    """One section as HTML; ``linked`` are the expressions the page has cells for.

    >>> section(Note("pitfall: h_n[-1]: backward only", tone="warning"), {"h_n[-1]"})
    '<p class="gs-note gs-warning">pitfall: <button type="button" class="gs-ref" data-slice="h_n[-1]">h_n[-1]</button>: backward only</p>'
    """
    if isinstance(part, Panel):
        return _panel(part, linked)
    if isinstance(part, Table):
        return _table(part, linked)
    if isinstance(part, Drawing):
        return ""  # the page draws the diagram once, linked, in its figure
    note: Note = part
    return f'<p class="gs-note gs-{note.tone}">{prose(note.text, linked)}</p>'


def prose(text: str, linked: Collection[str]) -> str:
    """``text`` escaped, each linked final state it names a button."""
    parts, at = [], 0
    for match in MENTION.finditer(text):
        if match.group(0) in linked:
            parts += [escape(text[at : match.start()]), _button(match.group(0), "gs-ref")]
            at = match.end()
    return "".join(parts) + escape(text[at:])


def _button(expression: str, kind: str) -> str:
    quoted = escape(expression, quote=True)
    return f'<button type="button" class="{kind}" data-slice="{quoted}">{escape(expression)}</button>'


def _panel(panel: Panel, linked: Collection[str]) -> str:
    lines = "".join(_line(line, linked) for line in panel.lines)
    return (
        f'<section class="gs-panel gs-{panel.tone}"><h2 class="gs-panel-title">{escape(panel.title)}</h2>'
        f"{lines}</section>"
    )


def _line(line: Line, linked: Collection[str]) -> str:
    label = f"<b>{escape(line.label)}</b>" if line.label else ""
    text = f"<code>{escape(line.text)}</code>" if line.tone == "code" else prose(line.text, linked)
    return f'<p class="gs-line gs-{line.tone}">{label}{text}</p>'


def _table(table: Table, linked: Collection[str]) -> str:
    head = "".join(f"<th{_class(column)}>{escape(column.header)}</th>" for column in table.columns)
    rows = []
    for index, row in enumerate(table.rows):
        hits = [i for i, text in enumerate(row) if text in linked]
        cells = []
        for i, (column, text) in enumerate(zip(table.columns, row, strict=True)):
            shown = _cell_text(column, text)
            if len(hits) > 1 and i in hits:
                shown = _button(text, "gs-ref")
            elif hits == [i]:
                shown = f"<code>{escape(text)}</code>"
            if table.passed and i == 0:
                tone = "good" if table.passed[index] else "bad"
                cells.append(f'<td class="gs-mark gs-{tone}">{shown}</td>')
            else:
                cells.append(f"<td{_class(column)}>{shown}</td>")
        slice_attribute = f' data-slice="{escape(row[hits[0]], quote=True)}"' if len(hits) == 1 else ""
        rows.append(f"<tr{slice_attribute}>{''.join(cells)}</tr>")
    title = f'<h2 class="gs-{table.tone}">{escape(table.title)}</h2>' if table.title else ""
    caption = f'<p class="gs-caption">{escape(table.caption)}</p>' if table.caption else ""
    return (
        f'<section class="gs-table">{title}<div class="gs-scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{caption}</section>"
    )


def _class(column: Column) -> str:
    if column.numeric:
        return ' class="num"'
    if column.wide:
        return ' class="wide"'
    return ' class="wrap"' if column.keep_whole else ""


def _cell_text(column: Column, text: str) -> str:
    # Formulas, shapes and names are code, as in the Markdown.
    if column.keep_whole and not column.numeric and text:
        return f"<code>{escape(text)}</code>"
    return escape(text)
