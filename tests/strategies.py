"""Hypothesis strategies over the settings the command line accepts."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from gru_shapes.model.validate import MODULES

SEQUENCE_MODULES = ("GRU", "LSTM", "RNN")


@st.composite
def valid_options(draw: st.DrawFn, modules: tuple[str, ...] = MODULES) -> dict[str, Any]:
    """Any module with any options it takes, in any input mode it supports."""
    module = draw(st.sampled_from(modules))
    hidden = draw(st.integers(1, 64))
    options: dict[str, Any] = {
        "module": module,
        "input_size": draw(st.integers(1, 64)),
        "hidden_size": hidden,
        "bias": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**32)),
    }
    cell = module.endswith("Cell")
    if not cell:
        options |= {
            "layers": draw(st.integers(1, 4)),
            "bidirectional": draw(st.booleans()),
            "batch_first": draw(st.booleans()),
            "dropout": draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
        }
    if module == "LSTM" and draw(st.booleans()):
        options["proj_size"] = draw(st.integers(0, hidden - 1))
    if module.startswith("RNN") and draw(st.booleans()):
        options["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    mode = draw(st.sampled_from(["batched", "unbatched"] if cell else ["batched", "unbatched", "packed"]))
    if mode == "unbatched":
        options["unbatched"] = True
    elif mode == "packed":
        options["lengths"] = draw(st.lists(st.integers(1, 20), min_size=1, max_size=5))
    else:
        options["batch_size"] = draw(st.integers(0, 5))
    if not cell and mode != "packed":
        options["seq_len"] = draw(st.integers(1, 40))
    return options


@st.composite
def edge_options(draw: st.DrawFn) -> dict[str, Any]:
    """Values around the edges, and options given to modules that may not take them."""
    module = draw(st.sampled_from(MODULES))
    candidates = {
        "input_size": st.integers(-2, 3),
        "hidden_size": st.integers(-2, 3),
        "layers": st.integers(-1, 3),
        "bidirectional": st.booleans(),
        "batch_first": st.booleans(),
        "bias": st.booleans(),
        "dropout": st.floats(-0.5, 1.5, allow_nan=False) | st.sampled_from([0.0, 1.0]),
        "proj_size": st.integers(-1, 4),
        "nonlinearity": st.sampled_from(["tanh", "relu", "TANH", "sigmoid"]),
        "batch_size": st.integers(-2, 3),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(candidates)), unique=True, max_size=6))
    options: dict[str, Any] = {"module": module} | {name: draw(candidates[name]) for name in chosen}
    if not module.endswith("Cell") and draw(st.booleans()):
        options["seq_len"] = draw(st.integers(-2, 3))
    return options


@st.composite
def given_shapes(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, tuple[int, ...]]]:
    """A module, and input / state shapes that are often slightly wrong for it."""
    options = draw(valid_options())
    for mode in ("unbatched", "lengths", "batch_size", "seq_len", "seed"):
        options.pop(mode, None)
    near = st.sampled_from(
        [0, 1, 2, 3, options["input_size"], options["hidden_size"], options.get("layers", 1) * 2]
    )
    shapes: dict[str, tuple[int, ...]] = {"input": tuple(draw(st.lists(near, min_size=1, max_size=4)))}
    if draw(st.booleans()):
        shapes["h_0"] = tuple(draw(st.lists(near, min_size=1, max_size=4)))
        if options["module"].startswith("LSTM"):
            shapes["c_0"] = tuple(draw(st.lists(near, min_size=1, max_size=4)))
    return options, shapes
