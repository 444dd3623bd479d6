"""Views, joins and reductions of a recurrent result: what each index holds after torch regroups it.

The labels of :mod:`gru_shapes.model.follow` split and merge with a ``view`` where the dims factor
along their own boundaries (and are declared mixed where they do not), move into the joined dim of a
``cat``/``stack``, repeat with ``repeat``, spread over the features a ``Linear`` mixes, and join over
the dim a ``max``/``mean``/``sum`` pools. Plain Python, no torch.

>>> from gru_shapes.model.follow import Context, select
>>> state = Context("GRU", num_layers=1, directions=2, h_size=4, batch=3).h_n()
>>> concatenate([select(state, 0, 0), select(state, 0, 1)], 1).shape
(3, 8)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from math import prod

from gru_shapes.i18n import N_, _
from gru_shapes.model.follow import Axis, Labels, Meaning, join, labels_at, meet, merge

# More label combinations than this are not enumerated when a view is followed.
_MOST_ELEMENTS = 200_000


def _dim(meaning: Meaning, dim: int, rank: int | None = None) -> int:
    rank = len(meaning.axes) if rank is None else rank
    return dim + rank if dim < 0 else dim


def reduce(meaning: Meaning, dims: Sequence[int], keepdim: bool = False, op: str | None = None) -> Meaning:
    """``sum``/``mean``/``max``/... over ``dims``: each element now holds all the dim's indices;
    ``op`` names the reduction, recorded with the kind it pooled over (``("max", "t")``)."""
    dims = sorted({_dim(meaning, d) for d in dims})
    joined = [join(meaning.axes[d].labels or [None]) for d in dims]
    through = meaning.through
    if op is not None:
        for d in dims:
            through = (*through, (op, kind_of(meaning.axes[d])))
    if keepdim:
        by_dim = dict(zip(dims, joined, strict=True))
        axes = tuple(
            Axis(1, (by_dim[i],) if by_dim[i] else None) if i in by_dim else axis
            for i, axis in enumerate(meaning.axes)
        )
        return replace(meaning, axes=axes, through=through)
    axes = tuple(axis for i, axis in enumerate(meaning.axes) if i not in dims)
    return replace(meaning, axes=axes, fixed=meet(meaning.fixed, *joined), through=through)


def repeat(meaning: Meaning, counts: Sequence[int]) -> Meaning:
    """``t.repeat(*counts)``: each dim tiled ``count`` times (new leading dims hold every element)."""
    extra = len(counts) - len(meaning.axes)
    if extra < 0:
        raise ValueError("repeat needs a count per dim")
    axes: list[Axis] = [Axis(count) for count in counts[:extra]]
    for axis, count in zip(meaning.axes, counts[extra:], strict=True):
        labels = axis.labels * count if axis.labels else None
        axes.append(Axis(axis.size * count, labels))
    return replace(meaning, axes=tuple(axes))


def mix_features(meaning: Meaning, size: int, name: str) -> Meaning:
    """A map over the last dim (``Linear``, ``LayerNorm``): every new feature depends on every old
    one, so each holds what all of them held; the other dims keep their labels."""
    if not meaning.axes:
        return replace(meaning, through=(*meaning.through, ("map", name)))
    last = meaning.axes[-1]
    joined = merge(*(last.labels or ()))
    axis = Axis(size, tuple(joined for _ in range(size)) if joined else None)
    return replace(meaning, axes=(*meaning.axes[:-1], axis), through=(*meaning.through, ("map", name)))


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
            fixed = meet(fixed, *(labels_at(axis, 0) for axis in group_old))
            continue
        grouped = _regroup(group_old, group_new, meaning.source)
        if isinstance(grouped, str):
            return replace(meaning, axes=tuple(Axis(s) for s in new_shape), mixed=grouped)
        axes.extend(grouped)
    return replace(meaning, axes=tuple(axes), fixed=fixed)


def _regroup(old: list[Axis], new: list[int], source: str) -> list[Axis] | str:
    carrying = [
        axis for axis in old if axis.labels and axis.size > 1 and len(set(map(_key, axis.labels))) > 1
    ]
    if len(old) == 1 or len(new) == 1 or len(carrying) <= 1:
        if prod(a.size for a in old) > _MOST_ELEMENTS:
            return [Axis(size) for size in new]
        regrouped = _split_merge(old, new)
        if _exact(old, regrouped):
            return regrouped
        # One dim that already merged two (batch × features, say) split elsewhere than at their
        # boundary: its pieces hold parts of several, which no per-dim labels can say.
    names = _(" and ").join(_(_kind_name(axis)) for axis in carrying)
    return _(
        "this view mixes the {names} dims of {source}: they do not split or merge along their own boundaries"
    ).format(names=names, source=source)


def _exact(old: list[Axis], new: list[Axis]) -> bool:
    """Whether every element's labels, read from the new dims, are what it held in the old ones."""
    if not any(axis.labels for axis in old):
        return True
    for old_position, new_position in zip(
        itertools.product(*(range(a.size) for a in old)),
        itertools.product(*(range(a.size) for a in new)),
        strict=True,
    ):
        was = meet(*(a.labels[p] if a.labels else None for a, p in zip(old, old_position, strict=True)))
        now = meet(*(a.labels[p] if a.labels else None for a, p in zip(new, new_position, strict=True)))
        if was != now:
            return False
    return True


def _key(labels: Labels) -> tuple[tuple[str, tuple[object, ...]], ...]:
    return tuple(sorted((kind, tuple(sorted(map(repr, values)))) for kind, values in labels.items()))


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
            per_index[index].append(meet(*parts))
        labels = tuple(join(parts) for parts in per_index)
        axes.append(Axis(size, labels if any(labels) else None))
    return axes


_KIND_NAMES = (
    ("slot", N_("layer × direction")),
    ("b", N_("batch")),
    ("t", N_("time")),
    ("dir", N_("direction")),
)


def kind_of(axis: Axis) -> str:
    """The kind an axis indexes, by its varying labels: ``slot``, ``b``, ``t``, ``dir`` or ``""``."""
    labels = axis.labels or ()
    for kind, _name in _KIND_NAMES:
        values = {frozenset(entry.get(kind, ())) for entry in labels}
        if len(values) > 1 or (axis.size == 1 and any(kind in entry for entry in labels)):
            return kind
    return ""


def kinds_of(axis: Axis) -> list[str]:
    """Every kind that varies along an axis, in the vocabulary's order."""
    labels = axis.labels or ()
    return [
        kind
        for kind, _name in _KIND_NAMES
        if len({frozenset(entry.get(kind, ())) for entry in labels}) > 1
        or (axis.size == 1 and any(kind in entry for entry in labels))
    ]


def _kind_name(axis: Axis) -> str:
    kinds = set().union(*(labels.keys() for labels in axis.labels or ()))
    for kind, name in _KIND_NAMES:
        if kind in kinds:
            return name
    return N_("features")


def kind_name(kind: str) -> str:
    """A kind in words, in the language in force (``"t"`` -> ``time``)."""
    return _(dict(_KIND_NAMES).get(kind, N_("features")))


def concatenate(
    parts: Sequence[Meaning | tuple[int, ...] | tuple[tuple[int, ...], str]], dim: int, new_dim: bool = False
) -> Meaning:
    """``torch.cat`` (``new_dim`` False) or ``torch.stack`` of tensors, some of them plain shapes (not
    derived from this call), optionally named (``((7, 3, 6), "lstm's input")``): what each operand held
    moves into the joined dim, and the other dims keep the labels the operands of this call carry
    there (a plain operand is aligned index by index with them)."""
    first = next(p for p in parts if isinstance(p, Meaning))
    rank = len(first.axes) + (1 if new_dim else 0)
    dim = _dim(first, dim, rank)
    joined: list[Labels] = []
    rests: list[list[Axis]] = []
    own = [p for p in parts if isinstance(p, Meaning)]
    for part in parts:
        if isinstance(part, Meaning):
            axes, fixed = list(part.axes), dict(part.fixed)
        else:
            shape, name = _plain(part)
            axes, fixed = [Axis(size) for size in shape], {"other": frozenset({name})}
        rest = axes if new_dim else axes[:dim] + axes[dim + 1 :]
        if isinstance(part, Meaning):
            # What the other dims held in this operand, where the operands differ there: joined,
            # those dims keep the union, and the joined dim tells the operands apart.
            fixed = meet(fixed, *_differing(part, own, dim, new_dim))
        rests.append(rest)
        if new_dim:
            joined.append(fixed)
            continue
        along = axes[dim]
        joined.extend(meet(fixed, along.labels[i] if along.labels else None) for i in range(along.size))
    kept: list[Axis] = []
    for index, column in enumerate(zip(*rests, strict=True)):
        size = column[0].size
        labelled = [rests[k][index] for k, p in enumerate(parts) if isinstance(p, Meaning)]
        if all(axis.labels for axis in labelled):
            kept.append(
                Axis(size, tuple(join([a.labels[i] for a in labelled if a.labels]) for i in range(size)))
            )
        else:
            kept.append(Axis(size))
    mixed = next((p.mixed for p in own if p.mixed), None)
    along_axis = Axis(len(joined), tuple(joined))
    return replace(first, axes=(*kept[:dim], along_axis, *kept[dim:]), fixed={}, mixed=mixed, through=())


def _plain(part: tuple[int, ...] | tuple[tuple[int, ...], str]) -> tuple[tuple[int, ...], str]:
    if len(part) == 2 and isinstance(part[0], tuple) and isinstance(part[1], str):
        return tuple(part[0]), part[1]
    return tuple(int(size) for size in part if isinstance(size, int)), "?"


def _differing(part: Meaning, own: Sequence[Meaning], dim: int, new_dim: bool) -> list[Labels]:
    """For each dim kept by the join on which this call's operands do not all agree, the union of
    what this operand holds along it."""
    found: list[Labels] = []
    for i, axis in enumerate(part.axes):
        if not new_dim and i == dim:
            continue
        others = [o.axes[i].labels if i < len(o.axes) else None for o in own]
        if all(labels == axis.labels for labels in others) or not axis.labels:
            continue
        found.append(merge(*axis.labels))
    return found
