"""The vocabulary every view is laid out in: panels of lines, tables of columns, notes, drawings.

Plain data and no rendering library: the rich tables, the Markdown and the SVG all draw these same
parts, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gru_shapes.show.diagram import Unrolled

Tone = Literal["plain", "strong", "good", "bad", "notice", "warning", "code", "dim"]


@dataclass(frozen=True)
class Line:
    """One line of a panel: an optional bold label, then text in a tone."""

    text: str
    label: str = ""
    tone: Tone = "plain"


@dataclass(frozen=True)
class Panel:
    title: str
    lines: tuple[Line, ...]
    tone: Tone = "plain"


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned
    keep_whole: bool = False  # never wrapped: numbers, shapes, code
    wide: bool = False  # takes the spare width and wraps
    # On a narrow screen this column's cell goes under the previous column's, in the same cell.
    stacks: bool = False


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    # Per row, for a table of checks: whether it passed (its first cell is the mark).
    passed: tuple[bool, ...] = ()
    tone: Tone = "plain"  # of the title: "strong" for the answer's tables


@dataclass(frozen=True)
class Note:
    text: str
    tone: Tone = "warning"


@dataclass(frozen=True)
class Drawing:
    """A picture of the unrolled network (:mod:`gru_shapes.show.diagram`), its title and legend: drawn as
    box-drawing text in the terminal and in Markdown, and as vector shapes in SVG."""

    title: str
    picture: Unrolled
    legend: tuple[str, ...]
    # The same picture with fewer steps at each end, for a screen too narrow for ``picture``.
    narrow: Unrolled | None = None


Section = Panel | Table | Note | Drawing
