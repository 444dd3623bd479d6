"""What a notebook (Jupyter, IPython) displays: a report as the interactive page's body, and any
other renderable (a trace) as rich's HTML export with inline styles."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import RenderableType

from gru_shapes.report import Report
from gru_shapes.show.page import fragment
from gru_shapes.show.render import recording_console


def html(report: Report, show: Iterable[str] | None = None) -> str:
    """The report as the page's body (:func:`gru_shapes.show.page.fragment`): the sections, and the
    unrolled network linked to every named slice; it needs no notebook extension."""
    return fragment(report, show)


def html_of(renderable: RenderableType, width: int = 110) -> str:
    """Any renderable as an HTML fragment with inline styles, Korean held at two columns a syllable."""
    console = recording_console(width, "truecolor")
    console.print(renderable)
    page = (
        "<pre style=\"font-family: Menlo, Consolas, 'DejaVu Sans Mono', 'D2Coding', monospace; "
        'line-height: 1.2">{code}</pre>'
    )
    return _wide_cells(console.export_html(inline_styles=True, code_format=page))


def _wide_cells(page: str) -> str:
    """Give each wide character (Korean) exactly two columns in the notebook's HTML, as in a
    terminal, so that the tables' lines stay aligned whatever font the browser picks."""

    def wrapped(match: re.Match[str]) -> str:
        return f'<span style="display:inline-block;width:2ch">{match.group(0)}</span>'

    parts = re.split(r"(<[^>]*>)", page)
    return "".join(
        part
        if part.startswith("<")
        else re.sub(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]", wrapped, part)
        for part in parts
    )
