"""Padding the trace can see, and what it does to a pooling over time.

An unpacked batch is taken to end in padding only on evidence: the ids an ``nn.Embedding`` with a
``padding_idx`` was fed during the forward end in that index, aligned with the recurrent layer's
input; or the input's trailing all-zero feature vectors stop exactly at lengths the model was given
(a 1-d integer tensor of one length per sequence). Zero vectors alone are not evidence (the bottom
rows of an MNIST digit read row by row are zeros too).

A reduction over time (``max``, ``min``, ``mean``, ``sum``, ``logsumexp``) of a padded batch is
judged on the real tensor: the mean always counts the padded steps; the sum only when they are not
zero; the max (min) when a padded value can beat a real one, so masking with a very low value, or
unpacking with ``padding_value=-1e4``, passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from gru_shapes.i18n import _
from gru_shapes.model.follow import Axis, Meaning


@dataclass
class Evidence:
    """What the forward showed of the padding so far: embedding ids (with their pad index) and the
    lengths the model was given."""

    ids: list[tuple[torch.Tensor, int]] = field(default_factory=list)
    lengths: list[tuple[int, ...]] = field(default_factory=list)

    def given(self, values: Sequence[Any]) -> None:
        """The model's own arguments: a 1-d integer tensor (or a list of ints) may be lengths."""
        for value in values:
            if isinstance(value, torch.Tensor) and value.dim() == 1 and not value.is_floating_point():
                if value.dtype != torch.bool and value.numel() > 0:
                    self.lengths.append(tuple(int(v) for v in value.tolist()))
            elif isinstance(value, (list, tuple)) and value and all(type(v) is int for v in value):
                self.lengths.append(tuple(value))

    def embedded(self, module: Any, ids: Any) -> None:
        """An ``nn.Embedding`` call: its ids count when it declares a ``padding_idx``."""
        pad = getattr(module, "padding_idx", None)
        if pad is not None and isinstance(ids, torch.Tensor) and ids.dim() == 2:
            self.ids.append((ids.detach(), int(pad)))


def _trailing(mask: torch.Tensor) -> list[int]:
    """Per column of a (steps, batch) mask: how many steps at its end are set."""
    steps = mask.shape[0]
    counts = []
    for column in mask.t().tolist():
        n = 0
        while n < steps and column[steps - 1 - n]:
            n += 1
        counts.append(n)
    return counts


def unpacked_lengths(x: Any, batch_first: bool, evidence: Evidence) -> tuple[int, ...] | None:
    """Each sequence's real length in an unpacked batch ``x``, when the forward showed it ends in
    padding; None when it did not (or nothing says so)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 3 or not x.is_floating_point():
        return None
    with torch.no_grad():
        zeros = x.detach().abs().sum(-1) == 0
    if batch_first:
        zeros = zeros.t()
    steps, batch = zeros.shape
    if steps < 2:
        return None
    for ids, pad in reversed(evidence.ids):
        for mask in _aligned(ids == pad, steps, batch, zeros):
            lengths = _lengths(mask, steps)
            if lengths is not None:
                return lengths
    lengths = _lengths(zeros, steps)
    if lengths is not None and lengths in evidence.lengths:
        return lengths
    return None


def _aligned(mask: torch.Tensor, steps: int, batch: int, zeros: torch.Tensor) -> list[torch.Tensor]:
    """The id mask as (steps, batch), in each layout that fits; the one agreeing with the input's
    zero vectors first."""
    found = [m for m in (mask, mask.t()) if tuple(m.shape) == (steps, batch)]
    if len(found) == 2:
        found.sort(key=lambda m: not torch.equal(m, zeros))
    return found


def _lengths(mask: torch.Tensor, steps: int) -> tuple[int, ...] | None:
    trailing = _trailing(mask)
    if not any(trailing) or all(n == steps for n in trailing):
        return None
    return tuple(steps - n for n in trailing)


def pooling_pitfall(
    tensor: torch.Tensor, meaning: Meaning, dims: Sequence[int], op: str, gather: str
) -> tuple[str, int] | None:
    """What ``op`` over ``dims`` (time) of ``tensor`` does with the padding, on its real values: the
    pitfall and how many sequences it affects; None when the padding cannot change the result."""
    context = meaning.context
    mask = _padding_mask(meaning, context.lengths or ())
    if mask is None or not bool(mask.any()):
        return None
    dims = [d % tensor.dim() for d in dims]
    batch_axis = _axis_with(meaning, "b")
    with torch.no_grad():
        values = tensor.detach()
        if op in ("mean", "logsumexp"):
            affected = _affected(mask, batch_axis)
        elif op == "sum":
            affected = _affected((values != 0) & mask, batch_axis)
        else:
            real = values.masked_fill(mask, float("inf") if op == "max" else float("-inf"))
            pads = values.masked_fill(~mask, float("-inf") if op == "max" else float("inf"))
            if op == "max":
                beats = pads.amax(dim=dims, keepdim=True) > real.amin(dim=dims, keepdim=True)
            else:
                beats = pads.amin(dim=dims, keepdim=True) < real.amax(dim=dims, keepdim=True)
            affected = _affected(beats.expand_as(mask) & mask, batch_axis)
    if not affected:
        return None
    batch = context.batch
    if op in ("mean", "logsumexp"):
        text = _(
            "the {op} over time counts the padded steps of {count} of {batch} sequences as real ones; "
            "take {gather}"
        )
    elif op == "sum":
        text = _(
            "the sum over time adds the padded values of {count} of {batch} sequences; mask them to 0 first"
        )
    else:
        text = _(
            "the {op} over time can pick a padded value for {count} of {batch} sequences (the padding is not "
            "below every real value); mask the padding first, or unpack with "
            "pad_packed_sequence(..., padding_value=-1e4)"
        )
    return text.format(op=_(op), count=affected, batch=batch, gather=gather), affected


def _affected(mask: torch.Tensor, batch_axis: int | None) -> int:
    """How many sequences ``mask`` touches (one, when the batch was indexed away)."""
    if not bool(mask.any()):
        return 0
    if batch_axis is None:
        return 1
    return int(mask.movedim(batch_axis, 0).reshape(mask.shape[batch_axis], -1).any(dim=1).sum())


def _padding_mask(meaning: Meaning, lengths: Sequence[int]) -> torch.Tensor | None:
    """True where an element is a padded step, as a tensor broadcastable to ``meaning``'s shape."""
    if not lengths:
        return None
    time = _axis_with(meaning, "t")
    batch = _axis_with(meaning, "b")
    fixed_b = meaning.fixed.get("b")
    if time is None or (batch is None and (fixed_b is None or len(fixed_b) != 1)) or time == batch:
        return None
    rank = len(meaning.axes)
    steps = torch.tensor([next(iter(e["t"])) for e in _labels(meaning.axes[time])])
    shape_t = [1] * rank
    shape_t[time] = len(steps)
    if batch is None:
        only: int = next(iter(fixed_b or ()))
        limit = torch.tensor(lengths[only]).reshape([1] * rank)
    else:
        seqs = [next(iter(e["b"])) for e in _labels(meaning.axes[batch])]
        limit = torch.tensor([lengths[b] for b in seqs])
        shape_b = [1] * rank
        shape_b[batch] = len(seqs)
        limit = limit.reshape(shape_b)
    mask = steps.reshape(shape_t) >= limit
    return mask.expand(meaning.shape).contiguous()


def _labels(axis: Axis) -> Sequence[Mapping[str, Any]]:
    return axis.labels or ()


def _axis_with(meaning: Meaning, kind: str) -> int | None:
    """The one axis whose every index holds one value of ``kind``; None if there is no such axis."""
    for i, axis in enumerate(meaning.axes):
        labels = axis.labels or ()
        if labels and all(len(e.get(kind, ())) == 1 for e in labels) and (axis.size > 1 or kind in labels[0]):
            return i
    return None
