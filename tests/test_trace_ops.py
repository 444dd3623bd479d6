"""Operations on traced tensors: torch moves the data, the labels must move with it.

Each element of a root tensor (``h_n`` or ``output``) is set to a code for what it holds (its
(layer, direction) slot, its sequence, its step, its direction); torch then applies a chain of
indexing, views, permutes and joins, and every element of torch's result must hold, by its code,
what the labels at its position say. torch is the oracle; the labels are only checked against it.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from hypothesis import given
from hypothesis import strategies as st

from gru_shapes.model.follow import Context, Labels, Meaning
from gru_shapes.tracing import ops as trace_ops


def coded(meaning: Meaning) -> tuple[torch.Tensor, list[Labels]]:
    """A tensor of ``meaning``'s shape whose every element is the code of its labels."""
    codes: dict[tuple[Any, ...], int] = {}
    table: list[Labels] = []
    values = torch.empty(meaning.shape, dtype=torch.float64)
    for position in itertools.product(*(range(s) for s in meaning.shape)):
        labels = at(meaning, position)
        key = tuple(sorted((k, tuple(sorted(v))) for k, v in labels.items()))
        if key not in codes:
            codes[key] = len(table)
            table.append(labels)
        values[position] = codes[key]
    return values, table


def at(meaning: Meaning, position: tuple[int, ...]) -> Labels:
    """What the labels say the element at ``position`` holds."""
    held: Labels = dict(meaning.fixed)
    for axis, index in zip(meaning.axes, position, strict=True):
        for kind, values in (axis.labels[index] if axis.labels else {}).items():
            held[kind] = held[kind] & values if kind in held else values
    return held


@st.composite
def operation(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    rank = len(shape)
    choices = ["transpose", "unsqueeze", "index_select", "slice", "cat", "reshape"]
    if rank > 1:
        choices += ["select", "permute"]
    if 1 in shape:
        choices.append("squeeze")
    name = draw(st.sampled_from(choices))
    dim = draw(st.integers(0, rank - 1))
    if name == "select":
        return "select", (None, dim, draw(st.integers(-shape[dim], shape[dim] - 1))), {}
    if name == "slice":
        start = draw(st.integers(-shape[dim], shape[dim] - 1))
        key = (slice(None),) * dim + (slice(start, None),)
        return "__getitem__", (None, key), {}
    if name == "transpose":
        return "transpose", (None, dim, draw(st.integers(0, rank - 1))), {}
    if name == "permute":
        return "permute", (None, *draw(st.permutations(range(rank)))), {}
    if name == "unsqueeze":
        return "unsqueeze", (None, draw(st.integers(0, rank))), {}
    if name == "squeeze":
        return "squeeze", (None, shape.index(1)), {}
    if name == "index_select":
        index = draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=4))
        return "index_select", (None, dim, torch.tensor(index)), {}
    if name == "cat":
        return "cat", ((None, None), dim), {}
    # A reshape that splits one dim into two factors, or merges two neighbours.
    if rank > 1 and draw(st.booleans()):
        first = draw(st.integers(0, rank - 2))
        merged = (*shape[:first], shape[first] * shape[first + 1], *shape[first + 2 :])
        return "reshape", (None, *merged), {}
    factors = [f for f in range(1, shape[dim] + 1) if shape[dim] % f == 0]
    f = draw(st.sampled_from(factors))
    split = (*shape[:dim], f, shape[dim] // f, *shape[dim + 1 :])
    return "reshape", (None, *split), {}


def run(name: str, tensor: torch.Tensor, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor:
    if name == "cat":
        return torch.cat((tensor, tensor), args[1])
    if name == "__getitem__":
        return tensor[args[1]]
    return getattr(tensor, name)(*args[1:], **kwargs)


roots = st.builds(
    lambda layers, d, batch, steps, first, which: (
        Context("GRU", layers, d, 2, batch, steps, batch_first=first).h_n()
        if which
        else Context("GRU", layers, d, 2, batch, steps, batch_first=first).output()
    ),
    st.integers(1, 2),
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.booleans(),
    st.booleans(),
)


@given(roots, st.data())
def test_labels_follow_the_data_torch_moves(root: Meaning, data: st.DataObject) -> None:
    tensor, table = coded(root)
    meaning = root
    for _step in range(data.draw(st.integers(1, 3))):
        name, args, kwargs = data.draw(operation(tuple(tensor.shape)))
        result = run(name, tensor, args, kwargs)
        operands = {id(tensor): meaning}
        call_args = ((tensor, tensor), args[1]) if name == "cat" else (tensor, *args[1:])
        followed = trace_ops.apply(name, meaning, call_args, kwargs, operands)
        assert followed is not None, name
        assert followed.shape == tuple(result.shape), (name, args)
        tensor, meaning = result, followed
        if meaning.mixed:
            return  # the labels were dropped, and said so
    for position in itertools.product(*(range(s) for s in tensor.shape)):
        held = at(meaning, position)
        truth = table[int(tensor[position])]
        # Exactly: none of these operations blurs what an element holds.
        assert held == truth, (position, truth, held)
