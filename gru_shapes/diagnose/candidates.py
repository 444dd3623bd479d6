"""Candidate fixes for shapes torch refuses, thought of the way a user looks for them, each with the
tier that ranks it: a layout flag or Python that keeps the user's numbers, then a module rebuilt to
the data's sizes; the states' own fixes are in :mod:`gru_shapes.diagnose.states`.

Pure: nothing here is tried; :mod:`gru_shapes.diagnose.fixes` screens, guards and runs them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from math import prod
from typing import Any

from gru_shapes.diagnose.diagnosis import Shape
from gru_shapes.i18n import _
from gru_shapes.model.shapes import TensorModel
from gru_shapes.model.spec import Spec

# A rebuilt module may have at most this many times the layers of the given one (and at least 4).
LAYER_BOUND = 4

# Tiers, best first: what keeps the user's tensors before what rebuilds the module, and what matches
# the data before what matches a state that may itself be the mistake. A state is made to fit the
# module (part of it kept, or fresh zeros) before the module is rebuilt to it when the rest of the
# call says the state is the wrong side (STATE_FOR_MODULE), after it otherwise (STATE_GUESS, and
# FRESH_STATE, which throws the state's numbers away): see gru_shapes.diagnose.states.
(
    LAYOUT,
    DATA,
    STATE_KEPT,
    MODULE_FOR_DATA,
    STATE_FOR_MODULE,
    MODULE_FOR_STATE,
    STATE_GUESS,
    FRESH_STATE,
) = range(8)
KINDS = {
    LAYOUT: "layout",
    DATA: "data",
    STATE_KEPT: "state",
    MODULE_FOR_DATA: "module",
    STATE_FOR_MODULE: "state",
    MODULE_FOR_STATE: "module",
    STATE_GUESS: "state",
    FRESH_STATE: "shape",
}


@dataclass(frozen=True)
class Candidate:
    """A change to try: options of the module or the call, and Python run on the tensors first."""

    tier: int
    why: str
    changes: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    reshaped: dict[str, Shape] = field(default_factory=dict)  # the shapes the code leaves
    kind: str = ""
    after: dict[str, Any] = field(default_factory=dict)  # options that describe the tensors the code leaves

    def merged(self, other: Candidate) -> Candidate:
        """Both changes at once; code that sets ``hx`` (the call form) runs last."""
        first, second = (other, self) if "hx = " in self.code else (self, other)
        code = "\n".join(c for c in (first.code, second.code) if c)
        return Candidate(
            max(self.tier, other.tier),
            f"{self.why}; {other.why}",
            {**self.changes, **other.changes},
            code,
            {**self.reshaped, **other.reshaped},
            self.kind or KINDS[self.tier],
            {**self.after, **other.after},
        )


def zeros(spec: Spec, shape: Shape) -> str:
    """A fresh state as code, in the run's dtype and on its device: ``torch.zeros(1, 4, 32)`` in float32
    on the CPU, ``torch.zeros(1, 4, 32, dtype=torch.float64)`` otherwise; a float32 state would be
    refused by a float64 module.

    >>> from gru_shapes.model.spec import make_spec
    >>> zeros(make_spec(), (1, 4, 32)), zeros(make_spec(dtype="bfloat16", device="cuda"), (3, 42))
    ('torch.zeros(1, 4, 32)', 'torch.zeros(3, 42, dtype=torch.bfloat16, device=x.device)')
    """
    arguments = [str(size) for size in shape]
    if spec.dtype != "float32":
        arguments.append(f"dtype=torch.{spec.dtype}")
    if spec.device != "cpu":
        arguments.append("device=x.device")
    return f"torch.zeros({', '.join(arguments)})"


def data_change(spec: Spec, code: str, shape: Shape, why: str, tier: int = DATA) -> Candidate:
    return Candidate(tier, why, {}, code, {"input": tuple(shape)}, "data")


def candidates(
    spec: Spec, explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]
) -> Iterator[Candidate]:
    """Changes of the call, the input's dtype, its layout and shape, and the module for the input."""
    yield from _call_candidates(spec, expected, fed)
    yield from _dtype_candidates(spec, explained, fed)
    yield from _input_candidates(spec, explained, fed)


def _call_candidates(
    spec: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]
) -> Iterator[Candidate]:
    if spec.config.family != "LSTM" or spec.hx_form != "tensor":
        return
    c_shape = expected["c_0"].shape
    yield Candidate(
        LAYOUT,
        _("an LSTM takes (h_0, c_0) as one tuple; c_0 starts at zeros here"),
        {},
        f"hx = (h_0, {zeros(spec, c_shape)})",
        {"c_0": c_shape},
        "call",
        {"hx_form": "tuple"},
    )


def _dtype_candidates(spec: Spec, explained: Spec, fed: Mapping[str, Shape]) -> Iterator[Candidate]:
    dtype = spec.input_dtype
    if dtype is None or dtype == spec.dtype:
        return
    config = explained.config
    shape = fed["input"]
    to = ".float()" if spec.dtype == "float32" else f".to(torch.{spec.dtype})"
    after = {"input_dtype": spec.dtype}
    convert = Candidate(
        DATA,
        _("numeric data: convert it to the module's dtype"),
        {},
        f"x = x{to}",
        {"input": shape},
        "data",
        after,
    )
    if dtype.startswith(("float", "bfloat")):
        yield convert
        return
    cast = "" if spec.dtype == "float32" else f".to(torch.{spec.dtype})"
    placed = "" if spec.device == "cpu" else ", device=x.device"
    embed = Candidate(
        DATA,
        _("token ids: look each one up in an nn.Embedding of input_size={size} features").format(
            size=config.input_size
        ),
        {},
        f"x = nn.Embedding(int(x.max()) + 1, {config.input_size}{placed})(x){cast}",
        {"input": (*shape, config.input_size)},
        "data",
        after,
    )
    numeric = len(shape) >= 1 and shape[-1] == config.input_size
    yield from (convert, embed) if numeric else (embed, convert)


def _input_candidates(spec: Spec, explained: Spec, fed: Mapping[str, Shape]) -> Iterator[Candidate]:
    config = explained.config
    shape = fed["input"]
    features = config.input_size
    ranks = (2, 1) if config.is_cell else (3, 2)
    if not config.is_cell and len(shape) == 3:
        other = "(batch, seq, feature)" if not config.batch_first else "(seq, batch, feature)"
        yield Candidate(
            LAYOUT,
            _("the input reads as {layout}").format(layout=other),
            {"batch_first": not config.batch_first},
        )
        yield data_change(
            spec,
            "x = x.transpose(0, 1)",
            (shape[1], shape[0], shape[2]),
            _("swap batch and seq in the tensor"),
        )
    for axis, size in enumerate(shape):
        if size == 1 and len(shape) - 1 == ranks[0]:
            squeezed = shape[:axis] + shape[axis + 1 :]
            yield data_change(
                spec, f"x = x.squeeze({axis})", squeezed, _("drop the size-1 dim {axis}").format(axis=axis)
            )
    if len(shape) > ranks[0] and not config.is_cell:  # a cell's steps are not sequences: no folding
        yield from _folds(spec, shape, features, ranks[0])
    if not config.is_cell and len(shape) == 2 and shape[-1] != features:
        if features == 1:
            yield data_change(
                spec,
                "x = x.unsqueeze(-1)",
                (*shape, 1),
                _("one feature per step: each number is a time step, not a feature"),
            )
        if shape[0] == features:
            yield data_change(
                spec,
                "x = x.transpose(0, 1)",
                (shape[1], shape[0]),
                _("features first: make them the last dim"),
            )
        if features > 1 and shape[1] % features == 0 and shape[1] > features:
            folded = (shape[0], shape[1] // features, features)
            yield data_change(
                spec,
                f"x = x.reshape({', '.join(map(str, folded))})",
                folded,
                _("split each row into steps of {features} features").format(features=features),
            )
    if len(shape) == ranks[0] and shape[-1] != features and len(shape) >= 2 and shape[-2] == features:
        permuted = (*shape[:-2], shape[-1], shape[-2])
        yield data_change(
            spec,
            f"x = x.transpose({len(shape) - 2}, {len(shape) - 1})",
            permuted,
            _("features are in dim {axis}: move them last").format(axis=len(shape) - 2),
        )
    if len(shape) == ranks[1] and shape and shape[-1] != features and features == 1 and config.is_cell:
        yield data_change(spec, "x = x.unsqueeze(-1)", (*shape, 1), _("one feature per row"))
    if len(shape) < ranks[1] and shape and not config.is_cell:
        if shape[-1] == features:
            yield data_change(spec, "x = x.unsqueeze(0)", (1, *shape), _("one time step of one sequence"))
        if features == 1:
            yield data_change(
                spec,
                "x = x.unsqueeze(-1)",
                (*shape, 1),
                _("{steps} steps of one feature").format(steps=shape[0]),
            )
    if shape and shape[-1] >= (0 if config.is_cell else 1) and shape[-1] != features and len(shape) in ranks:
        yield Candidate(
            MODULE_FOR_DATA,
            _("build the module for the input's features (its last dim)"),
            {"input_size": shape[-1]},
        )
    if config.is_cell and len(shape) == 3:
        yield Candidate(
            MODULE_FOR_DATA,
            _("a cell takes one step; nn.{module} takes the whole sequence").format(module=config.family),
            {"module": config.family},
        )
    if not config.is_cell and len(shape) == 1:
        yield Candidate(
            MODULE_FOR_DATA,
            _("a 1-D input is one step of one sequence: nn.{module}").format(module=config.family + "Cell"),
            {"module": config.family + "Cell"},
        )
        if shape[0] >= 1 and shape[0] != features:
            yield Candidate(
                MODULE_FOR_DATA,
                _("one step of {features} features; build the module for them").format(features=shape[0]),
                {"input_size": shape[0]},
                "x = x.unsqueeze(0)",
                {"input": (1, shape[0])},
                "data",
            )
    if config.is_cell and len(shape) > ranks[0] and shape[-1] >= 0:
        # Steps of several sequences, or a batch laid out in more dims: a cell takes rows of features.
        rows = prod(shape[:-1])
        why = _(
            "fold the leading dims into rows of features ({sizes} = {rows}): a cell takes (batch, features)"
        )
        why = why.format(sizes=" × ".join(map(str, shape[:-1])), rows=rows)
        changes = {} if shape[-1] == features else {"input_size": shape[-1]}
        yield Candidate(
            MODULE_FOR_DATA,
            why,
            changes,
            f"x = x.reshape({rows}, {shape[-1]})",
            {"input": (rows, shape[-1])},
            "data",
        )


def _folds(spec: Spec, shape: Shape, features: int, rank: int) -> Iterator[Candidate]:
    """A tensor of too many dims folded into ``rank`` dims, its numbers kept: first the folds that
    keep the features last, then those that also need the module rebuilt for their last dim."""
    folds: list[tuple[Shape, int, int]] = []
    for start in range(len(shape) - 1):
        end = start + len(shape) - rank  # merge dims start..end into one
        if end >= len(shape):
            break
        merged = (*shape[:start], prod(shape[start : end + 1]), *shape[end + 1 :])
        folds.append((merged, start, end))
    # Features last first; then folds that keep dim 0 (the batch, or the steps) as it is.
    for merged, start, end in sorted(folds, key=lambda f: (f[0][-1] != features, f[1] == 0)):
        code = f"x = x.reshape({', '.join(map(str, merged))})"
        sizes = " × ".join(map(str, shape[start : end + 1]))
        why = _("fold dims {start}-{end} into one ({sizes} = {size})").format(
            start=start, end=end, sizes=sizes, size=merged[start]
        )
        if merged[-1] == features:
            yield data_change(spec, code, merged, why)
        elif merged[-1] >= 1:
            yield Candidate(
                MODULE_FOR_DATA,
                why + "; " + _("build the module for the input's features (its last dim)"),
                {"input_size": merged[-1]},
                code,
                {"input": merged},
                "data",
            )
