"""The unrolled network as a vector drawing: SVG rectangles, arrows and text elements.

Pure string building, no rendering library. Boxes are sized by the display width of their labels
(Hangul counts two columns), so Korean labels fit as English ones do.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from gru_shapes.show.diagram import Cell, Grid, Row, width
from gru_shapes.show.layout import Drawing

FONT = 13  # px, monospace
COLUMN = 8.4  # px per display column at FONT: a little wider than the glyphs, so text never touches a border
LINE = 17  # px between text lines inside a box
PAD = 8  # px of space around text inside a box
GAP = 28  # px between boxes, where the arrows go
MARGIN = 16
ARROW_ID = "gru-shapes-arrow"
# Every rule is scoped to the drawing's own group: a style element applies to the whole document, and
# in an SVG that also holds the report's tables a bare ``text`` rule shrank them and hid their title.
SCOPE = "gru-shapes-diagram"

_STYLE = f"""
.{SCOPE} text {{ font-family: Menlo, Consolas, 'DejaVu Sans Mono', 'Noto Sans Mono CJK KR', monospace; font-size: {FONT}px; fill: #1f2328; }}
.{SCOPE} .title {{ font-weight: bold; font-size: {FONT + 2}px; }}
.{SCOPE} .grid-title {{ font-weight: bold; }}
.{SCOPE} .step, .{SCOPE} .legend {{ fill: #59636e; }}
.{SCOPE} .final {{ fill: #8250df; font-weight: bold; }}
.{SCOPE} .start {{ fill: #0969da; }}
.{SCOPE} rect.cell {{ fill: #ffffff; stroke: #818b98; stroke-width: 1; }}
.{SCOPE} rect.output {{ fill: #dafbe1; stroke: #1a7f37; stroke-width: 2.5; }}
.{SCOPE} rect.label {{ fill: #f6f8fa; stroke: #d1d9e0; stroke-width: 1; }}
.{SCOPE} line.arrow {{ stroke: #59636e; stroke-width: 1.4; }}
"""


def document(drawing: Drawing) -> str:
    """A standalone SVG file of the drawing.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> from gru_shapes.show.diagram_view import diagram_section
    >>> (drawing,) = diagram_section(report_for(make_spec(dry_run=True, lang="en")))
    >>> document(drawing).startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    True
    """
    body, drawn_width, drawn_height = element(drawing)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{drawn_width:.0f}" height="{drawn_height:.0f}" '
        f'viewBox="0 0 {drawn_width:.0f} {drawn_height:.0f}">\n{body}</svg>\n'
    )


def element(drawing: Drawing) -> tuple[str, float, float]:
    """The drawing as an ``<svg>`` element's content (style, arrowhead, shapes), its width and height."""
    parts = [
        f"<style>{_STYLE}</style>",
        f'<defs><marker id="{ARROW_ID}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#59636e"/></marker></defs>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<g class="{SCOPE}">',
    ]
    y: float = MARGIN + FONT
    parts.append(_text(MARGIN, y, drawing.title, "title"))
    right = MARGIN + width(drawing.title) * COLUMN
    y += LINE
    for grid in drawing.picture.grids:
        if grid.title:
            y += LINE
            parts.append(_text(MARGIN, y, grid.title, "grid-title"))
        shapes, grid_width, grid_height = _grid(grid, y + 8)
        parts.extend(shapes)
        right = max(right, grid_width)
        y += grid_height + 8
    y += LINE / 2
    for text in drawing.legend:
        y += LINE
        parts.append(_text(MARGIN, y, text, "legend"))
        right = max(right, MARGIN + width(text) * COLUMN)
    parts.append("</g>")
    return "\n".join(parts) + "\n", right + MARGIN, y + MARGIN


def _grid(grid: Grid, top: float) -> tuple[list[str], float, float]:
    """The shapes of one grid from ``top`` down, its right edge and its height."""
    label_width = max(width(row.label) for row in grid.rows) * COLUMN + 2 * PAD
    start_width = max(width(label) for row in grid.rows for label in row.start) * COLUMN + GAP
    boxes = [_box_width(grid, index) for index in range(len(grid.steps))]
    lefts, x = [], MARGIN + label_width + PAD + start_width
    for box in boxes:
        lefts.append(x)
        x += box + GAP
    right = x - GAP + start_width  # backward rows' initial states enter on the right
    shapes: list[str] = []
    y = top
    if grid.timed:
        y += LINE
        shapes.append(_text(MARGIN + label_width - PAD, y, "t", "step", anchor="end"))
        for step, left, box in zip(grid.steps, lefts, boxes, strict=True):
            shapes.append(
                _text(left + box / 2, y, "⋯" if step is None else str(step), "step", anchor="middle")
            )
        y += 6
    for row in grid.rows:
        lines = max([1, len(row.start), *(len(cell.labels) for cell in row.cells if cell)])
        height = lines * LINE + PAD
        shapes.extend(_row(row, y, height, label_width, lefts, boxes, right))
        y += height + 10
    return shapes, right, y - top


def _box_width(grid: Grid, index: int) -> float:
    if grid.steps[index] is None:
        return 2 * COLUMN
    labels = [label for row in grid.rows if (cell := row.cells[index]) for label in cell.labels]
    return max([2, len(str(grid.steps[index])) - 1, *(width(label) for label in labels)]) * COLUMN + 2 * PAD


def _row(
    row: Row,
    top: float,
    height: float,
    label_width: float,
    lefts: list[float],
    boxes: list[float],
    right: float,
) -> list[str]:
    middle = top + height / 2
    first_line = top + PAD / 2 + LINE - 4
    shapes = [
        '<g class="row-label">'
        + _rect(MARGIN, top, label_width, height, "label")
        + _text(MARGIN + PAD, middle + FONT / 3, row.label, "row")
        + "</g>"
    ]
    forward = row.direction == "forward"
    first, last = lefts[0], lefts[-1] + boxes[-1]
    for index, label in enumerate(row.start):
        if forward:
            shapes.append(_text(first - GAP, first_line + index * LINE, label, "start", anchor="end"))
        else:
            shapes.append(_text(last + GAP, first_line + index * LINE, label, "start"))
    if forward:
        shapes.append(_arrow(first - GAP + 4, first, middle))
    else:
        shapes.append(_arrow(last + GAP - 4, last, middle))
    for index, (cell, left, box) in enumerate(zip(row.cells, lefts, boxes, strict=True)):
        if cell is None:
            shapes.append(_text(left + box / 2, middle + FONT / 3, "⋯", "step", anchor="middle"))
        else:
            shapes.append(_cell(cell, left, top, box, height, first_line))
        if index < len(row.cells) - 1:
            start, end = left + box, lefts[index + 1]
            shapes.append(_arrow(start, end, middle) if forward else _arrow(end, start, middle))
    return shapes


def _cell(cell: Cell, left: float, top: float, box: float, height: float, first_line: float) -> str:
    kind = "cell output" if cell.output else "cell"
    texts = "".join(
        _text(left + PAD, first_line + index * LINE, label, "final")
        for index, label in enumerate(cell.labels)
    )
    return (
        f'<g class={quoteattr(kind)} data-step="{cell.step}">'
        + _rect(left, top, box, height, kind)
        + texts
        + "</g>"
    )


def _rect(x: float, y: float, w: float, h: float, kind: str) -> str:
    return f'<rect class="{kind}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4"/>'


def _arrow(start: float, end: float, y: float) -> str:
    return (
        f'<line class="arrow" x1="{start:.1f}" y1="{y:.1f}" x2="{end:.1f}" y2="{y:.1f}" '
        f'marker-end="url(#{ARROW_ID})"/>'
    )


def _text(x: float, y: float, text: str, kind: str, anchor: str = "start") -> str:
    return f'<text class="{kind}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
