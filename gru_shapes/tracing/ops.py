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

from gru_shapes.model import follow
from gru_shapes.model.follow import Meaning

# Operations that keep every element where it is: followed through without a use of their own.
SAME = frozenset({"contiguous", "clone", "detach", "float", "double", "half", "to", "cpu", "cuda", "type_as"})
JOINS = frozenset({"cat", "concat", "concatenate", "stack"})
# Functions that cut a tensor into a tuple of pieces along one dim.
PIECES = frozenset({"chunk", "split", "unbind"})
# Functions whose result, though shaped as their operand, no longer holds it element by element.
STOP = frozenset(
    {"matmul", "mm", "bmm", "softmax", "log_softmax", "cumsum", "flip", "roll", "sort", "linear"}
)


def _arg(args: Sequence[Any], kwargs: Mapping[str, Any], position: int, name: str, default: Any) -> Any:
    if len(args) > position:
        return args[position]
    return kwargs.get(name, default)


def _ints(values: Sequence[Any]) -> list[int]:
    if len(values) == 1 and isinstance(values[0], (tuple, list, torch.Size)):
        values = values[0]
    return [operator.index(v) for v in values]


def apply(
    name: str, m: Meaning, args: Sequence[Any], kwargs: Mapping[str, Any], meanings: Mapping[int, Meaning]
) -> Meaning | None:
    """What the result of ``name`` applied to a tensor holding ``m`` holds, or None for an operation
    not followed; ``meanings`` are those of every traced operand, by ``id``.

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
                operator.index(_arg(args, kwargs, 1, "dim", 0)),
                operator.index(_arg(args, kwargs, 2, "index", 0)),
            )
        if name in ("view", "reshape"):
            shape = _ints(args[1:]) if len(args) > 1 else _ints([kwargs["shape"]])
            return follow.reshape(m, shape)
        if name == "flatten":
            start = operator.index(_arg(args, kwargs, 1, "start_dim", 0))
            end = operator.index(_arg(args, kwargs, 2, "end_dim", -1))
            sizes = list(m.shape)
            rank = len(sizes)
            start, end = start % rank if rank else 0, end % rank if rank else 0
            merged = 1
            for size in sizes[start : end + 1]:
                merged *= size
            return follow.reshape(m, [*sizes[:start], merged, *sizes[end + 1 :]])
        if name == "permute":
            return follow.permute(m, _ints(args[1:]) if len(args) > 1 else _ints([kwargs["dims"]]))
        if name in ("transpose", "swapaxes", "swapdims"):
            return follow.transpose(
                m,
                operator.index(_arg(args, kwargs, 1, "dim0", 0)),
                operator.index(_arg(args, kwargs, 2, "dim1", 1)),
            )
        if name == "t":
            return follow.transpose(m, 0, 1) if len(m.axes) == 2 else m
        if name == "squeeze":
            dim = _arg(args, kwargs, 1, "dim", None)
            dims = (
                None
                if dim is None
                else _ints([dim])
                if isinstance(dim, (tuple, list))
                else [operator.index(dim)]
            )
            return follow.squeeze(m, dims)
        if name == "unsqueeze":
            return follow.unsqueeze(m, operator.index(_arg(args, kwargs, 1, "dim", 0)))
        if name in ("cat", "concat", "concatenate", "stack"):
            tensors = args[0] if args else kwargs["tensors"]
            dim = operator.index(_arg(args, kwargs, 1, "dim", 0))
            parts: list[Meaning | tuple[int, ...]] = []
            for tensor in tensors:
                found = meanings.get(id(tensor))
                parts.append(found if found is not None else tuple(tensor.shape))
            return follow.concatenate(parts, dim, new_dim=name == "stack")
        if name == "index_select":
            index = args[2] if len(args) > 2 else kwargs["index"]
            return follow.take(m, [operator.index(_arg(args, kwargs, 1, "dim", 0))], [index.tolist()])
        if name in ("sum", "mean") and _arg(args, kwargs, 1, "dim", None) is not None:
            if _arg(args, kwargs, 2, "keepdim", False):
                return None
            dim = _arg(args, kwargs, 1, "dim", None)
            return follow.reduce(m, _ints([dim]) if isinstance(dim, (tuple, list)) else [operator.index(dim)])
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    return None


def _index(m: Meaning, index: Any) -> Meaning | None:
    parts = list(index) if isinstance(index, tuple) else [index]
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


def _index_text(part: Any) -> str:
    if part is None:
        return "None"
    if part is Ellipsis:
        return "..."
    if isinstance(part, slice):
        text = f"{'' if part.start is None else part.start}:{'' if part.stop is None else part.stop}"
        return text + (f":{part.step}" if part.step is not None else "")
    if isinstance(part, torch.Tensor):
        return str(part.tolist()) if part.numel() <= 6 else f"<index {list(part.shape)}>"
    return str(part)


def _operand_text(value: Any, tracked: Mapping[int, str]) -> str:
    if isinstance(value, torch.Tensor):
        found = tracked.get(id(value))
        if found is not None:
            return found
        if not value.is_floating_point() and value.numel() <= 6:  # an index: its values say more
            return f"tensor({value.tolist()})"
        return f"<tensor {list(value.shape)}>"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_operand_text(v, tracked) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return repr(value)


def expression(
    name: str, base: str, args: Sequence[Any], kwargs: Mapping[str, Any], tracked: Mapping[int, str]
) -> str:
    """The operation as the model wrote it, on the traced names (``tracked``: each traced operand's
    expression, by ``id``).

    >>> expression("__getitem__", "output", (None, (slice(None), -1)), {}, {})
    'output[:, -1]'
    """
    if name == "__getitem__":
        index = args[1]
        parts = index if isinstance(index, tuple) else (index,)
        return f"{base}[{', '.join(_index_text(p) for p in parts)}]"
    extra = [_operand_text(a, tracked) for a in args[1:]] + [
        f"{k}={_operand_text(v, tracked)}" for k, v in kwargs.items()
    ]
    if name in JOINS:
        first = _operand_text(args[0] if args else kwargs.get("tensors"), tracked)
        rest = [a for a in extra if not a.startswith("tensors=")]
        return f"torch.{name}({', '.join([first, *rest])})"
    if args and isinstance(args[0], torch.Tensor) and id(args[0]) in tracked:
        return f"{base}.{name}({', '.join(extra)})"
    inner = ", ".join(_operand_text(a, tracked) for a in args)
    return f"torch.{name}({inner})"


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
        dim = operator.index(_arg(args, kwargs, 2 if name != "unbind" else 1, "dim", default))
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
