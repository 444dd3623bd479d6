"""The pure shape model: every tensor and parameter of the forward pass, predicted and explained.

Plain Python and no torch, so it answers instantly at any size; the runner checks it against
the tensors torch really returns.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from math import prod

from gru_shapes.i18n import N_, _, current
from gru_shapes.model.spec import ModuleConfig, Spec

DIRECTIONS = ("forward", "backward")

# How each family stacks its blocks in the rows of weight_ih / weight_hh / biases, in torch's order.
# A plain RNN has a single block and no gates.
GATES = {"GRU": ("r", "z", "n"), "LSTM": ("i", "f", "g", "o"), "RNN": ("h",)}

# Lists that grow with the sizes are summarised past these limits, so that a dry run or a refusal
# takes the same time at any size. Every layer after the first has the same parameters and slots,
# so a stack of more than LISTED_LAYERS layers lists layers 0, 1 and the last, and says how many it
# left out; a packed batch of more than LISTED_STEPS steps gives batch_sizes as runs of equal values.
LISTED_LAYERS = 4
LISTED_STEPS = 1000


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

    @property
    def numel(self) -> int:
        return prod(self.shape)


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
class Omitted:
    """Layers ``first`` to ``last`` left out of a list: each is like layer ``like``, and together
    they hold ``entries`` entries (parameter tensors or h_n slots) and ``numel`` numbers."""

    first: int
    last: int
    like: int
    entries: int
    numel: int = 0


@dataclass(frozen=True)
class Prediction:
    """Everything the shape model says about one spec.

    ``parameters`` and ``state_slots`` list at most :data:`LISTED_LAYERS` layers; what they leave
    out is in ``parameters_omitted`` and ``slots_omitted``. ``batch_size_runs`` is
    PackedSequence.batch_sizes as runs ``(size, steps)``.
    """

    tensors: tuple[TensorModel, ...]
    state_slots: tuple[StateSlot, ...]
    parameters: tuple[ParameterModel, ...]
    batch_size_runs: tuple[tuple[int, int], ...] | None  # for a packed batch
    parameters_omitted: Omitted | None = None
    slots_omitted: Omitted | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.tensors)

    @property
    def parameter_count(self) -> int:
        omitted = self.parameters_omitted.numel if self.parameters_omitted else 0
        return sum(p.numel for p in self.parameters) + omitted

    @property
    def batch_sizes(self) -> tuple[int, ...] | None:
        """PackedSequence.batch_sizes step by step (as long as the longest sequence: mind the size)."""
        return None if self.batch_size_runs is None else expand(self.batch_size_runs)

    def tensor(self, key: str) -> TensorModel:
        return next(t for t in self.tensors if t.key == key)


def predict(spec: Spec) -> Prediction:
    """Predict and explain every shape of ``spec``'s forward pass.

    >>> from gru_shapes.model.spec import make_spec
    >>> [t.shape for t in predict(make_spec(layers=2, bidirectional=True)).tensors]
    [(1, 35, 10), (4, 1, 32), (1, 35, 64), (4, 1, 32)]
    >>> [(t.key, t.shape) for t in predict(make_spec(module="LSTMCell", unbatched=True)).tensors]
    [('input', (10,)), ('h_0', (32,)), ('c_0', (32,)), ('h_1', (32,)), ('c_1', (32,))]
    """
    return _predicted(spec, current())


@functools.lru_cache(maxsize=256)
def _predicted(spec: Spec, lang: str) -> Prediction:
    # Pure and frozen, in the language of its texts: a batch asking the same spec again reuses it.
    config = spec.config
    lstm = config.family == "LSTM"
    first, last = ("h_0", "c_0"), (("h_1", "c_1") if config.is_cell else ("h_n", "c_n"))
    states = [_state(spec, key) for key in first[: 1 + lstm]]
    finals = [_state(spec, key) for key in last[: 1 + lstm]]
    if config.is_cell:
        tensors = [_input(spec), *states, *finals]
    elif spec.packed:
        tensors = [_input(spec), _packed(spec, "packed_input"), *states, _packed(spec, "packed_output")]
        tensors += [_output(spec), *finals]
    else:
        tensors = [_input(spec), *states, _output(spec), *finals]
    layers = listed_layers(config.num_layers)
    parameters = [p for layer in layers for p in _layer_parameters(config, layer)]
    slots = [] if config.is_cell else [s for layer in layers for s in _layer_slots(config, layer)]
    omitted_parameters = omitted_slots = None
    if config.num_layers > LISTED_LAYERS:  # layers 2 to L - 2 are left out, each like layer 1
        start, stop = 2, config.num_layers - 2
        like = _layer_parameters(config, 1)
        count = stop - start + 1
        omitted_parameters = Omitted(start, stop, 1, count * len(like), count * sum(p.numel for p in like))
        omitted_slots = Omitted(start, stop, 1, count * config.num_directions)
    return Prediction(
        tensors=tuple(tensors),
        state_slots=tuple(slots),
        parameters=tuple(parameters),
        batch_size_runs=batch_size_runs(spec.lengths) if spec.lengths else None,
        parameters_omitted=omitted_parameters,
        slots_omitted=omitted_slots,
    )


def listed_layers(num_layers: int) -> tuple[int, ...]:
    """The layers listed: all up to :data:`LISTED_LAYERS`, else 0, 1 and the last.

    >>> listed_layers(3), listed_layers(9223372036854775807)
    ((0, 1, 2), (0, 1, 9223372036854775806))
    """
    if num_layers <= LISTED_LAYERS:
        return tuple(range(num_layers))
    return (0, 1, num_layers - 1)


def batch_size_runs(lengths: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """PackedSequence.batch_sizes as runs ``(size, steps)``: how many sequences are still running,
    for how many steps. As many runs as distinct lengths, whatever the lengths.

    >>> batch_size_runs((35, 20, 7)), expand(batch_size_runs((3, 1, 3)))
    (((3, 7), (2, 13), (1, 15)), (3, 2, 2))
    """
    running, step, runs = len(lengths), 0, []
    for length, count in sorted(Counter(lengths).items()):
        runs.append((running, length - step))
        running, step = running - count, length
    return tuple(runs)


def runs_of(values: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """Consecutive equal values as ``(value, count)``: ``(3, 3, 1)`` -> ``((3, 2), (1, 1))``."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1] + 1)
        else:
            runs.append((value, 1))
    return tuple(runs)


def expand(runs: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """The values of ``runs`` one by one (as long as their total count)."""
    return tuple(value for value, count in runs for _ in range(count))


def _batch_dim(spec: Spec, where: str, noun: str | None = None) -> tuple[Dim, ...]:
    """The batch dim, or none for an unbatched input."""
    if spec.unbatched:
        return ()
    if spec.lengths:
        formula = f"len(lengths) = {spec.batch_size}"
        meaning = _("sequences, in the order the lengths were given")
    else:
        formula, meaning = f"batch_size = {spec.batch_size}", noun or _("sequences in the batch")
    return (Dim("batch", spec.batch_size, formula, f"{meaning}; {where}" if where else meaning),)


def _sequence_dims(spec: Spec) -> tuple[Dim, ...]:
    """The batch and seq dims of input and output, in the order batch_first sets."""
    if spec.config.is_cell:
        return _batch_dim(spec, _("a cell takes one time step of each sequence"))
    if spec.lengths:
        seq = Dim(
            "seq",
            spec.seq_len,
            f"max(lengths) = {spec.seq_len}",
            _("time steps, padded to the longest sequence"),
        )
    elif spec.unbatched:
        meaning = _("time steps; unbatched input is always (seq, feature), whatever batch_first says")
        seq = Dim("seq", spec.seq_len, f"seq_len = {spec.seq_len}", meaning)
    else:
        seq = Dim("seq", spec.seq_len, f"seq_len = {spec.seq_len}", _("time steps, read in order"))
    if spec.unbatched:
        return (seq,)
    where = _("first: batch_first=True") if spec.config.batch_first else _("second: batch_first=False")
    (batch,) = _batch_dim(spec, where)
    return (batch, seq) if spec.config.batch_first else (seq, batch)


def _input_feature(spec: Spec) -> Dim:
    size = spec.config.input_size
    return Dim("feature", size, f"input_size = {size}", _("features of x at each step"))


def _input(spec: Spec) -> TensorModel:
    if spec.config.is_cell:
        about = _("x, one time step of each sequence")
    elif spec.lengths:
        about = _("x, padded to the longest sequence; pack_padded_sequence packs it")
    else:
        about = _("x, the sequences fed to the module")
    return TensorModel("input", "input", about, (*_sequence_dims(spec), _input_feature(spec)))


def _output_feature(spec: Spec) -> Dim:
    config = spec.config
    h, d = config.h_size, config.num_directions
    name = "proj_size" if config.proj_size else "hidden_size"
    if config.bidirectional:
        meaning = _("last layer: [:{h}] forward h_t, [{h}:] backward h_t").format(h=h)
    else:
        meaning = _("last layer's h_t")
    return Dim("feature", d * h, f"D × {name} = {d} × {h}", meaning)


def _output(spec: Spec) -> TensorModel:
    if spec.lengths:
        about = _(
            "pad_packed_sequence(packed_output): h_t of the last layer, zeros after each sequence's end"
        )
    else:
        about = _("the last layer's hidden state at every time step")
    return TensorModel("output", "output", about, (*_sequence_dims(spec), _output_feature(spec)))


def _packed(spec: Spec, key: str) -> TensorModel:
    lengths = spec.lengths or ()
    total = sum(lengths)
    terms = (
        " + ".join(map(str, lengths))
        if len(lengths) <= 8
        else _("{count} lengths").format(count=len(lengths))
    )
    rows = Dim(
        "packed",
        total,
        f"sum(lengths) = {terms} = {total}" if len(lengths) > 1 else f"sum(lengths) = {total}",
        _("one row per real step, time-major: step t holds batch_sizes[t] rows, longest sequences first"),
    )
    if key == "packed_input":
        about = _("PackedSequence.data fed to the module: no padding, only the real steps")
        return TensorModel(key, "packed_input.data", about, (rows, _input_feature(spec)))
    about = _("PackedSequence.data the module returns: the last layer's h_t at every real step")
    return TensorModel(key, "packed_output.data", about, (rows, _output_feature(spec)))


_STATES = {
    "h_0": ("h_0", N_("the initial hidden state, passed with the input")),
    "c_0": ("c_0", N_("the initial cell state, passed with h_0 as (h_0, c_0)")),
    "h_n": ("h_n (hidden_state)", N_("the final hidden state of every layer")),
    "c_n": ("c_n", N_("the final cell state of every layer")),
    "h_1": ("h_1", N_("the next hidden state: one step of the recurrence")),
    "c_1": ("c_1", N_("the next cell state: one step of the recurrence")),
}
_AT_OWN_END = {
    "h_n": N_("the final hidden state of every layer, taken at each sequence's own last step"),
    "c_n": N_("the final cell state of every layer, taken at each sequence's own last step"),
}

_AT_BOTH_ENDS = {
    "h_n": N_(
        "the final hidden state of every layer: forward at each sequence's own last step, backward at step 0"
    ),
    "c_n": N_(
        "the final cell state of every layer: forward at each sequence's own last step, backward at step 0"
    ),
}


def _state(spec: Spec, key: str) -> TensorModel:
    config = spec.config
    title, about = _STATES[key]
    if key == "h_n" and config.family == "LSTM":
        title = "h_n"
    if key in _AT_OWN_END and spec.lengths:
        # Run backward, the reverse direction ends at step 0 of every sequence.
        about = _AT_BOTH_ENDS[key] if config.bidirectional else _AT_OWN_END[key]
    about = _(about)
    dims: list[Dim] = []
    if not config.is_cell:
        d, layers = config.num_directions, config.num_layers
        order = (
            _("layer-major: i = layer × 2 + direction")
            if config.bidirectional
            else _("one per layer: i = layer")
        )
        dims.append(Dim("layer_direction", d * layers, f"D × num_layers = {d} × {layers}", order))
    if config.is_cell:
        where = _("as in input")
    elif spec.unbatched:
        where = ""
    else:
        where = _("dim 1 even with batch_first=True") if config.batch_first else _("dim 1 as in every layout")
    dims.extend(_batch_dim(spec, where, noun=_("sequences")))
    if key.startswith("c"):
        size, formula, meaning = (
            config.hidden_size,
            f"hidden_size = {config.hidden_size}",
            _("features of c, never projected"),
        )
    elif config.proj_size:
        size, formula = config.proj_size, f"proj_size = {config.proj_size}"
        meaning = _("features of h, projected from hidden_size by weight_hr")
    else:
        size, formula, meaning = config.hidden_size, f"hidden_size = {config.hidden_size}", _("features of h")
    dims.append(Dim("hidden", size, formula, meaning))
    return TensorModel(key, title, about, tuple(dims))


def _layer_slots(config: ModuleConfig, layer: int) -> list[StateSlot]:
    # PyTorch lays out h_n as view(num_layers, D, batch, hidden): layer-major.
    d = config.num_directions
    return [StateSlot(layer * d + direction, layer, DIRECTIONS[direction]) for direction in range(d)]


def _rows(config: ModuleConfig) -> str:
    gates = GATES[config.family]
    if config.family == "RNN":
        return _("hidden_size, no gates: one {nonlinearity} block").format(nonlinearity=config.nonlinearity)
    return _("{count} × hidden_size, gates {gates}").format(count=len(gates), gates="|".join(gates))


def parameters_of(config: ModuleConfig) -> Iterator[ParameterModel]:
    """Every parameter, layer by layer, in ``named_parameters()`` order (as many as the layers)."""
    for layer in range(config.num_layers):
        yield from _layer_parameters(config, layer)


def _layer_parameters(config: ModuleConfig, layer: int) -> list[ParameterModel]:
    hidden, h, d = config.hidden_size, config.h_size, config.num_directions
    rows, stacked = len(GATES[config.family]) * hidden, _rows(config)
    reads_h = _("proj_size, from the projected h") if config.proj_size else _("hidden_size, from h")
    found: list[ParameterModel] = []
    # named_parameters() order: layer by layer, forward before reverse, ih before hh, weights before
    # biases, and an LSTM's projection last.
    if layer == 0:
        inputs, reads = config.input_size, _("input_size, from x")
    else:
        name = "proj_size" if config.proj_size else "hidden_size"
        inputs, reads = d * h, _("D × {name}, from layer {layer}").format(name=name, layer=layer - 1)
    for direction in range(d):
        suffix = "" if config.is_cell else f"_l{layer}" + ("_reverse" if direction else "")
        where = (layer, DIRECTIONS[direction])
        found.append(ParameterModel(f"weight_ih{suffix}", (rows, inputs), *where, stacked, reads))
        found.append(ParameterModel(f"weight_hh{suffix}", (rows, h), *where, stacked, reads_h))
        if config.bias:
            found.append(ParameterModel(f"bias_ih{suffix}", (rows,), *where, stacked, None))
            found.append(ParameterModel(f"bias_hh{suffix}", (rows,), *where, stacked, None))
        if config.proj_size:
            found.append(
                ParameterModel(
                    f"weight_hr{suffix}",
                    (h, hidden),
                    *where,
                    _("proj_size: the projection of h"),
                    _("hidden_size, h before projection"),
                )
            )
    return found
