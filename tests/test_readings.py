"""What a slice of ``h_n`` or ``output`` is said to hold, held to torch and to the standalone index map.

Every element of a root tensor is set to a code of where torch put it (``h_n``: its index along dim 0
and its sequence; ``output``: its step, its sequence and its direction half); torch then applies a
random chain of indexing, views, permutes and joins. The reading's facts (slots, sequences, steps,
directions) must equal what the surviving codes say, the slots named through the standalone report's
``h_n`` index map (:func:`gru_shapes.model.shapes.predict`), and its words must say the same.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_shapes.model import readings
from gru_shapes.model.follow import Context, Meaning
from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import make_spec
from gru_shapes.tracing import ops as trace_ops
from tests.test_trace_ops import operation, run

BIG = 1000


@st.composite
def configs(draw: st.DrawFn) -> tuple[Context, str]:
    context = Context(
        "GRU",
        num_layers=draw(st.integers(1, 3)),
        directions=draw(st.integers(1, 2)),
        h_size=2,
        batch=draw(st.integers(1, 3)),
        steps=draw(st.integers(1, 4)),
        batch_first=draw(st.booleans()),
    )
    return context, draw(st.sampled_from(["h_n", "output"]))


def _root(context: Context, which: str) -> tuple[torch.Tensor, Meaning]:
    """The root, each element coded with where torch put it."""
    meaning = context.h_n() if which == "h_n" else context.output()
    codes = torch.empty(meaning.shape, dtype=torch.float64)
    if which == "h_n":
        for i in range(meaning.shape[0]):
            for b in range(context.batch):
                codes[i, b, :] = i * BIG + b
        return codes, meaning
    h = context.h_size
    for t in range(context.steps):
        for b in range(context.batch):
            for f in range(h * context.directions):
                where = (b, t) if context.batch_first else (t, b)
                codes[(*where, f)] = (t * BIG + b) * 2 + f // h
    return codes, meaning


@st.composite
def _reads(draw: st.DrawFn, context: Context, which: str, shape: tuple[int, ...]) -> tuple[str, Any, Any]:
    """A read of the final state people write first: one slot of h_n, a range of slots (strided too),
    one step of output; or any operation."""
    time = 0 if which == "h_n" else (1 if context.batch_first else 0)
    size = shape[time]
    kind = draw(st.sampled_from(["select", "slice", "any"]))
    if kind == "select":
        return "select", (None, time, draw(st.integers(-size, size - 1))), {}
    if kind == "slice":
        start, step = draw(st.integers(0, size - 1)), draw(st.integers(1, 2))
        return "__getitem__", (None, (slice(None),) * time + (slice(start, None, step),)), {}
    return draw(operation(shape))


def _truth(tensor: torch.Tensor, which: str, context: Context) -> dict[str, set[Any]]:
    codes = {int(c) for c in tensor.flatten().tolist()}
    if which == "h_n":
        return {"index": {c // BIG for c in codes}, "b": {c % BIG for c in codes}}
    return {
        "t": {(c // 2) // BIG for c in codes},
        "b": {(c // 2) % BIG for c in codes},
        "dir": {c % 2 for c in codes},
    }


@settings(max_examples=400)
@given(configs(), st.data())
def test_every_description_of_a_slice_agrees_with_torch_and_the_index_map(
    config: tuple[Context, str], data: st.DataObject
) -> None:
    context, which = config
    tensor, meaning = _root(context, which)
    first = data.draw(_reads(context, which, tuple(tensor.shape)))
    for step in range(data.draw(st.integers(0, 2)) + 1):
        name, args, kwargs = first if step == 0 else data.draw(operation(tuple(tensor.shape)))
        result = run(name, tensor, args, kwargs)
        call_args = ((tensor, tensor), args[1]) if name == "cat" else (tensor, *args[1:])
        followed = trace_ops.apply(name, meaning, call_args, kwargs, {id(tensor): meaning})
        assert followed is not None and followed.shape == tuple(result.shape), name
        tensor, meaning = result, followed
    if meaning.mixed or tensor.numel() == 0:
        return  # labels dropped and said so
    reading = readings.describe(meaning)
    truth = _truth(tensor, which, context)
    assert reading.sequences == frozenset(truth["b"]), (reading, truth)
    if len(truth["b"]) < context.batch:
        assert f"sequences {sorted(truth['b'])} of {context.batch}" in reading.holds, reading.holds
    if which == "h_n":
        _slots_agree(context, reading, truth["index"])
    else:
        _steps_agree(context, reading, truth)


def _slots_agree(context: Context, reading: readings.Reading, indices: set[int]) -> None:
    spec = make_spec(
        module="GRU", layers=context.num_layers, bidirectional=context.directions == 2, lang="en"
    )
    by_index = {slot.index: slot for slot in predict(spec).state_slots}
    named = {(by_index[i].layer, by_index[i].direction) for i in indices}
    said = {(layer, "backward" if k else "forward") for layer, k in reading.slots or ()}
    assert said == named, (reading.holds, named)
    everything = len(indices) == context.num_layers * context.directions
    assert reading.holds.startswith("every layer and direction") == everything, reading.holds
    if everything:
        return
    for layer, direction in named:
        assert str(layer) in reading.holds, (reading.holds, layer)
        if context.directions == 2:
            both = (layer, "forward") in named and (layer, "backward") in named
            assert ("both directions" if both else f"{direction} direction only") in reading.holds, (
                reading.holds
            )


def _steps_agree(context: Context, reading: readings.Reading, truth: dict[str, set[Any]]) -> None:
    assert reading.steps == frozenset(truth["t"]), (reading.holds, truth)
    if len(truth["t"]) == 1:
        assert f"at step {next(iter(truth['t']))}" in reading.holds, reading.holds
    assert "steps []" not in reading.holds
    if context.directions == 2:
        assert reading.directions == frozenset(truth["dir"])
        words = {frozenset({0, 1}): "forward and backward h_t", frozenset({0}): "forward h_t"}
        assert words.get(frozenset(truth["dir"]), "backward h_t") in reading.holds, reading.holds


def test_the_rule_ids_are_those_of_the_json_contract() -> None:
    import json
    from importlib import resources

    schema = json.loads(resources.files("gru_shapes").joinpath("trace.schema.json").read_text())
    assert schema["$defs"]["rule"]["enum"] == list(readings.RULES)
