"""What one torch operation on a traced tensor does to what it holds, and how it is written.

The model's own operations reach :mod:`gru_shapes.tracing.tracer` as ``(func, args, kwargs)`` through a
TorchFunctionMode; here they become :mod:`gru_shapes.model.follow` operations on the labels, and an
expression on the traced names (``h_n[-1]``, ``torch.cat((h_n[-2], h_n[-1]), dim=1)``).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from gru_shapes.model import follow, regroup
from gru_shapes.model.follow import Meaning
from gru_shapes.tracing.written import JOINS, OPERATORS, expression

# Operations that keep every element where it is: followed through without a use of their own.
SAME = frozenset({"contiguous", "clone", "detach", "float", "double", "half", "to", "cpu", "cuda", "type_as"})
# Functions that cut a tensor into a tuple of pieces along one dim.
PIECES = frozenset({"chunk", "split", "unbind"})
# Functions whose result, though shaped as their operand, no longer holds it element by element.
STOP = frozenset(
    {
        "matmul",
        "mm",
        "bmm",
        "softmax",
        "log_softmax",
        "cumsum",
        "flip",
        "roll",
        "sort",
        "linear",
        "__matmul__",
    }
)
# Reductions over a dim, by the name the pooling is known by.
REDUCTIONS = {
    "sum": "sum",
    "nansum": "sum",
    "mean": "mean",
    "nanmean": "mean",
    "max": "max",
    "amax": "max",
    "min": "min",
    "amin": "min",
    "logsumexp": "logsumexp",
}
# Pooling over the last dim; a kernel as long as that dim (or an output of size 1) is a reduction.
POOLS = {
    "max_pool1d": "max",
    "avg_pool1d": "mean",
    "adaptive_max_pool1d": "max",
    "adaptive_avg_pool1d": "mean",
}


def arg_of(args: Sequence[Any], kwargs: Mapping[str, Any], position: int, name: str, default: Any) -> Any:
    if len(args) > position:
        return args[position]
    return kwargs.get(name, default)


def _ints(values: Sequence[Any]) -> list[int]:
    if len(values) == 1 and isinstance(values[0], (tuple, list, torch.Size)):
        values = values[0]
    return [operator.index(v) for v in values]


def apply(
    name: str,
    m: Meaning,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    meanings: Mapping[int, Meaning],
    names: Mapping[int, str] | None = None,
) -> Meaning | None:
    """What the result of ``name`` applied to a tensor holding ``m`` holds, or None for an operation
    not followed; ``meanings`` are those of every operand of this call, by ``id``, and ``names``
    what the other tensors of a join are (``"lstm's input"``), by ``id``.

    >>> from gru_shapes.model.follow import Context
    >>> h_n = Context("GRU", num_layers=2, directions=2, h_size=8, batch=3).h_n()
    >>> apply("view", h_n, (None, 2, 2, 3, 8), {}, {}).shape
    (2, 2, 3, 8)
    """
    try:
        if name == "__getitem__":
            return _index(m, args[1])
        if name == "select":
            return follow.select(
                m,
                operator.index(arg_of(args, kwargs, 1, "dim", 0)),
                operator.index(arg_of(args, kwargs, 2, "index", 0)),
            )
        if name in ("view", "reshape"):
            shape = _ints(args[1:]) if len(args) > 1 else _ints([kwargs["shape"]])
            return regroup.reshape(m, shape)
        if name == "flatten":
            start = operator.index(arg_of(args, kwargs, 1, "start_dim", 0))
            end = operator.index(arg_of(args, kwargs, 2, "end_dim", -1))
            sizes = list(m.shape)
            rank = len(sizes)
            start, end = start % rank if rank else 0, end % rank if rank else 0
            merged = 1
            for size in sizes[start : end + 1]:
                merged *= size
            return regroup.reshape(m, [*sizes[:start], merged, *sizes[end + 1 :]])
        if name == "permute":
            return follow.permute(m, _ints(args[1:]) if len(args) > 1 else _ints([kwargs["dims"]]))
        if name in ("transpose", "swapaxes", "swapdims"):
            return follow.transpose(
                m,
                operator.index(arg_of(args, kwargs, 1, "dim0", 0)),
                operator.index(arg_of(args, kwargs, 2, "dim1", 1)),
            )
        if name == "t":
            return follow.transpose(m, 0, 1) if len(m.axes) == 2 else m
        if name == "squeeze":
            dim = arg_of(args, kwargs, 1, "dim", None)
            dims = (
                None
                if dim is None
                else _ints([dim])
                if isinstance(dim, (tuple, list))
                else [operator.index(dim)]
            )
            return follow.squeeze(m, dims)
        if name == "unsqueeze":
            return follow.unsqueeze(m, operator.index(arg_of(args, kwargs, 1, "dim", 0)))
        if name in ("cat", "concat", "concatenate", "stack"):
            tensors = args[0] if args else kwargs["tensors"]
            dim = operator.index(arg_of(args, kwargs, 1, "dim", 0))
            parts: list[Meaning | tuple[int, ...] | tuple[tuple[int, ...], str]] = []
            for tensor in tensors:
                found = meanings.get(id(tensor))
                name_of = names.get(id(tensor)) if names else None
                parts.append(
                    found
                    if found is not None
                    else (tuple(tensor.shape), name_of)
                    if name_of
                    else tuple(tensor.shape)
                )
            return regroup.concatenate(parts, dim, new_dim=name == "stack")
        if name == "index_select":
            index = args[2] if len(args) > 2 else kwargs["index"]
            return follow.take(m, [operator.index(arg_of(args, kwargs, 1, "dim", 0))], [index.tolist()])
        if name == "repeat":
            return regroup.repeat(m, _ints(args[1:]) if len(args) > 1 else _ints([kwargs["repeats"]]))
        if name in REDUCTIONS and arg_of(args, kwargs, 1, "dim", None) is not None:
            dim = arg_of(args, kwargs, 1, "dim", None)
            dims = _ints([dim]) if isinstance(dim, (tuple, list)) else [operator.index(dim)]
            keepdim = bool(arg_of(args, kwargs, 2, "keepdim", False))
            return regroup.reduce(m, dims, keepdim=keepdim, op=REDUCTIONS[name])
        if name in POOLS:
            return _pool(name, m, args, kwargs)
        if name == "masked_fill":
            return m
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    return None


def reduced_dims(name: str, m: Meaning, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[int] | None:
    """The dims a reduction or a whole-length pooling takes away (as non-negative indices)."""
    rank = len(m.axes)
    try:
        if name in POOLS:
            return [rank - 1]
        dim = arg_of(args, kwargs, 1, "dim", None)
        if dim is None:
            return None
        dims = _ints([dim]) if isinstance(dim, (tuple, list)) else [operator.index(dim)]
        return [d % rank for d in dims]
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _pool(name: str, m: Meaning, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Meaning | None:
    """A 1-d pooling that covers the whole last dim at once: the reduction over it, kept as size 1."""
    if len(m.axes) < 2:
        return None
    length = m.axes[-1].size
    if name.startswith("adaptive"):
        whole = _ints([arg_of(args, kwargs, 1, "output_size", 0)]) == [1]
    else:
        kernel = _ints([arg_of(args, kwargs, 1, "kernel_size", 0)])
        stride = arg_of(args, kwargs, 2, "stride", None)
        padding = arg_of(args, kwargs, 3, "padding", 0)
        whole = (
            kernel == [length]
            and (stride in (None, [], ()) or _ints([stride]) in ([length], []))
            and (padding in (0, (0,), [0]))
        )
    return regroup.reduce(m, [len(m.axes) - 1], keepdim=True, op=POOLS[name]) if whole else None


def _index(m: Meaning, index: Any) -> Meaning | None:
    parts = list(index) if isinstance(index, tuple) else [index]
    # A 0-dim integer tensor indexes as the integer it holds (``output[i][length - 1]``).
    parts = [
        int(p.item())
        if isinstance(p, torch.Tensor)
        and p.dim() == 0
        and not p.is_floating_point()
        and p.dtype != torch.bool
        else p
        for p in parts
    ]
    if any(isinstance(p, torch.Tensor) and (p.dtype == torch.bool or p.dim() != 1) for p in parts):
        return None
    advanced = [isinstance(p, (torch.Tensor, list)) for p in parts]
    consumed = sum(1 for p in parts if p is not None and p is not Ellipsis)
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        parts[at : at + 1] = [slice(None)] * (len(m.axes) - consumed)
    if any(advanced):
        full = [p for p in parts if not isinstance(p, (torch.Tensor, list))]
        if any(p != slice(None) for p in full):
            return None
        dims = [i for i, p in enumerate(parts) if isinstance(p, (torch.Tensor, list))]
        values = [p.tolist() if isinstance(p, torch.Tensor) else list(p) for p in (parts[i] for i in dims)]
        return follow.take(m, dims, values)
    dim = 0
    for part in parts:
        if part is None:
            m = follow.unsqueeze(m, dim)
            dim += 1
        elif isinstance(part, slice):
            m = follow.slice_dim(m, dim, part.start, part.stop, part.step)
            dim += 1
        else:
            m = follow.select(m, dim, operator.index(part))
    return m


def pieces(
    name: str, m: Meaning, args: Sequence[Any], kwargs: Mapping[str, Any], shapes: Sequence[tuple[int, ...]]
) -> list[Meaning] | None:
    """What each piece of ``chunk``/``split``/``unbind`` holds, given the pieces' shapes torch returned.

    >>> from gru_shapes.model.follow import Context
    >>> output = Context("GRU", directions=2, h_size=4, batch=3, steps=5, batch_first=True).output()
    >>> [p.shape for p in pieces("chunk", output, (None, 2), {"dim": -1}, [(3, 5, 4), (3, 5, 4)])]
    [(3, 5, 4), (3, 5, 4)]
    """
    try:
        default = 0
        dim = operator.index(arg_of(args, kwargs, 2 if name != "unbind" else 1, "dim", default))
        if name == "unbind":
            return [follow.select(m, dim, i) for i in range(len(shapes))]
        dim = dim + len(m.axes) if dim < 0 else dim
        found, start = [], 0
        for shape in shapes:
            size = shape[dim]
            found.append(follow.slice_dim(m, dim, start, start + size, None))
            start += size
        return found
    except (TypeError, ValueError, IndexError):
        return None


__all__ = ["JOINS", "OPERATORS", "apply", "arg_of", "expression", "pieces", "reduced_dims"]
