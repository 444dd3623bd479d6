"""Verify the step equations live: recompute the first step from the module's own weights with the
equations of :mod:`gru_shapes.model.step`, and compare with torch's own step."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import torch

from gru_shapes.model.spec import Spec
from gru_shapes.model.step import (
    PREVIOUS_C,
    PREVIOUS_H,
    Apply,
    Equation,
    Expr,
    Hadamard,
    Product,
    Ref,
    StepVerification,
    Sum,
    equations,
)

# Two kernels computing the same step agree to about this much, by dtype.
TOLERANCE = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-2, "bfloat16": 2e-2}

_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "σ": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}

Equations = Callable[[Spec, str], tuple[Equation, ...]]


def verify(
    spec: Spec,
    module: torch.nn.Module,
    fed: Mapping[str, torch.Tensor],
    returned: Mapping[str, torch.Tensor],
    written: Equations = equations,
) -> StepVerification:
    """Recompute the first step of layer 0 (forward, and backward when bidirectional) with the
    ``written`` equations, in float64 from the module's weights, and compare with torch's step.

    A cell's step is compared with what the cell returned; a sequence module's with torch's own
    kernel run over that single step with layer 0's parameters, whose final states are exactly that
    step's states. Only the rows each term names are converted to float64.
    """
    config = spec.config
    parameters = dict(module.named_parameters())
    in_double: dict[str, torch.Tensor] = {}  # each parameter converted once, its rows sliced from it
    x = fed["input"]
    expected: dict[str, dict[str, torch.Tensor]] = {}
    starts: dict[str, dict[str, torch.Tensor]] = {}
    if config.is_cell:
        starts["forward"] = {"x_t": x, PREVIOUS_H: fed["h_0"], PREVIOUS_C: fed.get("c_0", fed["h_0"])}
        expected["forward"] = {
            "h_t": returned["h_1"],
            **({"c_t": returned["c_1"]} if "c_1" in returned else {}),
        }
    else:
        time_axis = 0 if spec.unbatched or not config.batch_first else 1
        directions = ["forward", "backward"][: config.num_directions]
        h_0 = fed["h_0"][: config.num_directions]
        c_0 = fed["c_0"][: config.num_directions] if "c_0" in fed else None
        for index, direction in enumerate(directions):
            step = x.select(time_axis, 0) if index == 0 else _last_steps(spec, x, time_axis)
            h_n, c_n = _torch_step(spec, module, step, h_0, c_0)
            starts[direction] = {
                "x_t": step,
                PREVIOUS_H: h_0[index],
                PREVIOUS_C: (c_0 if c_0 is not None else h_0)[index],
            }
            expected[direction] = {"h_t": h_n[index], **({"c_t": c_n[index]} if c_n is not None else {})}
    agreed, largest, compared = True, 0.0, list[tuple[str, str]]()
    tolerance = _tolerance(spec.dtype, x.device)
    for direction, start in starts.items():
        values = {key: value.double() for key, value in start.items()}
        for equation in written(spec, direction):
            for term in equation.terms:
                if term.name not in values:
                    values[term.name] = _term(parameters, term.source, in_double)
                agreed &= tuple(values[term.name].shape) == term.shape
            values[equation.name] = evaluate(equation.expression, values)
            agreed &= tuple(values[equation.name].shape) == equation.shape
        for key, torch_value in expected[direction].items():
            mine, theirs = values[key], torch_value.double()
            if mine.shape != theirs.shape:
                agreed = False
                continue
            if mine.numel():
                largest = max(largest, float((mine - theirs).abs().max()))
            agreed &= bool(torch.allclose(mine, theirs, rtol=tolerance, atol=tolerance))
            compared.append((key, direction))
    return StepVerification(agreed, largest, tolerance, tuple(compared))


def _tolerance(dtype: str, device: torch.device) -> float:
    """How far torch's step may be from the float64 recomputation: the dtype's rounding, or
    TF32's 10-bit mantissa where cuDNN may use it for float32 recurrences."""
    if dtype == "float32" and device.type == "cuda" and torch.backends.cudnn.allow_tf32:
        return TOLERANCE["float16"]
    return TOLERANCE[dtype]


def evaluate(expression: Expr, values: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """The value of ``expression``, its names looked up in ``values``."""
    if isinstance(expression, Ref):
        return values[expression.name]
    if isinstance(expression, Product):
        return evaluate(expression.operand, values) @ values[expression.weight.name].T
    if isinstance(expression, Sum):
        total = evaluate(expression.parts[0], values)
        for part in expression.parts[1:]:
            total = total + evaluate(part, values)
        return total
    if isinstance(expression, Hadamard):
        return evaluate(expression.left, values) * evaluate(expression.right, values)
    if isinstance(expression, Apply):
        return _ACTIVATIONS[expression.function](evaluate(expression.argument, values))
    return 1 - evaluate(expression.argument, values)


def _term(
    parameters: Mapping[str, torch.Tensor], source: str, in_double: dict[str, torch.Tensor]
) -> torch.Tensor:
    """A parameter's rows named by a term's source, e.g. ``weight_ih_l0[0:32]``, in float64."""
    name, _bracket, rows = source.partition("[")
    if name not in in_double:
        in_double[name] = parameters[name].detach().double()
    tensor = in_double[name]
    if rows:
        start, _colon, stop = rows.rstrip("]").partition(":")
        tensor = tensor[int(start) : int(stop)]
    return tensor


def _torch_step(
    spec: Spec, module: torch.nn.Module, step: torch.Tensor, h_0: torch.Tensor, c_0: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """torch's own kernel (the one ``module.forward`` calls) run over one step with layer 0's
    parameters only: its final states are that step's states, for each direction."""
    config = spec.config
    names = ["weight_ih", "weight_hh", *(["bias_ih", "bias_hh"] if config.bias else [])]
    names += ["weight_hr"] if config.proj_size else []
    suffixes = ["_l0", "_l0_reverse"][: config.num_directions]
    weights = [getattr(module, name + suffix) for suffix in suffixes for name in names]
    arguments = (weights, config.bias, 1, 0.0, False, config.bidirectional, False)
    if spec.unbatched:  # the kernels take a batch dim; the module adds one for unbatched input
        step, h_0 = step.unsqueeze(0), h_0.unsqueeze(1)
        c_0 = c_0.unsqueeze(1) if c_0 is not None else None
    sequence = step.unsqueeze(0)  # one step, seq-first
    c_n = None
    # The user's run has reported torch's warnings already; this check must not add its own
    # (e.g. oneDNN's note on projections, which a packed run never triggers).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if config.family == "LSTM":
            assert c_0 is not None
            _output, h_n, c_n = torch.lstm(sequence, (h_0, c_0), *arguments)
        else:
            kernel = torch.gru if config.family == "GRU" else getattr(torch, f"rnn_{config.nonlinearity}")
            _output, h_n = kernel(sequence, h_0, *arguments)
    if spec.unbatched:
        h_n, c_n = h_n.squeeze(1), c_n.squeeze(1) if c_n is not None else None
    return h_n, c_n


def _last_steps(spec: Spec, x: torch.Tensor, time_axis: int) -> torch.Tensor:
    """Where the backward direction starts: the last step, each packed sequence's own last step."""
    if not spec.lengths:
        return x.select(time_axis, -1)
    by_batch = x if spec.config.batch_first else x.transpose(0, 1)
    return torch.stack([by_batch[b, length - 1] for b, length in enumerate(spec.lengths)])
