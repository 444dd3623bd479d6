"""What a slice of a recurrent layer's result holds: plain Python, no torch.

Every dim of a tensor a recurrent call returned carries, index by index, what it indexes: ``h_n``'s
dim 0 a (layer, direction) slot, a batch dim the sequence ``b``, a time dim the step ``t``, a
bidirectional feature dim the direction. Indexing, views, permutes and concatenations move these
labels as torch moves the data, so what ``h_n[-1]`` or ``output[:, -1]`` holds, and why a reader
would be misled by it, is read off the labels. Here: the labels and the indexing that keeps or drops
dims; :mod:`gru_shapes.model.regroup` holds the views, joins and reductions that regroup them.

>>> state = Context("GRU", num_layers=2, directions=2, h_size=32, batch=3, steps=5).h_n()
>>> select(state, 0, -1).fixed
{'slot': frozenset({(1, 1)})}
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import prod
from typing import Any

# What one index of a dim indexes, kind by kind: "slot" (layer, direction), "b" a sequence,
# "t" a time step, "dir" a direction of the output's features, "other" the name of a tensor that
# is not a recurrent result joined beside one (a recurrent layer's input, an embedding). A kind
# absent: any.
Labels = dict[str, frozenset[Any]]

# More label combinations than this are not enumerated: the slice is then described by its shape.
_MOST_ELEMENTS = 200_000


@dataclass(frozen=True)
class Axis:
    """One dim: its size and, per index, what that index holds (None: nothing recorded)."""

    size: int
    labels: tuple[Labels, ...] | None = None


@dataclass(frozen=True)
class Context:
    """The recurrent call a tensor came from: what its labels mean."""

    family: str
    num_layers: int = 1
    directions: int = 1
    h_size: int = 1
    batch: int = 1
    steps: int = 1
    lengths: tuple[int, ...] | None = None  # per sequence, in the batch's order, when packed
    batch_first: bool = False
    unbatched: bool = False
    is_cell: bool = False
    # An unpacked batch seen to end in padding (``lengths`` from that evidence): the module ran over
    # the padding, so its final states come after it.
    padded: bool = False

    def end(self, b: int) -> int:
        """The last real step of sequence ``b``."""
        return (self.lengths[b] if self.lengths else self.steps) - 1

    def h_n(self, key: str = "h_n", features: int | None = None) -> Meaning:
        """``h_n`` (or ``c_n``, whose features are ``hidden_size``): (num_layers × D, batch, features)."""
        d = self.directions
        slots = Axis(
            self.num_layers * d,
            tuple({"slot": frozenset({(i // d, i % d)})} for i in range(self.num_layers * d)),
        )
        hidden = Axis(features if features is not None else self.h_size)
        axes = (slots, hidden) if self.unbatched else (slots, self._batch_axis(), hidden)
        return Meaning(key, self, axes)

    def output(self) -> Meaning:
        """``output`` of a sequence module, in its layout; padded after a packed call."""
        time = Axis(self.steps, tuple({"t": frozenset({t})} for t in range(self.steps)))
        if self.unbatched:
            return Meaning("output", self, (time, self._feature_axis()))
        batch = self._batch_axis()
        pair = (batch, time) if self.batch_first else (time, batch)
        return Meaning("output", self, (*pair, self._feature_axis()))

    def packed_data(self, order: Sequence[int]) -> Meaning:
        """``packed_output.data``: one row per real step, time-major, sequences in ``order`` (sorted)."""
        lengths = self.lengths or ()
        rows = tuple(
            {"b": frozenset({b}), "t": frozenset({t})}
            for t in range(self.steps)
            for b in order
            if lengths[b] > t
        )
        return Meaning("packed_output.data", self, (Axis(len(rows), rows), self._feature_axis()))

    def cell_state(self, key: str, features: int) -> Meaning:
        """``h_1`` / ``c_1`` of a cell: (batch, features), or (features) unbatched."""
        hidden = Axis(features)
        return Meaning(key, self, (hidden,) if self.unbatched else (self._batch_axis(), hidden))

    def _batch_axis(self) -> Axis:
        return Axis(self.batch, tuple({"b": frozenset({b})} for b in range(self.batch)))

    def _feature_axis(self) -> Axis:
        h = self.h_size
        return Axis(
            h * self.directions, tuple({"dir": frozenset({i // h})} for i in range(h * self.directions))
        )


@dataclass(frozen=True)
class Meaning:
    """A tensor derived from a recurrent call, with what each index of each dim holds.

    ``fixed`` is what every element holds (from dims indexed away); ``mixed`` says why the labels
    were lost (a view across dims that do not factor). ``through`` lists, in order, what was done
    past the labels: ``("map", "fc")`` a map that mixed the last dim's features (a ``Linear``),
    ``("max", "t")`` a reduction over a dim (the max over time).
    """

    source: str
    context: Context
    axes: tuple[Axis, ...]
    fixed: Labels = field(default_factory=dict)
    mixed: str | None = None
    through: tuple[tuple[str, str], ...] = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(axis.size for axis in self.axes)

    @property
    def applied(self) -> tuple[str, ...]:
        """The maps over the features the tensor went through, in order."""
        return tuple(name for kind, name in self.through if kind == "map")

    @property
    def pooled(self) -> tuple[tuple[str, str], ...]:
        """The reductions it went through, in order: (reduction, kind of the dim)."""
        return tuple(step for step in self.through if step[0] != "map")


def meet(*parts: Labels | None) -> Labels:
    """Labels that hold together: the intersection, kind by kind."""
    met: Labels = {}
    for part in parts:
        for kind, values in (part or {}).items():
            met[kind] = met[kind] & values if kind in met else values
    return met


def join(parts: Sequence[Labels | None]) -> Labels:
    """Labels of a union (a reduction, a merge of operands): kind by kind, only kinds all carry."""
    present = [p or {} for p in parts]
    kinds = set.intersection(*(set(p) for p in present)) if present else set()
    return {kind: frozenset().union(*(p[kind] for p in present)) for kind in kinds}


def _dim(meaning: Meaning, dim: int) -> int:
    rank = len(meaning.axes)
    return dim + rank if dim < 0 else dim


def select(meaning: Meaning, dim: int, index: int) -> Meaning:
    """``t.select(dim, index)`` and ``t[..., index]``: the dim goes, what its index holds stays."""
    dim = _dim(meaning, dim)
    axis = meaning.axes[dim]
    position = index + axis.size if index < 0 else index
    labels = axis.labels[position] if axis.labels else None
    axes = meaning.axes[:dim] + meaning.axes[dim + 1 :]
    return replace(meaning, axes=axes, fixed=meet(meaning.fixed, labels))


def slice_dim(meaning: Meaning, dim: int, start: int | None, stop: int | None, step: int | None) -> Meaning:
    """``t[start:stop:step]`` along ``dim``."""
    dim = _dim(meaning, dim)
    axis = meaning.axes[dim]
    positions = range(axis.size)[slice(start, stop, step)]
    labels = tuple(axis.labels[i] for i in positions) if axis.labels else None
    return with_axis(meaning, dim, Axis(len(positions), labels))


def take(meaning: Meaning, dims: Sequence[int], indices: Sequence[Sequence[int]]) -> Meaning:
    """Advanced indexing with one-dimensional integer indices on ``dims`` (index_select for one):
    the dims are replaced by one dim of the paired indices, where the first of them was."""
    dims = [_dim(meaning, d) for d in dims]
    count = max(len(i) for i in indices)
    columns = [list(i) * count if len(i) == 1 else list(i) for i in indices]
    labels = []
    for row in range(count):
        parts = []
        for d, column in zip(dims, columns, strict=True):
            axis = meaning.axes[d]
            position = column[row] + axis.size if column[row] < 0 else column[row]
            parts.append(axis.labels[position] if axis.labels else None)
        labels.append(meet(*parts))
    new = Axis(count, tuple(labels))
    kept = [axis for i, axis in enumerate(meaning.axes) if i not in dims]
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    at = dims[0] if adjacent else 0  # torch puts non-adjacent advanced dims first
    return replace(meaning, axes=(*kept[:at], new, *kept[at:]))


def unsqueeze(meaning: Meaning, dim: int) -> Meaning:
    rank = len(meaning.axes) + 1
    dim = dim + rank if dim < 0 else dim
    return replace(meaning, axes=(*meaning.axes[:dim], Axis(1), *meaning.axes[dim:]))


def labels_at(axis: Axis, index: int) -> Labels | None:
    return axis.labels[index] if axis.labels else None


def squeeze(meaning: Meaning, dims: Sequence[int] | None = None) -> Meaning:
    """``squeeze()`` (every dim of size 1) or ``squeeze(dim)``."""
    chosen = range(len(meaning.axes)) if dims is None else [_dim(meaning, d) for d in dims]
    gone = [i for i in chosen if meaning.axes[i].size == 1]
    fixed = meet(meaning.fixed, *(labels_at(meaning.axes[i], 0) for i in gone))
    axes = tuple(axis for i, axis in enumerate(meaning.axes) if i not in gone)
    return replace(meaning, axes=axes, fixed=fixed)


def permute(meaning: Meaning, order: Sequence[int]) -> Meaning:
    return replace(meaning, axes=tuple(meaning.axes[_dim(meaning, i)] for i in order))


def transpose(meaning: Meaning, first: int, second: int) -> Meaning:
    order = list(range(len(meaning.axes)))
    a, b = _dim(meaning, first), _dim(meaning, second)
    order[a], order[b] = order[b], order[a]
    return permute(meaning, order)


def with_axis(meaning: Meaning, dim: int, axis: Axis) -> Meaning:
    """``meaning`` with the dim ``dim`` replaced by ``axis``."""
    return replace(meaning, axes=(*meaning.axes[:dim], axis, *meaning.axes[dim + 1 :]))


def union(first: Meaning, second: Meaning) -> Meaning:
    """Two same-shaped tensors of one call combined element by element (``h_n[-2] + h_n[-1]``):
    each element holds what both elements held."""
    axes = []
    for a, b in zip(first.axes, second.axes, strict=True):
        if a.labels and b.labels:
            axes.append(Axis(a.size, tuple(merge(x, y) for x, y in zip(a.labels, b.labels, strict=True))))
        else:
            axes.append(a if a.labels == b.labels else Axis(a.size))
    return replace(first, axes=tuple(axes), fixed=merge(first.fixed, second.fixed))


def merge(*parts: Labels | None) -> Labels:
    """Labels of an element that depends on several: every kind any part carries, values united."""
    merged: Labels = {}
    for part in parts:
        for kind, values in (part or {}).items():
            merged[kind] = merged[kind] | values if kind in merged else values
    return merged


def elements(meaning: Meaning) -> list[Labels] | None:
    """What each element holds, combination by combination of distinct labels (None: too many)."""
    distinct = []
    for axis in meaning.axes:
        if axis.labels and any(axis.labels):
            unique = list({_key(labels): labels for labels in axis.labels}.values())
            distinct.append(unique)
    if prod(len(d) for d in distinct) > _MOST_ELEMENTS:
        return None
    return [meet(meaning.fixed, *combo) for combo in itertools.product(*distinct)]


def _key(labels: Labels) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    return tuple(sorted((kind, tuple(sorted(values))) for kind, values in labels.items()))


def single(labels: Labels, kind: str) -> Any:
    """The one label of ``kind`` an element holds, or None when it holds several or any."""
    values = labels.get(kind)
    return next(iter(values)) if values is not None and len(values) == 1 else None
