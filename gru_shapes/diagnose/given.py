"""Reading the shapes a user gave: which spec explains them, what they meant, and what to feed.

Pure: the batch and sequence length are read from the given input as torch would read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import prod
from typing import Any

from gru_shapes.diagnose.diagnosis import Shape
from gru_shapes.model.shapes import TensorModel, predict
from gru_shapes.model.spec import GivenShapes, Spec, make_spec

_GIVEN = {"input": "input_shape", "h_0": "h0_shape", "c_0": "c0_shape"}
# Options that, beside --input-shape, state what the user meant rather than set the run.
_INTENT = ("batch_size", "seq_len")


def needs_diagnosis(spec: Spec) -> bool:
    """Whether the user asked torch to try something: shapes, the call form, or the input's dtype."""
    odd_dtype = spec.input_dtype is not None and spec.input_dtype != spec.dtype
    odd_call = spec.config.family == "LSTM" and spec.hx_form == "tensor"
    return spec.given is not None or odd_dtype or odd_call


def reading(spec: Spec) -> Spec:
    """The spec to explain: the module as built, at the batch and sequence length read from the
    given input shape where its rank allows (else as the options say), with no shapes given.

    >>> s = reading(make_spec(batch_first=False, input_shape="35,4,10", h0_shape="1,4,32"))
    >>> s.batch_size, s.seq_len, s.given
    (4, 35, None)
    >>> s = reading(make_spec(module="lstm", input_shape="5,100,10,10"))
    >>> s.batch_size, s.seq_len
    (5, 1000)
    """
    options = {k: v for k, v in spec.options.items() if k not in _GIVEN.values()}
    options.pop("input_dtype", None)
    options.pop("encoder_bidirectional", None)  # it speaks of the given states, which are left out
    shape = spec.given.input if spec.given else None
    if shape is not None:
        for key in _INTENT:  # stated intent, not the run: the input's shape sets these
            options.pop(key, None)
        if spec.lengths is None:
            options.update(read_input(spec, shape))
    return make_spec(**options)


def intent(spec: Spec) -> dict[str, int]:
    """What the user said they meant beside ``--input-shape``: batch and seq (``--lengths`` too)."""
    meant = {key: spec.options[key] for key in _INTENT if key in spec.options and spec.given}
    if spec.lengths is not None and spec.given and spec.given.input is not None:
        meant = {"batch_size": len(spec.lengths)}
    return {key: int(value) for key, value in meant.items()}


def read_input(spec: Spec, shape: Shape) -> dict[str, Any]:
    config = spec.config
    batched = 2 if config.is_cell else 3
    features = config.input_size
    seq_kept = prod(shape[1:-1]) if config.batch_first else shape[0]
    if not config.is_cell and len(shape) > batched and shape[-1] == features and seq_kept >= 1:
        # Folded into (batch, seq, features) with the first dim kept: what x.reshape would make.
        middle = prod(shape[1:-1])
        first = {"batch_size": shape[0], "seq_len": middle} if config.batch_first else {}
        return first or {"batch_size": middle, "seq_len": shape[0]}
    if not config.is_cell and len(shape) == 2 and shape[-1] != features and features == 1 and shape[1] >= 1:
        shape = (*shape, 1)  # one feature per step: read as x.unsqueeze(-1)
    if not config.is_cell and len(shape) == 1 and shape[0] >= 1 and features in (1, shape[0]):
        # One step of features (x.unsqueeze(0)), or steps of one feature (x.unsqueeze(-1)).
        return {"unbatched": True, "seq_len": 1 if shape[0] == features else shape[0]}
    if len(shape) == batched - 1 and (config.is_cell or shape[0] >= 1):
        return {"unbatched": True} if config.is_cell else {"unbatched": True, "seq_len": shape[0]}
    if len(shape) != batched:
        return {}
    if config.is_cell:
        return {"batch_size": shape[0]}
    batch, seq = (shape[0], shape[1]) if config.batch_first else (shape[1], shape[0])
    return {"batch_size": batch, "seq_len": seq} if seq >= 1 else {"batch_size": batch}


def expected(explained: Spec) -> dict[str, TensorModel]:
    tensors = {t.key: t for t in predict(explained).tensors}
    return {key: tensors[key] for key in _GIVEN if key in tensors}


def fed_shapes(spec: Spec, expected: Mapping[str, TensorModel]) -> tuple[dict[str, Shape], tuple[str, ...]]:
    """The shapes to try: those given, plus what the call needs to be complete: the input, and the
    LSTM's other state when one was given and the state is passed as a tuple."""
    given: GivenShapes | None = spec.given
    fed = {"input": given.input if given and given.input else expected["input"].shape}
    supplied: list[str] = []
    states = {"h_0": given.h_0 if given else None, "c_0": given.c_0 if given else None}
    if spec.config.family == "LSTM" and spec.hx_form == "tensor":
        fed["h_0"] = states["h_0"] or expected["h_0"].shape
        if states["h_0"] is None:
            supplied.append("h_0")
        return fed, tuple(supplied)
    if any(states.values()):
        for key, shape in states.items():
            if key in expected:
                fed[key] = shape or expected[key].shape
                if shape is None:
                    supplied.append(key)
    return fed, tuple(supplied)


def layout(tensor: TensorModel) -> str:
    """``(D × num_layers, batch_size, hidden_size) = (2, 1, 32)``: what each dim must be, and its size."""
    terms = ", ".join(d.formula.split(" = ")[0] for d in tensor.dims)
    return f"({terms}) = {tuple(tensor.shape)}"
