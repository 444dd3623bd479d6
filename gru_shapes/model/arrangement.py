"""How the pieces of a final state are laid side by side, in words: the strided pairing
``torch.cat([h_n[0::2], h_n[1::2]], 2)``, OpenNMT's ``view(L, 2, B, H).transpose(1, 2).view(L, B, 2H)``,
``h_n.permute(1, 0, 2).reshape(B, -1)``. Read off the ``slot`` labels of the last dim (the features)
and of the dims beside it; plain Python, no torch.

>>> from gru_shapes.model.follow import Context, transpose
>>> from gru_shapes.model.regroup import reshape
>>> state = Context("GRU", num_layers=2, directions=2, h_size=4, batch=3).h_n()
>>> arrangement(state) is None
True
>>> paired = reshape(transpose(reshape(state, [2, 2, 3, 4]), 1, 2), [2, 3, 8])
>>> arrangement(paired)
"each layer's forward state beside its backward state"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gru_shapes.i18n import _
from gru_shapes.model.follow import Axis, Meaning

Slot = tuple[int, int]


def _slot_sets(axis: Axis) -> list[frozenset[Slot]]:
    """The distinct slot sets along an axis, in index order."""
    found: list[frozenset[Slot]] = []
    for labels in axis.labels or ():
        slots = frozenset(labels.get("slot", ()))
        if slots and slots not in found:
            found.append(slots)
    return found


def _partition(sets: Sequence[frozenset[Slot]]) -> str | None:
    """What one index of an axis holds: one ``slot``, one ``layer`` (both directions), one
    ``direction`` (over several layers); None for anything else."""
    if all(len(s) == 1 for s in sets):
        return "slot"
    if all(len({layer for layer, _k in s}) == 1 and len({k for _l, k in s}) == 2 for s in sets):
        return "layer"
    if all(len({k for _l, k in s}) == 1 for s in sets):
        return "direction"
    return None


def arrangement(meaning: Meaning) -> str | None:
    """How states sit side by side in the last dim (the features), or None when they do not."""
    sized = [i for i, axis in enumerate(meaning.axes) if axis.size > 1]
    if not sized or meaning.mixed:
        return None
    d = meaning.context.directions
    last = sized[-1]
    features = _slot_sets(meaning.axes[last])
    if len(features) < 2:
        return None
    kind = _partition(features)
    others = [_partition(_slot_sets(a)) for a in meaning.axes[:last] if len(_slot_sets(a)) > 1]
    if kind == "direction" and d == 2:
        if "layer" in others or "slot" in others:
            return _("each layer's forward state beside its backward state")
        layers = {layer for s in features for layer, _k in s}
        if len(layers) == 1:
            return _("the forward state beside the backward state")
        return _("the forward states beside the backward states")
    if kind == "slot":
        ordered: list[Any] = [next(iter(s)) for s in features]
        if d == 2 and len(ordered) == 2 and ordered[0][0] == ordered[1][0]:
            if ordered[0][1] == 0:
                return _("the forward state beside the backward state")
            return _("the backward state beside the forward state")
        if d == 1:
            return _("every layer's state side by side")
        return _("every layer's and direction's state side by side")
    if kind == "layer":
        return _("the layers' states side by side")
    return None
