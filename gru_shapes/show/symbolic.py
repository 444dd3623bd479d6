"""A slice expression read on labelled tensors, without torch: ``h_n[-1]``, ``output[:, 0, 32:]``,
``torch.cat((h_n[-2], h_n[-1]), dim=1)``, a hand-off recipe such as
``h_0 = h_n.view(2, 2, -1, 32).sum(1)``.

Each name (``output``, ``h_n``, ...) is a :class:`~gru_shapes.model.follow.Meaning`, whose dims carry
what each of their indices holds; indexing, views, permutes, concatenations and reductions move
those labels with :mod:`gru_shapes.model.follow`'s operations, the same ones a trace uses. Only the
small grammar the tool itself writes is read: anything else raises :class:`Unreadable`.

>>> from gru_shapes.model.follow import Context
>>> context = Context("GRU", num_layers=2, directions=2, h_size=32, batch=1, steps=5)
>>> (meaning,) = read("torch.cat((h_n[-2], h_n[-1]), dim=1)", {"h_n": context.h_n(), "torch": TORCH})
>>> sorted({label for axis in meaning.axes for labels in axis.labels or () for label in labels.get("slot", ())})
[(1, 0), (1, 1)]
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from gru_shapes.model import follow, regroup
from gru_shapes.model.follow import Axis, Meaning


class Unreadable(ValueError):
    """An expression outside the grammar read here, or one that does not index what it names."""


class _Torch:
    """Stands for the ``torch`` module in an expression."""


@dataclass(frozen=True)
class Linear:
    """A linear layer (a hand-off's ``bridge``): every output feature reads every input feature."""

    features: int


@dataclass(frozen=True)
class _Zeros:
    """``torch.zeros_like(...)``: holds nothing of the run."""


TORCH = _Torch()
_ELEMENTWISE = ("tanh", "sigmoid", "relu")


def read(text: str, names: dict[str, Any]) -> tuple[Meaning, ...]:
    """What ``text`` makes of ``names``: one Meaning per tensor it gives (an expression's value, or
    each tensor a statement assigns); a tensor of zeros gives none."""
    try:
        tree: ast.AST = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        try:
            tree = ast.parse(text.strip(), mode="exec")
        except SyntaxError as error:
            raise Unreadable(text) from error
    if isinstance(tree, ast.Expression):
        return _meanings(_value(tree.body, names))
    scope = dict(names)
    made: dict[str, Any] = {}
    for statement in tree.body:  # type: ignore[attr-defined]
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            raise Unreadable(text)
        value, target = _value(statement.value, scope), statement.targets[0]
        pairs = [(target, value)]
        if isinstance(target, ast.Tuple) and isinstance(value, tuple) and len(target.elts) == len(value):
            pairs = list(zip(target.elts, value, strict=True))
        for name, assigned in pairs:
            if not isinstance(name, ast.Name):
                raise Unreadable(text)
            scope[name.id] = made[name.id] = assigned
    return tuple(m for value in made.values() for m in _meanings(value))


def _meanings(value: Any) -> tuple[Meaning, ...]:
    if isinstance(value, Meaning):
        return (value,)
    if isinstance(value, tuple):
        return tuple(m for part in value for m in _meanings(part))
    if isinstance(value, _Zeros):
        return ()
    raise Unreadable(f"not a tensor: {value!r}")


def _value(node: ast.AST, scope: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and (isinstance(node.value, int) or node.value is Ellipsis):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        number = _value(node.operand, scope)
        if isinstance(number, int):
            return -number
    if isinstance(node, ast.Name) and node.id in scope:
        return scope[node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_value(element, scope) for element in node.elts)
    if isinstance(node, ast.Subscript):
        return _index(_tensor(_value(node.value, scope)), node.slice, scope)
    if isinstance(node, ast.BinOp):
        return _arithmetic(node, scope)
    if isinstance(node, ast.Call):
        return _call(node, scope)
    raise Unreadable(ast.dump(node))


def _tensor(value: Any) -> Meaning:
    if not isinstance(value, Meaning):
        raise Unreadable(f"not a tensor: {value!r}")
    return value


def _arithmetic(node: ast.BinOp, scope: dict[str, Any]) -> Any:
    left, right = _value(node.left, scope), _value(node.right, scope)
    if isinstance(node.op, ast.Add | ast.Sub) and isinstance(right, int):
        sign = 1 if isinstance(node.op, ast.Add) else -1
        if isinstance(left, int):
            return left + sign * right
        if isinstance(left, tuple) and all(isinstance(x, int) for x in left):
            return tuple(x + sign * right for x in left)  # lengths - 1
    if isinstance(node.op, ast.Add) and isinstance(left, Meaning) and isinstance(right, Meaning):
        # Element by element: each element holds what both operands hold there.
        return regroup.reduce(regroup.concatenate([left, right], 0, new_dim=True), [0])
    raise Unreadable(ast.dump(node))


def _call(node: ast.Call, scope: dict[str, Any]) -> Any:
    args = [_value(arg, scope) for arg in node.args]
    keywords = {k.arg: _value(k.value, scope) for k in node.keywords if k.arg}
    function = node.func
    if isinstance(function, ast.Attribute):
        owner = _value(function.value, scope)
        if isinstance(owner, _Torch):
            return _torch_function(function.attr, args, keywords)
        return _method(_tensor(owner), function.attr, args, keywords)
    linear = _value(function, scope)
    if isinstance(linear, Linear) and len(args) == 1:
        # The last dim is read whole into each new feature.
        reduced = regroup.reduce(_tensor(args[0]), [-1])
        return replace(reduced, axes=(*reduced.axes, Axis(linear.features)))
    raise Unreadable(ast.dump(node))


def _torch_function(name: str, args: list[Any], keywords: dict[str, Any]) -> Any:
    if name in ("cat", "stack") and args and isinstance(args[0], tuple):
        dim = keywords.get("dim", args[1] if len(args) > 1 else 0)
        return regroup.concatenate([_tensor(a) for a in args[0]], dim, new_dim=name == "stack")
    if name == "arange" and len(args) == 1 and isinstance(args[0], int):
        return tuple(range(args[0]))
    if name in _ELEMENTWISE and len(args) == 1:
        return _tensor(args[0])
    if name == "zeros_like" and len(args) == 1:
        return _Zeros()
    raise Unreadable(f"torch.{name}")


def _sizes(args: Sequence[Any]) -> list[int]:
    sizes = list(args[0]) if len(args) == 1 and isinstance(args[0], tuple) else list(args)
    if not all(isinstance(size, int) for size in sizes):
        raise Unreadable(f"sizes {args!r}")
    return sizes


def _method(tensor: Meaning, name: str, args: list[Any], keywords: dict[str, Any]) -> Meaning:
    rank = len(tensor.axes)
    if name in ("view", "reshape"):
        made = regroup.reshape(tensor, _sizes(args))
        if made.mixed and not tensor.mixed:
            # Which index holds what is lost, but the whole still holds all the tensor held.
            made = replace(made, fixed=regroup.reduce(tensor, list(range(rank))).fixed)
        return made
    if name == "transpose" and len(args) == 2:
        return follow.transpose(tensor, args[0], args[1])
    if name == "permute":
        return follow.permute(tensor, _sizes(args))
    if name in ("sum", "mean") and not keywords.get("keepdim"):
        dims = keywords.get("dim", args[0] if args else tuple(range(rank)))
        return regroup.reduce(tensor, list(dims) if isinstance(dims, tuple) else [dims])
    if name == "squeeze":
        return follow.squeeze(tensor, _sizes(args) if args else None)
    if name == "unsqueeze" and len(args) == 1:
        return follow.unsqueeze(tensor, args[0])
    if name == "contiguous" and not args:
        return tensor
    if name == "repeat" and len(_sizes(args)) >= rank:
        return regroup.repeat(tensor, _sizes(args))
    raise Unreadable(f".{name}()")


def _index(tensor: Meaning, node: ast.AST, scope: dict[str, Any]) -> Meaning:
    """``tensor[...]``: integers, slices, ``...`` and one-dimensional integer indices (gathers)."""
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    parts: list[Any] = []
    for item in items:
        if isinstance(item, ast.Slice):
            bounds = [None if b is None else _value(b, scope) for b in (item.lower, item.upper, item.step)]
            if not all(b is None or isinstance(b, int) for b in bounds):
                raise Unreadable(ast.dump(item))
            parts.append(slice(*bounds))
        else:
            parts.append(_value(item, scope))
    if parts.count(Ellipsis) > 1:
        raise Unreadable("two ellipses")
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        parts[at : at + 1] = [slice(None)] * (len(tensor.axes) - len(parts) + 1)
    if len(parts) > len(tensor.axes):
        raise Unreadable("too many indices")
    for dim, part in enumerate(parts):
        if isinstance(part, slice):
            if part != slice(None):  # a whole dim is kept as it is, labels and all
                tensor = follow.slice_dim(tensor, dim, part.start, part.stop, part.step)
        elif not isinstance(part, int | tuple):
            raise Unreadable(repr(part))
    picked = [(dim, part) for dim, part in enumerate(parts) if not isinstance(part, slice)]
    for dim, part in picked:
        size = tensor.axes[dim].size
        for index in part if isinstance(part, tuple) else (part,):
            if not -size <= index < size:
                raise Unreadable(f"index {index} out of range for a dim of {size}")
    if any(isinstance(part, tuple) for _dim, part in picked):
        # A gather: the integers broadcast with the index lists.
        lists = [part if isinstance(part, tuple) else (part,) for _dim, part in picked]
        return follow.take(tensor, [dim for dim, _part in picked], lists)
    for dim, part in reversed(picked):
        tensor = follow.select(tensor, dim, part)
    return tensor
