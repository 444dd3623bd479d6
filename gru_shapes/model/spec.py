"""What to build and what to feed it: frozen, validated settings (no torch here).

Every value a user gives passes through :func:`make_spec`, whichever door it came in by
(command line, JSON Lines batch, Python API), so all of them accept and refuse the same things.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import Any

from gru_shapes.errors import OptionError
from gru_shapes.i18n import N_, _, language
from gru_shapes.model import more_options, onnx, validate

# The long option names (with "_" for "-") and their defaults: the command line's defaults,
# the keys a batch line may use, and the keyword arguments of make_spec. None means "not given":
# the module's own default applies, or the option plays no part.
DEFAULTS: dict[str, Any] = {
    "module": "GRU",
    "input_size": 10,
    "hidden_size": 32,
    "layers": 1,
    "bidirectional": False,
    "batch_first": True,
    "bias": True,
    "dropout": 0.0,
    "proj_size": None,
    "nonlinearity": None,
    "batch_size": 1,
    "seq_len": 35,
    "unbatched": False,
    "lengths": None,
    "input_shape": None,
    "h0_shape": None,
    "c0_shape": None,
    "device": "cpu",
    "dtype": "float32",
    "seed": 0,
    "dry_run": False,
    "max_memory": None,
    "lang": None,
    "decoder_layers": None,
    "decoder_hidden_size": None,
    "decoder_module": None,
    "chunks": None,
    "hx_form": None,
    "input_dtype": None,
    "onnx_out": None,
    "encoder_bidirectional": False,
}

_SEQUENCE_MODULES = frozenset({"GRU", "LSTM", "RNN"})
_SEQUENCE_ONLY = N_("a cell takes one time step of one layer in one direction")
# Options that only some modules take, and the reason the others refuse them.
_ONLY_FOR: dict[str, tuple[frozenset[str], str]] = {
    "layers": (_SEQUENCE_MODULES, _SEQUENCE_ONLY),
    "bidirectional": (_SEQUENCE_MODULES, _SEQUENCE_ONLY),
    "batch_first": (
        _SEQUENCE_MODULES,
        N_("a cell's input has no time dimension, so there is no layout to choose"),
    ),
    "dropout": (_SEQUENCE_MODULES, N_("dropout acts between stacked layers, and a cell is one layer")),
    "seq_len": (_SEQUENCE_MODULES, _SEQUENCE_ONLY),
    "lengths": (_SEQUENCE_MODULES, N_("a cell takes one time step, so there is nothing to pack")),
    "proj_size": (frozenset({"LSTM"}), N_("only nn.LSTM projects its hidden state")),
    "nonlinearity": (
        frozenset({"RNN", "RNNCell"}),
        N_("only nn.RNN and nn.RNNCell take one; GRU and LSTM gates have fixed activations"),
    ),
    "c0_shape": (frozenset({"LSTM", "LSTMCell"}), N_("only LSTMs carry a cell state c")),
    "decoder_layers": (_SEQUENCE_MODULES, _SEQUENCE_ONLY),
    "decoder_hidden_size": (_SEQUENCE_MODULES, _SEQUENCE_ONLY),
    "decoder_module": (_SEQUENCE_MODULES, _SEQUENCE_ONLY),
    "chunks": (_SEQUENCE_MODULES, _SEQUENCE_ONLY),
    "encoder_bidirectional": (
        _SEQUENCE_MODULES,
        N_("a cell's state has no layers or directions to combine"),
    ),
    "hx_form": (
        frozenset({"LSTM", "LSTMCell"}),
        N_("only LSTMs take their state as a tuple (h, c); the others take h alone"),
    ),
}
# Options that set the same thing as another: (option, its rivals, what they both set).
_EXCLUSIVE = (
    ("unbatched", ("batch_size",), N_("an unbatched input has no batch dimension")),
    (
        "lengths",
        ("batch_size", "seq_len", "unbatched"),
        N_("the lengths set the batch and the longest sequence"),
    ),
    (
        "input_shape",
        ("unbatched", "dry_run"),
        N_("the given input shape sets batch and sequence length, and torch must try it"),
    ),
    ("h0_shape", ("dry_run",), N_("a given shape is tried on plain tensors by torch")),
    ("c0_shape", ("dry_run",), N_("a given shape is tried on plain tensors by torch")),
    ("hx_form", ("dry_run",), N_("the call form is tried by torch")),
    ("input_dtype", ("dry_run",), N_("the input's dtype is tried by torch")),
    ("encoder_bidirectional", ("dry_run",), N_("it ranks the fixes of given states, which torch tries")),
    ("chunks", ("lengths", "dry_run"), N_("the chunks are run by torch on one plain, unpacked batch")),
    ("decoder_layers", ("dry_run",), N_("the hand-off is checked by running a real decoder")),
    ("decoder_hidden_size", ("dry_run",), N_("the hand-off is checked by running a real decoder")),
    ("decoder_module", ("dry_run",), N_("the hand-off is checked by running a real decoder")),
    ("onnx_out", ("dry_run",), N_("the file is written by torch's exporter, which a dry run does not call")),
)


@dataclass(frozen=True)
class ModuleConfig:
    """The module and every constructor argument it could take; :meth:`keywords` gives exactly the
    ones its class takes, so ``getattr(torch.nn, config.module)(**config.keywords())`` builds it."""

    module: str
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    proj_size: int
    nonlinearity: str

    @property
    def is_cell(self) -> bool:
        return self.module.endswith("Cell")

    @property
    def family(self) -> str:
        """GRU, LSTM or RNN: the recurrence, whether one step (cell) or a whole sequence."""
        return self.module.removesuffix("Cell")

    @property
    def num_directions(self) -> int:
        """D in PyTorch's documentation: 2 when bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    @property
    def h_size(self) -> int:
        """Features of h: proj_size when an LSTM projects its hidden state, else hidden_size."""
        return self.proj_size or self.hidden_size

    def keywords(self) -> dict[str, Any]:
        """The constructor's keyword arguments, in the order torch documents them."""
        return dict(_keyword_items(self))


@functools.lru_cache(maxsize=1024)
def _keyword_items(config: ModuleConfig) -> tuple[tuple[str, Any], ...]:
    """ModuleConfig.keywords(), asked for on every run and report: worked out once per configuration."""
    every = asdict(config)
    del every["module"]
    if config.is_cell:
        names = ["input_size", "hidden_size", "bias"]
    else:
        names = [
            "input_size",
            "hidden_size",
            "num_layers",
            "bias",
            "batch_first",
            "dropout",
            "bidirectional",
        ]
    if config.family == "RNN":  # nn.RNN takes it before bias, nn.RNNCell after
        names.insert(names.index("bias") + config.is_cell, "nonlinearity")
    if config.module == "LSTM":
        names.append("proj_size")
    return tuple((name, every[name]) for name in names)


@dataclass(frozen=True)
class GivenShapes:
    """Tensor shapes the user asked torch to try (``--input-shape`` and friends); None: not given."""

    input: tuple[int, ...] | None
    h_0: tuple[int, ...] | None
    c_0: tuple[int, ...] | None


@dataclass(frozen=True)
class Spec:
    """One question: a module, the input fed to it, and where to run it.

    For an unbatched input ``batch_size`` is 1 (the size torch runs it at) and no tensor has a
    batch dim; a cell's ``seq_len`` is 1. ``options`` are the options it was made from, so that a
    variant can be made with :func:`make_spec` ``(**{**spec.options, ...})``.
    """

    config: ModuleConfig
    batch_size: int
    seq_len: int
    unbatched: bool
    lengths: tuple[int, ...] | None
    given: GivenShapes | None
    device: str
    dtype: str
    seed: int
    dry_run: bool
    max_memory: int | None
    lang: str
    options: dict[str, Any] = field(compare=False, repr=False)
    # After the forward pass: the decoder to hand the final state to, and chunks to carry it across.
    decoder_layers: int | None = None
    decoder_hidden_size: int | None = None
    decoder_module: str | None = None
    chunks: int | None = None
    # How the state is passed: "tuple" (h_0, c_0) for an LSTM, "tensor" h_0 alone (as for GRU and RNN).
    hx_form: str = "tensor"
    # The dtype of the input fed to a diagnosis; None: the module's --dtype.
    input_dtype: str | None = None
    # The ONNX export, made after the run when asked (--show onnx), and the file it is kept in.
    onnx: bool = False
    onnx_out: str | None = None
    # The states given are a bidirectional encoder's final states (h_n, c_n), fed to this module.
    encoder_bidirectional: bool = False
    # The hand-off section was asked for by name with no decoder named: the run checks the recipes
    # against the usual decoders (set by the command line, never an option of its own).
    handoff_shown: bool = False

    @property
    def module(self) -> str:
        return self.config.module

    @property
    def packed(self) -> bool:
        return self.lengths is not None


def make_spec(**options: Any) -> Spec:
    """Validate options (named as in :data:`DEFAULTS`; missing ones take the defaults).

    An option given for a module that does not take it is refused, as torch would refuse it.

    >>> make_spec(layers=2, bidirectional=True).config.num_directions
    2
    >>> make_spec(layers=0)
    Traceback (most recent call last):
    ...
    gru_shapes.errors.OptionError: --layers must be a whole number of at least 1, got 0
    >>> make_spec(module="grucell", layers=2)
    Traceback (most recent call last):
    ...
    gru_shapes.errors.OptionError: --layers does not apply to nn.GRUCell: a cell takes one time step of one layer in one direction
    """
    lang = validate.lang(options.get("lang"))
    with language(lang):  # refusals speak the asked language too
        return _validated(lang, options)


def _validated(lang: str, options: dict[str, Any]) -> Spec:
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        allowed = ", ".join(DEFAULTS)
        raise OptionError(
            unknown[0],
            _("unknown option {name!r}; allowed: {allowed}").format(
                name=validate.Shown(unknown[0]), allowed=allowed
            ),
        )
    given = {name: value for name, value in options.items() if value is not None}
    values = {**DEFAULTS, **given}
    module = validate.module(values["module"])
    _refuse_what_does_not_apply(module, given)
    # torch's cells take sizes of 0 (empty tensors); the sequence modules refuse them.
    smallest = 0 if module.endswith("Cell") else 1
    hidden_size = validate.whole(values, "hidden_size", minimum=smallest)
    config = ModuleConfig(
        module=module,
        input_size=validate.whole(values, "input_size", minimum=smallest),
        hidden_size=hidden_size,
        num_layers=validate.whole(values, "layers", minimum=1),
        bias=validate.flag(values, "bias"),
        batch_first=validate.flag(values, "batch_first"),
        dropout=validate.dropout(values["dropout"]),
        bidirectional=validate.flag(values, "bidirectional"),
        proj_size=validate.proj_size(given["proj_size"], hidden_size) if "proj_size" in given else 0,
        nonlinearity=validate.nonlinearity(given.get("nonlinearity", "tanh")),
    )
    unbatched = validate.flag(values, "unbatched")
    lengths = validate.lengths(given["lengths"]) if "lengths" in given else None
    shapes = {
        key: validate.shape(given[key], key)
        for key in ("input_shape", "h0_shape", "c0_shape")
        if key in given
    }
    if lengths is not None:
        batch_size, seq_len = len(lengths), max(lengths)
    else:
        # torch runs an empty batch but refuses an empty sequence.
        batch_size = 1 if unbatched else validate.whole(values, "batch_size", minimum=0)
        seq_len = 1 if config.is_cell else validate.whole(values, "seq_len", minimum=1)
    return Spec(
        config=config,
        batch_size=batch_size,
        seq_len=seq_len,
        unbatched=unbatched,
        lengths=lengths,
        given=GivenShapes(shapes.get("input_shape"), shapes.get("h0_shape"), shapes.get("c0_shape"))
        if shapes
        else None,
        device=validate.device(values["device"]),
        dtype=validate.dtype(values["dtype"]),
        seed=validate.seed(values["seed"]),
        dry_run=validate.flag(values, "dry_run"),
        max_memory=validate.memory(values["max_memory"]),
        lang=lang,
        options={**given, "module": module},
        **more_options.decoder(given),
        **more_options.chunks(given, seq_len),
        hx_form=more_options.hx_form(given.get("hx_form"), module, "c0_shape" in given),
        input_dtype=more_options.input_dtype(given["input_dtype"]) if "input_dtype" in given else None,
        onnx="onnx_out" in given,
        onnx_out=onnx.out_path(given["onnx_out"]) if "onnx_out" in given else None,
        encoder_bidirectional=_encoder_bidirectional(values, given),
    )


def _encoder_bidirectional(values: dict[str, Any], given: dict[str, Any]) -> bool:
    stated = validate.flag(values, "encoder_bidirectional")
    if stated and "h0_shape" not in given and "c0_shape" not in given:
        raise OptionError(
            "encoder_bidirectional",
            _("--encoder-bidirectional says where given states come from: give them with --h0-shape"),
        )
    return stated


def _refuse_what_does_not_apply(module: str, given: dict[str, Any]) -> None:
    for name, (modules, reason) in _ONLY_FOR.items():
        if name in given and module not in modules:
            flag = "--batch-first/--seq-first" if name == "batch_first" else validate.flag_name(name)
            raise OptionError(
                name,
                _("{flag} does not apply to nn.{module}: {reason}").format(
                    flag=flag, module=module, reason=_(reason)
                ),
            )
    active = {name for name, value in given.items() if value is not False}
    for name, rivals, reason in _EXCLUSIVE:
        clash = [rival for rival in rivals if rival in active]
        if name in active and clash:
            raise OptionError(
                clash[0],
                _("{flag} cannot be combined with {other}: {reason}").format(
                    flag=validate.flag_name(clash[0]), other=validate.flag_name(name), reason=_(reason)
                ),
            )
