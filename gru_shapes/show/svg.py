"""The report as a standalone SVG image: the text sections through rich's SVG export, as a terminal
would show them, and the diagram below them as vector shapes.
"""

from __future__ import annotations

import html as html_text
import re
from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text

from gru_shapes.i18n import _, language
from gru_shapes.report import Report
from gru_shapes.show.diagram_svg import element
from gru_shapes.show.layout import Drawing, Section
from gru_shapes.show.render import draw, recording_console
from gru_shapes.show.sections import sections


def svg(report: Report, width: int = 100, show: Iterable[str] | None = None) -> str:
    """The tables as a standalone SVG image, as a terminal of ``width`` columns would show them."""
    with language(report.spec.lang):
        return svg_document(sections(report, show), f"gru-shapes · nn.{report.spec.module}", width)


def svg_document(parts: Sequence[Section], title: str, width: int = 100) -> str:
    """Sections as one SVG image: the text sections through rich's SVG export, as a terminal of
    ``width`` columns shows them, and each drawing below them as vector shapes (rectangles, arrows,
    text), nested ``<svg>`` elements of one document. Without drawings it is rich's export alone."""
    console = recording_console(width, "truecolor")
    drawings = [part for part in parts if isinstance(part, Drawing)]
    for part in parts:
        if isinstance(part, Drawing):
            note = _("{title}: drawn below as a vector diagram").format(title=part.title)
            console.print(Text(note, style="bold"))
        else:
            console.print(draw(part))
    exported = fit_svg(console.export_svg(title=title))
    return _with_drawings(exported, drawings) if drawings else exported


def _with_drawings(exported: str, drawings: list[Drawing]) -> str:
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


_SVG_TEXT = re.compile(r'(<text [^>]*?textLength=")([0-9.]+)("[^>]*>)([^<]*)(</text>)')
_SVG_FONT = re.compile(r"@font-face \{.*?\}\s*", re.DOTALL)


def fit_svg(image: str) -> str:
    """Size every text run by the cells it takes, and draw it with fonts found offline.

    rich gives each run ``textLength`` = characters × cell width, which squeezes Korean (two
    cells a syllable) into half its room. Its web fonts come from a CDN: without them box lines
    break apart, so the image names local monospace fonts and a size whose box glyphs join.
    """

    def measured(match: re.Match[str]) -> str:
        content = html_text.unescape(match.group(4))
        cell = float(match.group(2)) / max(len(content), 1)
        length = f"{cell * cell_len(content):g}"
        return match.group(1) + length + match.group(3) + match.group(4) + match.group(5)

    image = _SVG_TEXT.sub(measured, image)
    image = _SVG_FONT.sub("", image)
    # Local fonts' box glyphs span about 1.16 em; rich's lines are 1.22 × 20 px apart: at 21 px
    # they meet (widths stay exact, textLength fixes them).
    image = image.replace("font-size: 20px;", "font-size: 21px;")
    return image.replace(
        "font-family: Fira Code, monospace;",
        "font-family: 'DejaVu Sans Mono', Menlo, Consolas, 'D2Coding', monospace;",
    )
