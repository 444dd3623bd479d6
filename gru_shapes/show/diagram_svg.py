"""The unrolled network as a vector drawing: SVG rectangles, arrows and text elements.

Pure string building, no rendering library. Boxes are sized by the display width of their labels
(Hangul counts two columns), so Korean labels fit as English ones do. Two modes share the geometry:
a static image (:func:`document`, ``--format svg``), and the page's linked grids (:func:`linked`),
whose cells carry ``data-cell`` and ARIA roles and whose colours come from the page's stylesheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from gru_shapes.model.shapes import DIRECTIONS  # data-cell's direction is the index in this tuple
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


@dataclass(frozen=True)
class Links:
    """What a linked grid writes beside its shapes: the sequence it draws (``data-seq``, for a
    packed batch), and the words of the gaps' labels, e.g. "steps {first} to {last}, elided"."""

    seq: int | None
    elided: str


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
        shapes, grid_width, grid_height = _grid(grid, y + 8, None)
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


def linked(grid: Grid, links: Links, label: str) -> str:
    """One grid as an inline ``<svg role="grid">`` for the page: every drawn cell a
    ``<g role="gridcell" data-cell="layer,direction,step">`` (``data-seq`` too for a packed batch),
    the elided column ``data-gap="layer,direction"``, arrowheads as paths (no ``id`` to clash when a
    notebook shows two reports), no colour of its own and no background.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> from gru_shapes.show.diagram import unrolled
    >>> grid = unrolled(report_for(make_spec(bidirectional=True, dry_run=True))).grids[0]
    >>> drawn = linked(grid, Links(None, "elided"), "unrolled network")
    >>> drawn.count('role="gridcell" data-cell='), 'data-cell="0,1,0"' in drawn, "marker" in drawn
    (8, True, False)
    """
    shapes, right, height = _grid(grid, 4, links)
    width, height = right + MARGIN, height + 4
    return (
        f'<svg class="net" role="grid" aria-multiselectable="true" aria-label={quoteattr(label)} '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
        + "".join(shapes)
        + "</svg>"
    )


def _grid(grid: Grid, top: float, links: Links | None) -> tuple[list[str], float, float]:
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
        header = [_text(MARGIN + label_width - PAD, y, "t", "step", anchor="end")]
        for step, left, box in zip(grid.steps, lefts, boxes, strict=True):
            header.append(
                _text(left + box / 2, y, "⋯" if step is None else str(step), "step", anchor="middle")
            )
        # The step numbers are read out with each cell: a screen reader skips the header.
        shapes.extend(header if links is None else ['<g aria-hidden="true">', *header, "</g>"])
        y += 6
    for row in grid.rows:
        lines = max([1, len(row.start), *(len(cell.labels) for cell in row.cells if cell)])
        height = lines * LINE + PAD
        drawn = _row(row, y, height, label_width, lefts, boxes, links, grid)
        if links is not None:
            seq = "" if links.seq is None else f' data-seq="{links.seq}"'
            drawn = [f'<g role="row"{seq}>', *drawn, "</g>"]
        shapes.extend(drawn)
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
    links: Links | None,
    grid: Grid,
) -> list[str]:
    middle = top + height / 2
    first_line = top + PAD / 2 + LINE - 4
    head = "" if links is None else ' role="rowheader"'
    shapes = [
        f'<g class="row-label"{head}>'
        + _rect(MARGIN, top, label_width, height, "label")
        + _text(MARGIN + PAD, middle + FONT / 3, row.label, "row")
        + "</g>"
    ]
    arrow = _arrow if links is None else _path_arrow
    forward = row.direction == "forward"
    first, last = lefts[0], lefts[-1] + boxes[-1]
    for index, label in enumerate(row.start):
        if forward:
            shapes.append(_text(first - GAP, first_line + index * LINE, label, "start", anchor="end"))
        else:
            shapes.append(_text(last + GAP, first_line + index * LINE, label, "start"))
    if forward:
        shapes.append(arrow(first - GAP + 4, first, middle))
    else:
        shapes.append(arrow(last + GAP - 4, last, middle))
    for index, (cell, left, box) in enumerate(zip(row.cells, lefts, boxes, strict=True)):
        dots = _text(left + box / 2, middle + FONT / 3, "⋯", "step", anchor="middle")
        if cell is None and links is None:
            shapes.append(dots)
        elif cell is None and links is not None:
            shapes.append(_gap(row, grid, index, links, _rect(left, top, box, height, "gap") + dots))
        elif cell is not None:
            shapes.append(_cell(cell, left, top, box, height, first_line, links, row, grid))
        if index < len(row.cells) - 1:
            start, end = left + box, lefts[index + 1]
            shapes.append(arrow(start, end, middle) if forward else arrow(end, start, middle))
    return shapes


def _cell(
    cell: Cell,
    left: float,
    top: float,
    box: float,
    height: float,
    first_line: float,
    links: Links | None,
    row: Row,
    grid: Grid,
) -> str:
    kind = "cell output" if cell.output else "cell"
    texts = "".join(
        _text(left + PAD, first_line + index * LINE, label, "final")
        for index, label in enumerate(cell.labels)
    )
    attributes = f'data-step="{cell.step}"'
    if links is not None:
        where = f"{row.layer},{DIRECTIONS.index(row.direction)},{cell.step}"
        who = "" if links.seq is None else f"b = {links.seq}, "
        time = f", t = {cell.step}" if grid.timed else ""
        name = f"{who}{row.label}{time}" + "".join(f", {label}" for label in cell.labels)
        seq = "" if links.seq is None else f' data-seq="{links.seq}"'
        attributes = (
            f'role="gridcell" data-cell="{where}"{seq} aria-selected="false" tabindex="-1" '
            f"aria-label={quoteattr(name)}"
        )
    return f"<g class={quoteattr(kind)} {attributes}>" + _rect(left, top, box, height, kind) + texts + "</g>"


def _gap(row: Row, grid: Grid, index: int, links: Links, shapes: str) -> str:
    """The elided column of a linked row: it stands for the steps between its neighbours."""
    before, after = grid.steps[index - 1], grid.steps[index + 1]
    assert before is not None and after is not None, "a gap lies between two drawn steps"
    name = f"{row.label}, " + links.elided.format(first=before + 1, last=after - 1)
    seq = "" if links.seq is None else f' data-seq="{links.seq}"'
    where = f"{row.layer},{DIRECTIONS.index(row.direction)}"
    return (
        f'<g class="gap" role="gridcell" data-gap="{where}"{seq} tabindex="-1" '
        f"aria-label={quoteattr(name)}>{shapes}</g>"
    )


def _rect(x: float, y: float, w: float, h: float, kind: str) -> str:
    return f'<rect class="{kind}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4"/>'


def _arrow(start: float, end: float, y: float) -> str:
    return (
        f'<line class="arrow" x1="{start:.1f}" y1="{y:.1f}" x2="{end:.1f}" y2="{y:.1f}" '
        f'marker-end="url(#{ARROW_ID})"/>'
    )


def _path_arrow(start: float, end: float, y: float) -> str:
    """An arrow whose head is a path of its own: a marker would need an id, and ids clash when a
    notebook shows two reports; a path also takes its colour from the page's stylesheet."""
    tip = 1 if end > start else -1
    return (
        f'<path class="arrow" d="M{start:.1f} {y:.1f}H{end - 6 * tip:.1f}"/>'
        f'<path class="head" d="M{end:.1f} {y:.1f}l{-7 * tip} -3.5v7z"/>'
    )


def _text(x: float, y: float, text: str, kind: str, anchor: str = "start") -> str:
    return f'<text class="{kind}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
