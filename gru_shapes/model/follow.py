"""What a slice of a recurrent layer's result holds: plain Python, no torch.

Every dim of a tensor a recurrent call returned carries, index by index, what it indexes: ``h_n``'s
dim 0 a (layer, direction) slot, a batch dim the sequence ``b``, a time dim the step ``t``, a
bidirectional feature dim the direction. Indexing, views, permutes and concatenations move these
labels as torch moves the data, so what ``h_n[-1]`` or ``output[:, -1]`` holds, and why a reader
would be misled by it, is read off the labels: the classification "which slice of which tensor was
taken -> what it holds, its pitfall" lives here and nowhere else.

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

from gru_shapes.i18n import N_, _

# What one index of a dim indexes, kind by kind: "slot" (layer, direction), "b" a sequence,
# "t" a time step, "dir" a direction of the output's features. A kind absent: any.
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
    were lost (a view across dims that do not factor).
    """

    source: str
    context: Context
    axes: tuple[Axis, ...]
    fixed: Labels = field(default_factory=dict)
    mixed: str | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(axis.size for axis in self.axes)


def _meet(*parts: Labels | None) -> Labels:
    """Labels that hold together: the intersection, kind by kind."""
    met: Labels = {}
    for part in parts:
        for kind, values in (part or {}).items():
            met[kind] = met[kind] & values if kind in met else values
    return met


def _join(parts: Sequence[Labels | None]) -> Labels:
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
    return replace(meaning, axes=axes, fixed=_meet(meaning.fixed, labels))


def slice_dim(meaning: Meaning, dim: int, start: int | None, stop: int | None, step: int | None) -> Meaning:
    """``t[start:stop:step]`` along ``dim``."""
    dim = _dim(meaning, dim)
    axis = meaning.axes[dim]
    positions = range(axis.size)[slice(start, stop, step)]
    labels = tuple(axis.labels[i] for i in positions) if axis.labels else None
    return _with_axis(meaning, dim, Axis(len(positions), labels))


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
        labels.append(_meet(*parts))
    new = Axis(count, tuple(labels))
    kept = [axis for i, axis in enumerate(meaning.axes) if i not in dims]
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    at = dims[0] if adjacent else 0  # torch puts non-adjacent advanced dims first
    return replace(meaning, axes=(*kept[:at], new, *kept[at:]))


def unsqueeze(meaning: Meaning, dim: int) -> Meaning:
    rank = len(meaning.axes) + 1
    dim = dim + rank if dim < 0 else dim
    return replace(meaning, axes=(*meaning.axes[:dim], Axis(1), *meaning.axes[dim:]))


def _labels_at(axis: Axis, index: int) -> Labels | None:
    return axis.labels[index] if axis.labels else None


def squeeze(meaning: Meaning, dims: Sequence[int] | None = None) -> Meaning:
    """``squeeze()`` (every dim of size 1) or ``squeeze(dim)``."""
    chosen = range(len(meaning.axes)) if dims is None else [_dim(meaning, d) for d in dims]
    gone = [i for i in chosen if meaning.axes[i].size == 1]
    fixed = _meet(meaning.fixed, *(_labels_at(meaning.axes[i], 0) for i in gone))
    axes = tuple(axis for i, axis in enumerate(meaning.axes) if i not in gone)
    return replace(meaning, axes=axes, fixed=fixed)


def permute(meaning: Meaning, order: Sequence[int]) -> Meaning:
    return replace(meaning, axes=tuple(meaning.axes[_dim(meaning, i)] for i in order))


def transpose(meaning: Meaning, first: int, second: int) -> Meaning:
    order = list(range(len(meaning.axes)))
    a, b = _dim(meaning, first), _dim(meaning, second)
    order[a], order[b] = order[b], order[a]
    return permute(meaning, order)


def reduce(meaning: Meaning, dims: Sequence[int]) -> Meaning:
    """``sum``/``mean`` over ``dims`` (keepdim off): each element now holds all the dim's indices."""
    dims = [_dim(meaning, d) for d in dims]
    joined = [_join(meaning.axes[d].labels or [None]) for d in dims]
    axes = tuple(axis for i, axis in enumerate(meaning.axes) if i not in dims)
    return replace(meaning, axes=axes, fixed=_meet(meaning.fixed, *joined))


def reshape(meaning: Meaning, shape: Sequence[int]) -> Meaning:
    """``view``/``reshape``/``flatten``: dims split and merged where their sizes factor; a group of
    dims that is both split and merged across boundaries mixes what they hold."""
    old = meaning.axes
    total = prod(axis.size for axis in old)
    new_shape = list(shape)
    if -1 in new_shape:
        known = prod(size for size in new_shape if size != -1)
        new_shape[new_shape.index(-1)] = total // known if known else 0
    axes: list[Axis] = []
    fixed = meaning.fixed
    i = j = 0
    while i < len(old) or j < len(new_shape):
        group_old: list[Axis] = []
        group_new: list[int] = []
        size_old = size_new = 1
        # Take dims from each side until the products meet (size-1 dims close at once).
        while True:
            if size_old <= size_new and i < len(old) and (not group_old or size_old != size_new):
                group_old.append(old[i])
                size_old *= old[i].size
                i += 1
            elif j < len(new_shape) and (not group_new or size_new != size_old):
                group_new.append(new_shape[j])
                size_new *= new_shape[j]
                j += 1
            else:
                break
            if group_old and group_new and size_old == size_new:
                break
        if not group_new:  # trailing dims of size 1 vanish; what their one index holds, every element holds
            fixed = _meet(fixed, *(_labels_at(axis, 0) for axis in group_old))
            continue
        grouped = _regroup(group_old, group_new, meaning.source)
        if isinstance(grouped, str):
            return replace(meaning, axes=tuple(Axis(s) for s in new_shape), mixed=grouped)
        axes.extend(grouped)
    return replace(meaning, axes=tuple(axes), fixed=fixed)


def _regroup(old: list[Axis], new: list[int], source: str) -> list[Axis] | str:
    carrying = [axis for axis in old if axis.labels and axis.size > 1]
    if len(old) == 1 or len(new) == 1 or len(carrying) <= 1:
        if prod(a.size for a in old) > _MOST_ELEMENTS:
            return [Axis(size) for size in new]
        return _split_merge(old, new)
    names = _(" and ").join(_(_kind_name(axis)) for axis in carrying)
    return _(
        "this view mixes the {names} dims of {source}: they do not split or merge along their own boundaries"
    ).format(names=names, source=source)


def _split_merge(old: list[Axis], new: list[int]) -> list[Axis]:
    """Each new dim's index holds the labels of the old positions it covers (pure split or merge)."""
    sizes = [axis.size for axis in old]
    positions = list(itertools.product(*(range(s) for s in sizes)))
    axes = []
    stride = prod(new)
    for size in new:
        stride //= size if size else 1
        per_index: list[list[Labels | None]] = [[] for _ in range(size)]
        for flat, position in enumerate(positions):
            index = (flat // stride) % size if size else 0
            parts = [axis.labels[p] if axis.labels else None for axis, p in zip(old, position, strict=True)]
            per_index[index].append(_meet(*parts))
        labels = tuple(_join(parts) for parts in per_index)
        axes.append(Axis(size, labels if any(labels) else None))
    return axes


_KIND_NAMES = (
    ("slot", N_("layer × direction")),
    ("b", N_("batch")),
    ("t", N_("time")),
    ("dir", N_("direction")),
)


def _kind_name(axis: Axis) -> str:
    kinds = set().union(*(labels.keys() for labels in axis.labels or ()))
    for kind, name in _KIND_NAMES:
        if kind in kinds:
            return name
    return N_("features")


def _with_axis(meaning: Meaning, dim: int, axis: Axis) -> Meaning:
    return replace(meaning, axes=(*meaning.axes[:dim], axis, *meaning.axes[dim + 1 :]))


def concatenate(parts: Sequence[Meaning | tuple[int, ...]], dim: int, new_dim: bool = False) -> Meaning:
    """``torch.cat`` (``new_dim`` False) or ``torch.stack`` of tensors, some of them plain shapes
    (not derived from a recurrent call): what each operand held moves into the joined dim."""
    first = next(p for p in parts if isinstance(p, Meaning))
    rank = len(first.axes) + (1 if new_dim else 0)
    dim = dim + rank if dim < 0 else dim
    joined: list[Labels] = []
    rests: list[list[Axis]] = []
    for part in parts:
        axes = list(part.axes) if isinstance(part, Meaning) else [Axis(size) for size in part]
        fixed = part.fixed if isinstance(part, Meaning) else {}
        if new_dim:
            joined.append(dict(fixed))
            rests.append(axes)
            continue
        along = axes[dim]
        joined.extend(_meet(fixed, along.labels[i] if along.labels else None) for i in range(along.size))
        rests.append(axes[:dim] + axes[dim + 1 :])
    # The other dims keep the labels every operand carries there.
    kept: list[Axis] = []
    for column in zip(*rests, strict=True):
        size = column[0].size
        if all(axis.labels for axis in column):
            kept.append(
                Axis(size, tuple(_join([a.labels[i] for a in column if a.labels]) for i in range(size)))
            )
        else:
            kept.append(Axis(size))
    mixed = next((p.mixed for p in parts if isinstance(p, Meaning) and p.mixed), None)
    along_axis = Axis(len(joined), tuple(joined))
    return replace(first, axes=(*kept[:dim], along_axis, *kept[dim:]), fixed={}, mixed=mixed)


def elements(meaning: Meaning) -> list[Labels] | None:
    """What each element holds, combination by combination of distinct labels (None: too many)."""
    distinct = []
    for axis in meaning.axes:
        if axis.labels and any(axis.labels):
            unique = list({_key(labels): labels for labels in axis.labels}.values())
            distinct.append(unique)
    if prod(len(d) for d in distinct) > _MOST_ELEMENTS:
        return None
    return [_meet(meaning.fixed, *combo) for combo in itertools.product(*distinct)]


def _key(labels: Labels) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    return tuple(sorted((kind, tuple(sorted(values))) for kind, values in labels.items()))


def single(labels: Labels, kind: str) -> Any:
    """The one label of ``kind`` an element holds, or None when it holds several or any."""
    values = labels.get(kind)
    return next(iter(values)) if values is not None and len(values) == 1 else None
