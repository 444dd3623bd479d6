"""Where each named slice's cells are on the page: drawn (their ``data-cell`` keys), under an elided
column (its ``data-gap`` key), or in a sequence of a packed batch that is not drawn (counted).

Before anything is written the map is held to the drawing: a slice naming a cell the network lacks
is refused, and a slice the drawing writes in its cells (``h_n[1]``, ``c_n[1]``, ``h_1``) must light
exactly the cells that carry its name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gru_shapes.model.shapes import DIRECTIONS
from gru_shapes.show.diagram import Unrolled
from gru_shapes.show.slices import CellRef, Slice


def cell_key(layer: int, direction: int, step: int, seq: int | None) -> str:
    """The key the page's script makes of ``data-cell`` and ``data-seq``.

    >>> cell_key(0, 1, 0, None), cell_key(1, 0, 6, 2)
    ('0,1,0', '1,0,6@2')
    """
    key = f"{layer},{direction},{step}"
    return key if seq is None else f"{key}@{seq}"


def gap_key(layer: int, direction: int, seq: int | None) -> str:
    key = f"{layer},{direction}"
    return key if seq is None else f"{key}@{seq}"


def elided(steps: Sequence[int | None]) -> tuple[range, ...]:
    """The steps each gap column of a grid stands for.

    >>> elided((0, 1, None, 33, 34))
    (range(2, 33),)
    """
    found = []
    for index, step in enumerate(steps):
        if step is None:
            before, after = steps[index - 1], steps[index + 1]
            assert before is not None and after is not None, "a gap lies between two drawn steps"
            found.append(range(before + 1, after))
    return tuple(found)


@dataclass
class _Drawn:
    """What the drawing holds: its cells, its gaps, each row's length, the cells each label marks."""

    packed: bool
    grids: int
    hidden: int
    cells: set[str] = field(default_factory=set)
    gaps: dict[tuple[int, int, int | None], tuple[range, ...]] = field(default_factory=dict)
    lengths: dict[tuple[int, int, int | None], int] = field(default_factory=dict)
    labelled: dict[str, set[str]] = field(default_factory=dict)

    def place(self, expression: str, ref: CellRef) -> tuple[str, str]:
        """("cell", key), ("gap", key) or ("hidden", ""); ValueError for a cell the network lacks."""
        if len(ref) != 3 + self.packed:
            raise ValueError(
                f"{expression}: cell {ref} must be (layer, direction, step{', seq' * self.packed})"
            )
        layer, direction, step = ref[:3]
        seq = ref[3] if self.packed else None
        if seq is not None and self.grids <= seq < self.grids + self.hidden:
            return "hidden", ""
        length = self.lengths.get((layer, direction, seq))
        if length is None or not 0 <= step < length:
            raise ValueError(f"{expression}: no cell {ref} in the unrolled network")
        key = cell_key(layer, direction, step, seq)
        if key in self.cells:
            return "cell", key
        if any(step in gap for gap in self.gaps.get((layer, direction, seq), ())):
            return "gap", gap_key(layer, direction, seq)
        raise ValueError(f"{expression}: cell {ref} is neither drawn nor elided")


def _drawn(picture: Unrolled, packed: bool) -> _Drawn:
    drawn = _Drawn(packed, len(picture.grids), picture.hidden)
    for b, grid in enumerate(picture.grids):
        seq = b if packed else None
        length = 1 + max(step for step in grid.steps if step is not None)
        for row in grid.rows:
            direction = DIRECTIONS.index(row.direction)
            drawn.lengths[row.layer, direction, seq] = length
            drawn.gaps[row.layer, direction, seq] = elided(grid.steps)
            for cell in row.cells:
                if cell is not None:
                    key = cell_key(row.layer, direction, cell.step, seq)
                    drawn.cells.add(key)
                    for label in cell.labels:
                        drawn.labelled.setdefault(label, set()).add(key)
    return drawn


def slice_map(picture: Unrolled, slices: Sequence[Slice], packed: bool) -> list[dict[str, Any]]:
    """Per slice, for the page's script: its expression, its words, the drawn cells' keys, the gaps
    holding its elided cells, and how many of its cells are elided and how many not drawn."""
    drawn = _drawn(picture, packed)
    found = []
    for piece in slices:
        cells: list[str] = []
        gaps: list[str] = []
        counts = {"gap": 0, "hidden": 0}
        for ref in piece.cells:
            kind, key = drawn.place(piece.expression, ref)
            if kind == "cell":
                cells.append(key)
            else:
                counts[kind] += 1
            if kind == "gap" and key not in gaps:
                gaps.append(key)
        labelled = drawn.labelled.get(piece.expression)
        if labelled is not None and labelled != set(cells):
            raise ValueError(
                f"{piece.expression}: the drawing labels cells {sorted(labelled)}, the map lights {sorted(cells)}"
            )
        found.append(
            {
                "x": piece.expression,
                "holds": piece.holds,
                "pitfall": piece.pitfall or "",
                "cells": cells,
                "gaps": gaps,
                "elided": counts["gap"],
                "hidden": counts["hidden"],
            }
        )
    return found
