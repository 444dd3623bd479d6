"""The pure shape model: every tensor and parameter of the forward pass, predicted and explained.

Plain Python and no torch, so it answers instantly at any size; the runner checks it against
the tensors torch really returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from gru_shapes.spec import ModuleConfig, Spec

DIRECTIONS = ("forward", "backward")

# How each module stacks its gates in the rows of weight_ih / weight_hh / biases.
GATES = {"GRU": ("r", "z", "n")}


@dataclass(frozen=True)
class Dim:
    """One dimension of a tensor: its size, why it has that size, and what it indexes."""

    name: str
    size: int
    formula: str
    meaning: str


@dataclass(frozen=True)
class TensorModel:
    """A predicted tensor: its dims in order, and what the tensor is."""

    key: str
    title: str
    about: str
    dims: tuple[Dim, ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(dim.size for dim in self.dims)


@dataclass(frozen=True)
class StateSlot:
    """Which (layer, direction) the slice ``h_n[index]`` holds."""

    index: int
    layer: int
    direction: str


@dataclass(frozen=True)
class ParameterModel:
    """One learnable tensor, named as ``named_parameters()`` names it."""

    name: str
    shape: tuple[int, ...]
    layer: int
    direction: str
    rows: str
    columns: str | None

    @property
    def numel(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class Prediction:
    """Everything the shape model says about one spec."""

    tensors: tuple[TensorModel, ...]
    state_slots: tuple[StateSlot, ...]
    parameters: tuple[ParameterModel, ...]

    @property
    def parameter_count(self) -> int:
        return sum(p.numel for p in self.parameters)

    def tensor(self, key: str) -> TensorModel:
        return next(t for t in self.tensors if t.key == key)


def predict(spec: Spec) -> Prediction:
    """Predict and explain every shape of ``spec``'s forward pass.

    >>> from gru_shapes.spec import make_spec
    >>> [t.shape for t in predict(make_spec(layers=2, bidirectional=True)).tensors]
    [(1, 35, 10), (4, 1, 32), (1, 35, 64), (4, 1, 32)]
    """
    config = spec.config
    return Prediction(
        tensors=(
            _input(spec),
            _state(spec, "h_0", "h_0", "the initial hidden state, passed with the input"),
            _output(spec),
            _state(spec, "h_n", "h_n (hidden_state)", "the final hidden state of every layer"),
        ),
        state_slots=tuple(_state_slots(config)),
        parameters=tuple(_parameters(spec.module, config)),
    )


def _sequence_dims(spec: Spec) -> tuple[Dim, Dim]:
    """The batch and seq dims of input and output, in the order batch_first sets."""
    where = "first: batch_first=True" if spec.config.batch_first else "second: batch_first=False"
    batch = Dim(
        "batch", spec.batch_size, f"batch_size = {spec.batch_size}", f"sequences in the batch; {where}"
    )
    seq = Dim("seq", spec.seq_len, f"seq_len = {spec.seq_len}", "time steps, read in order")
    return (batch, seq) if spec.config.batch_first else (seq, batch)


def _input(spec: Spec) -> TensorModel:
    size = spec.config.input_size
    feature = Dim("feature", size, f"input_size = {size}", "features of x at each step")
    return TensorModel(
        "input", "input", "x, the sequences fed to the module", (*_sequence_dims(spec), feature)
    )


def _output(spec: Spec) -> TensorModel:
    config = spec.config
    hidden, d = config.hidden_size, config.num_directions
    if config.bidirectional:
        meaning = f"last layer: [:{hidden}] forward h_t, [{hidden}:] backward h_t"
    else:
        meaning = "last layer's h_t"
    feature = Dim("feature", d * hidden, f"D × hidden_size = {d} × {hidden}", meaning)
    about = "the last layer's hidden state at every time step"
    return TensorModel("output", "output", about, (*_sequence_dims(spec), feature))


def _state(spec: Spec, key: str, title: str, about: str) -> TensorModel:
    config = spec.config
    d, layers = config.num_directions, config.num_layers
    order = "layer-major: i = layer × 2 + direction" if config.bidirectional else "one per layer: i = layer"
    where = "even with batch_first=True" if config.batch_first else "as in every layout"
    dims = (
        Dim("layer_direction", d * layers, f"D × num_layers = {d} × {layers}", order),
        Dim("batch", spec.batch_size, f"batch_size = {spec.batch_size}", f"sequences; dim 1 {where}"),
        Dim("hidden", config.hidden_size, f"hidden_size = {config.hidden_size}", "features of h"),
    )
    return TensorModel(key, title, about, dims)


def _state_slots(config: ModuleConfig) -> list[StateSlot]:
    # PyTorch lays out h_n as view(num_layers, D, batch, hidden): layer-major.
    d = config.num_directions
    return [
        StateSlot(layer * d + direction, layer, DIRECTIONS[direction])
        for layer in range(config.num_layers)
        for direction in range(d)
    ]


def _parameters(module: str, config: ModuleConfig) -> list[ParameterModel]:
    gates = GATES[module]
    hidden, d = config.hidden_size, config.num_directions
    rows = len(gates) * hidden
    stacked = f"{len(gates)} × hidden_size, gates {'|'.join(gates)}"
    found: list[ParameterModel] = []
    # named_parameters() order: layer by layer, forward before reverse, ih before hh, weights before biases.
    for layer in range(config.num_layers):
        if layer == 0:
            inputs, reads = config.input_size, "input_size, from x"
        else:
            inputs, reads = d * hidden, f"D × hidden_size, from layer {layer - 1}"
        for direction in range(d):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            where = (layer, DIRECTIONS[direction])
            found.append(ParameterModel(f"weight_ih{suffix}", (rows, inputs), *where, stacked, reads))
            found.append(
                ParameterModel(f"weight_hh{suffix}", (rows, hidden), *where, stacked, "hidden_size, from h")
            )
            if config.bias:
                found.append(ParameterModel(f"bias_ih{suffix}", (rows,), *where, stacked, None))
                found.append(ParameterModel(f"bias_hh{suffix}", (rows,), *where, stacked, None))
    return found
