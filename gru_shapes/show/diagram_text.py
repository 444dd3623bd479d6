"""The unrolled network as box-drawing text: lines of (text, tone) pieces.

Shared by the terminal (rich colours the tones) and Markdown (a fenced block, tones dropped), so
both show the same drawing. Output cells have heavy borders, so the marking survives without colour.
"""

from __future__ import annotations

from gru_shapes.show.diagram import Cell, Grid, Row, width
from gru_shapes.show.layout import Drawing, Tone

Piece = tuple[str, Tone]
Line = list[Piece]

_LIGHT = ("┌", "─", "┐", "│", "└", "┘")
_HEAVY = ("┏", "━", "┓", "┃", "┗", "┛")
_GAP = " ⋯ "


def lines(drawing: Drawing) -> list[Line]:
    """Every line of the drawing: each grid under its title, then the legend.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> from gru_shapes.show.diagram_view import diagram_section
    >>> (drawing,) = diagram_section(report_for(make_spec(module="GRUCell", dry_run=True, lang="en")))
    >>> print("\\n".join(plain(drawing)))
                    ┌─────┐
    one step h_0 ──▶│ h_1 │
                    └─────┘
    <BLANKLINE>
    one step: the state in, one update, the state out
    """
    found: list[Line] = []
    for grid in drawing.picture.grids:
        if grid.title:
            found.append([(grid.title, "strong")])
        found.extend(grid_lines(grid))
        found.append([])
    found.extend([(text, "dim")] for text in drawing.legend)
    return found


def plain(drawing: Drawing) -> list[str]:
    """The drawing as plain text lines, trailing spaces removed."""
    return ["".join(text for text, _tone in line).rstrip() for line in lines(drawing)]


def grid_lines(grid: Grid) -> list[Line]:
    widths = [_column_width(grid, index) for index in range(len(grid.steps))]
    label_width = max(width(row.label) for row in grid.rows)
    start_width = max(width(label) for row in grid.rows for label in row.start) + 4
    backward = any(row.direction == "backward" for row in grid.rows)
    found: list[Line] = []
    if grid.timed:
        header: Line = [(_pad("t", label_width, right=True) + " " + " " * start_width, "dim")]
        for index, (step, box) in enumerate(zip(grid.steps, widths, strict=True)):
            text = "⋯" if step is None else str(step)
            header.append((_centre(text, box), "dim"))
            if index < len(grid.steps) - 1:
                header.append(("   ", "plain"))
        found.append(header)
    for row in grid.rows:
        found.extend(_row(grid, row, widths, label_width, start_width, backward))
    return found


def _column_width(grid: Grid, index: int) -> int:
    """A box's outer width: its widest label, two spaces and the borders; the gap column is narrower."""
    if grid.steps[index] is None:
        return len(_GAP)
    cells = [row.cells[index] for row in grid.rows]
    inner = max((width(label) for cell in cells if cell for label in cell.labels), default=0)
    # Wide enough for the step number above it too, e.g. 999999 in a dry run of a long sequence.
    return max(inner, 2, len(str(grid.steps[index])) - 2) + 4


def _row(
    grid: Grid, row: Row, widths: list[int], label_width: int, start_width: int, backward: bool
) -> list[Line]:
    content = max([1, len(row.start), *(len(cell.labels) for cell in row.cells if cell)])
    forward = row.direction == "forward"
    found: list[Line] = []
    for k in range(content + 2):
        inner = k - 1  # the content line, or -1 / content for the borders
        first = k == 1
        line: Line = [(_pad(row.label if first else "", label_width) + " ", "strong")]
        starts = row.start[inner] if 0 <= inner < len(row.start) else ""
        if forward and starts:
            line.append((_pad(starts, start_width - 4, right=True) + " ", "code"))
            line.append(("──▶" if first else "   ", "plain"))
        else:
            line.append((" " * start_width, "plain"))
        for index, (cell, box) in enumerate(zip(row.cells, widths, strict=True)):
            line.extend(_box_piece(cell, box, k, content))
            if index < len(row.cells) - 1:
                line.append((("──▶" if forward else "◀──") if first else "   ", "plain"))
        if not forward and starts:
            line.append(("◀── " if first else "    ", "plain"))
            line.append((starts, "code"))
        elif backward:
            line.append(("", "plain"))
        found.append(line)
    return found


def _box_piece(cell: Cell | None, box: int, k: int, content: int) -> list[Piece]:
    """Line ``k`` of one box: its top border, a content line or its bottom border."""
    if cell is None:
        return [(_GAP if k == 1 else " " * box, "dim")]
    top_left, across, top_right, side, bottom_left, bottom_right = _HEAVY if cell.output else _LIGHT
    border: Tone = "good" if cell.output else "plain"
    if k == 0:
        return [(top_left + across * (box - 2) + top_right, border)]
    if k == content + 1:
        return [(bottom_left + across * (box - 2) + bottom_right, border)]
    label = cell.labels[k - 1] if k - 1 < len(cell.labels) else ""
    return [(side + " ", border), (_pad(label, box - 3), "code"), (side, border)]


def _pad(text: str, size: int, right: bool = False) -> str:
    gap = " " * max(size - width(text), 0)
    return gap + text if right else text + gap


def _centre(text: str, size: int) -> str:
    left = (size - width(text)) // 2
    return " " * left + text + " " * max(size - width(text) - left, 0)
