"""How an operation on traced tensors is written: on the traced names (``h_n[-1]``,
``torch.cat((h_n[-2], h_n[-1]), dim=1)``), with ``<tensor [3, 5]>`` for a tensor the trace does not
name, operators as operators (``h_n[-2] + h_n[-1]``), methods as methods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

# Functions that join tensors along a dim.
JOINS = frozenset({"cat", "concat", "concatenate", "stack"})
# Pooling over the last dim, written with F. and their kernel alone.
POOL_NAMES = frozenset({"max_pool1d", "avg_pool1d", "adaptive_max_pool1d", "adaptive_avg_pool1d"})
# Element-wise operators written as such in an expression.
OPERATORS = {
    "add": "+",
    "__add__": "+",
    "__radd__": "+",
    "sub": "-",
    "__sub__": "-",
    "mul": "*",
    "__mul__": "*",
    "__rmul__": "*",
    "div": "/",
    "__truediv__": "/",
    "matmul": "@",
    "__matmul__": "@",
}


def _index_text(part: Any) -> str:
    if part is None:
        return "None"
    if part is Ellipsis:
        return "..."
    if isinstance(part, slice):
        text = f"{'' if part.start is None else part.start}:{'' if part.stop is None else part.stop}"
        return text + (f":{part.step}" if part.step is not None else "")
    if isinstance(part, torch.Tensor):
        if part.dtype == torch.bool:
            return f"<mask {list(part.shape)}>"
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
    symbol = OPERATORS.get(name)
    if symbol is not None and len(args) == 2 and not kwargs:
        left, right = (_operand_text(a, tracked) for a in args)
        if name.startswith("__r"):
            left, right = right, left
        return f"{_wrapped(left)} {symbol} {_wrapped(right)}"
    receiver = _operand_text(args[0], tracked) if args and isinstance(args[0], torch.Tensor) else ""
    placeholder = receiver.startswith("<")
    shown = name if name.startswith("__") else name.lstrip("_")
    method = hasattr(torch.Tensor, name)
    if receiver and method and ((id(args[0]) in tracked and not placeholder) or not hasattr(torch, name)):
        return f"{_wrapped(base or receiver)}.{shown}({', '.join(extra)})"
    if name in POOL_NAMES:  # F.max_pool1d passes every default: show the kernel alone
        extra = extra[:1]
    inner = ", ".join([_operand_text(args[0], tracked), *extra] if args else extra)
    space = "torch" if hasattr(torch, name) and not name.endswith("pool1d") else "F"
    return f"{space}.{shown}({inner})"


def _wrapped(text: str) -> str:
    """An operand of an operator, in parentheses when it has a space outside brackets (``a + b``,
    ``encoder.rnn → output``)."""
    return f"({text})" if top_level_space(text) else text


def top_level_space(text: str) -> bool:
    """Whether ``text`` has a space outside every bracket and ``<…>`` placeholder.

    >>> top_level_space("output.transpose(1, 2)"), top_level_space("encoder.rnn → output")
    (False, True)
    """
    depth = 0
    for char in text:
        if char in "([{<":
            depth += 1
        elif char in ")]}>":
            depth -= 1
        elif char == " " and depth == 0:
            return True
    return False
