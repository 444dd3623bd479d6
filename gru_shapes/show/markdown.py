"""The report as GitHub-flavoured Markdown, ready to paste into an issue or a document."""

from __future__ import annotations

import re
from collections.abc import Iterable

from gru_shapes.i18n import language
from gru_shapes.report import Report
from gru_shapes.show.layout import Column, Drawing, Note, Panel, Section, Table
from gru_shapes.show.sections import sections


def markdown(report: Report, show: Iterable[str] | None = None) -> str:
    """Every section of the report as Markdown: panels as quotes, tables as pipe tables.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> print(markdown(report_for(make_spec(dry_run=True, lang="en"))).splitlines()[0])
    > **gru-shapes**\\
    """
    with language(report.spec.lang):
        return "\n\n".join(block(section) for section in sections(report, show)) + "\n"


def block(section: Section) -> str:
    if isinstance(section, Panel):
        return _panel(section)
    if isinstance(section, Table):
        return _table(section)
    if isinstance(section, Drawing):
        return _drawing(section)
    return _note(section)


def _panel(panel: Panel) -> str:
    lines = [f"**{_escape(panel.title)}**"]
    for line in panel.lines:
        text = _code(line.text) if line.tone == "code" else _escape(line.text)
        # "  1. --seq-first: ..." is a line of the panel, not the start of a list inside the quote.
        text = re.sub(r"^(\s*[0-9]+)([.)])", r"\1\\\2", text)
        if line.tone in ("strong", "bad"):
            text = f"**{text}**"
        lines.append(f"**{_escape(line.label.strip())}** {text}" if line.label else text)
    # A backslash ending a line is CommonMark's hard break: each line of the quote stays its own, as
    # with two trailing spaces, and nothing is left for a linter to flag or an editor to strip.
    return "\n".join(f"> {line}" for line in lines if line.strip()).replace("\n", "\\\n")


def _table(table: Table) -> str:
    header = "| " + " | ".join(_escape(c.header) for c in table.columns) + " |"
    rule = "|" + "|".join("---:" if c.numeric else "---" for c in table.columns) + "|"
    rows = []
    for index, row in enumerate(table.rows):
        cells = [_cell(column, text) for column, text in zip(table.columns, row, strict=True)]
        if table.passed:  # the first cell is the check's mark: a word, bold when it failed
            cells[0] = _escape(row[0]) if table.passed[index] else f"**{_escape(row[0])}**"
        rows.append("| " + " | ".join(cells) + " |")
    parts = [f"**{_escape(table.title)}**", "", header, rule, *rows] if table.title else [header, rule, *rows]
    if table.caption:
        parts += ["", f"_{_escape(table.caption)}_"]
    return "\n".join(parts)


def _note(note: Note) -> str:
    text = _escape(note.text)
    return f"**{text}**" if note.tone in ("notice", "bad") else text


def _cell(column: Column, text: str) -> str:
    # Formulas, shapes and names are code: shown verbatim, in a fixed-width font.
    if column.keep_whole and not column.numeric and text:
        return _code(text)
    return _escape(text)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _escape(text: str) -> str:
    """Keep table pipes, emphasis markers and stray HTML from changing the layout."""
    for character in ("\\", "|", "*", "<", ">", "`"):
        text = text.replace(character, "\\" + character)
    return text


def _drawing(drawing: Drawing) -> str:
    """The unrolled network as a fenced text drawing (GitHub shows it in a fixed-width font), with
    the legend below it as a list."""
    from gru_shapes.show.diagram_text import lines

    body = ["".join(text for text, _tone in line).rstrip() for line in lines(drawing)]
    while body and not body[-1]:
        body.pop()
    picture = [line for line in body if line not in drawing.legend]
    legend = [f"- {_escape(text)}" for text in drawing.legend]
    return "\n".join([f"**{_escape(drawing.title)}**", "", "```text", *picture, "```", "", *legend]).rstrip()
