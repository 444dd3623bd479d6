"""What to build and what to feed it: frozen, validated settings (no torch here).

Every value a user gives passes through :func:`make_spec`, whichever door it came in by
(command line, JSON Lines batch, Python API), so all of them accept and refuse the same things.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from gru_shapes.errors import OptionError
from gru_shapes.i18n import LANGS, N_, _, default_lang, language

MODULES = ("GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell")
NONLINEARITIES = ("tanh", "relu")
DTYPES = ("float32", "float64", "float16", "bfloat16")
DTYPE_BYTES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}

# torch.manual_seed accepts exactly this range.
SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1

_DEVICE = re.compile(r"cpu|auto|cuda(:\d+)?")

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
        ("batch_size", "seq_len", "unbatched", "lengths", "dry_run"),
        N_("the given input shape sets batch and sequence length, and torch must try it"),
    ),
    ("h0_shape", ("lengths", "dry_run"), N_("a given shape is tried on plain tensors by torch")),
    ("c0_shape", ("lengths", "dry_run"), N_("a given shape is tried on plain tensors by torch")),
)

_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
# Commas, spaces and brackets separate numbers, and so does "x" between two digits (1x35x10).
_NUMBER_LIST = re.compile(r"[\s,()\[\]]+|(?<=\d)[x×](?=\d)")


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
        every = asdict(self)
        del every["module"]
        if self.is_cell:
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
        if self.family == "RNN":  # nn.RNN takes it before bias, nn.RNNCell after
            names.insert(names.index("bias") + self.is_cell, "nonlinearity")
        if self.module == "LSTM":
            names.append("proj_size")
        return {name: every[name] for name in names}


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
    lang = _lang(options.get("lang"))
    with language(lang):  # refusals speak the asked language too
        return _validated(lang, options)


def _validated(lang: str, options: dict[str, Any]) -> Spec:
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        allowed = ", ".join(DEFAULTS)
        raise OptionError(
            unknown[0],
            _("unknown option {name!r}; allowed: {allowed}").format(name=unknown[0], allowed=allowed),
        )
    given = {name: value for name, value in options.items() if value is not None}
    values = {**DEFAULTS, **given}
    module = _module(values["module"])
    _refuse_what_does_not_apply(module, given)
    # torch's cells take sizes of 0 (empty tensors); the sequence modules refuse them.
    smallest = 0 if module.endswith("Cell") else 1
    hidden_size = _whole(values, "hidden_size", minimum=smallest)
    config = ModuleConfig(
        module=module,
        input_size=_whole(values, "input_size", minimum=smallest),
        hidden_size=hidden_size,
        num_layers=_whole(values, "layers", minimum=1),
        bias=_flag(values, "bias"),
        batch_first=_flag(values, "batch_first"),
        dropout=_dropout(values["dropout"]),
        bidirectional=_flag(values, "bidirectional"),
        proj_size=_proj_size(given["proj_size"], hidden_size) if "proj_size" in given else 0,
        nonlinearity=_nonlinearity(given.get("nonlinearity", "tanh")),
    )
    unbatched = _flag(values, "unbatched")
    lengths = _lengths(given["lengths"]) if "lengths" in given else None
    shapes = {key: _shape(given[key], key) for key in ("input_shape", "h0_shape", "c0_shape") if key in given}
    if lengths is not None:
        batch_size, seq_len = len(lengths), max(lengths)
    else:
        # torch runs an empty batch but refuses an empty sequence.
        batch_size = 1 if unbatched else _whole(values, "batch_size", minimum=0)
        seq_len = 1 if config.is_cell else _whole(values, "seq_len", minimum=1)
    return Spec(
        config=config,
        batch_size=batch_size,
        seq_len=seq_len,
        unbatched=unbatched,
        lengths=lengths,
        given=GivenShapes(shapes.get("input_shape"), shapes.get("h0_shape"), shapes.get("c0_shape"))
        if shapes
        else None,
        device=_device(values["device"]),
        dtype=_dtype(values["dtype"]),
        seed=_seed(values["seed"]),
        dry_run=_flag(values, "dry_run"),
        max_memory=_memory(values["max_memory"]),
        lang=lang,
        options={**given, "module": module},
    )


def flag_name(name: str) -> str:
    """The command-line spelling of an option: ``seq_len`` -> ``--seq-len``."""
    return "--" + name.replace("_", "-")


def flag_text(name: str, value: Any) -> str:
    """How to give ``name=value`` on the command line: ``--seq-first``, ``--h0-shape 2,1,32``.

    >>> flag_text("batch_first", False), flag_text("input_size", 12), flag_text("h0_shape", (2, 1, 32))
    ('--seq-first', '--input-size 12', '--h0-shape 2,1,32')
    """
    if name == "batch_first":
        return "--batch-first" if value else "--seq-first"
    if isinstance(value, bool):
        return flag_name(name) if value else flag_name("no_" + name)
    if isinstance(value, (tuple, list)):
        value = ",".join(str(number) for number in value)
    return f"{flag_name(name)} {value}"


def _lang(value: Any) -> str:
    if value is None:
        return default_lang()
    if value not in LANGS:
        raise OptionError("lang", _("--lang must be en or ko, got {value!r}").format(value=value))
    return str(value)


def _module(value: Any) -> str:
    by_lower = {name.lower(): name for name in MODULES}
    if not isinstance(value, str) or value.lower() not in by_lower:
        raise OptionError(
            "module",
            _("--module must be one of {modules} (any case), got {value!r}").format(
                modules=", ".join(MODULES), value=value
            ),
        )
    return by_lower[value.lower()]


def _refuse_what_does_not_apply(module: str, given: dict[str, Any]) -> None:
    for name, (modules, reason) in _ONLY_FOR.items():
        if name in given and module not in modules:
            flag = "--batch-first/--seq-first" if name == "batch_first" else flag_name(name)
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
                    flag=flag_name(clash[0]), other=flag_name(name), reason=_(reason)
                ),
            )


def _proj_size(value: Any, hidden_size: int) -> int:
    # torch: 0 means no projection, and a projection must be smaller than hidden_size.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < hidden_size:
        raise OptionError(
            "proj_size",
            _(
                "--proj-size must be a whole number from 0 to hidden_size - 1 = {largest}, got {value!r}"
            ).format(largest=hidden_size - 1, value=value),
        )
    return value


def _nonlinearity(value: Any) -> str:
    # Spelled exactly as torch spells them: nn.RNN refuses "TANH".
    if value not in NONLINEARITIES:
        raise OptionError(
            "nonlinearity",
            _("--nonlinearity must be tanh or relu (lower case), got {value!r}").format(value=value),
        )
    return str(value)


def _numbers(value: Any) -> list[int] | None:
    """``"35,20,7"``, ``"1x35x12"``, ``"[1, 35, 12]"`` or a list of ints -> the ints; None if not."""
    if isinstance(value, str):
        words = [word for word in _NUMBER_LIST.split(value) if word]
        if not all(word.isdigit() for word in words):
            return None
        return [int(word) for word in words]
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return list(value)
    return None


def _lengths(value: Any) -> tuple[int, ...]:
    numbers = _numbers(value)
    # pack_padded_sequence refuses a length of 0.
    if not numbers or min(numbers) < 1:
        raise OptionError(
            "lengths",
            _(
                "--lengths must be one or more whole numbers of at least 1, such as 35,20,7, got {value!r}"
            ).format(value=value),
        )
    return tuple(numbers)


def _shape(value: Any, name: str) -> tuple[int, ...]:
    numbers = _numbers(value)
    if not numbers:
        raise OptionError(
            name,
            _("{flag} must be sizes of 0 or more separated by commas, such as 1,35,10, got {value!r}").format(
                flag=flag_name(name), value=value
            ),
        )
    return tuple(numbers)


def _whole(values: dict[str, Any], name: str, minimum: int) -> int:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise OptionError(
            name,
            _("{flag} must be a whole number of at least {minimum}, got {value!r}").format(
                flag=flag_name(name), minimum=minimum, value=value
            ),
        )
    return value


def _flag(values: dict[str, Any], name: str) -> bool:
    value = values[name]
    if not isinstance(value, bool):
        raise OptionError(
            name, _("{flag} must be true or false, got {value!r}").format(flag=flag_name(name), value=value)
        )
    return value


def _dropout(value: Any) -> float:
    # torch accepts the closed range [0, 1]; dropout=1 is legal (it zeroes what passes between layers).
    number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number_ok or not math.isfinite(value) or not 0 <= value <= 1:
        raise OptionError(
            "dropout", _("--dropout must be a number from 0 to 1, got {value!r}").format(value=value)
        )
    return float(value)


def _device(value: Any) -> str:
    if not isinstance(value, str) or not _DEVICE.fullmatch(value):
        raise OptionError(
            "device", _("--device must be cpu, cuda, cuda:N or auto, got {value!r}").format(value=value)
        )
    return value


def _dtype(value: Any) -> str:
    if value not in DTYPES:
        raise OptionError(
            "dtype",
            _("--dtype must be one of {dtypes}, got {value!r}").format(dtypes=", ".join(DTYPES), value=value),
        )
    return str(value)


def parse_memory(text: str) -> int:
    """``'8GiB'`` -> ``8589934592``; ``'512MB'`` -> ``512000000``; a bare number counts bytes.

    >>> parse_memory("1.5 KiB")
    1536
    """
    match = _MEMORY.fullmatch(text.strip())
    if not match:
        raise ValueError(text)
    number, prefix, suffix = match.groups()
    base = 1024 if suffix.lower().startswith("i") or (prefix and not suffix) else 1000
    return int(float(number) * base ** _POWERS[prefix.lower()])


def _memory(value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    if isinstance(value, str):
        try:
            parsed = parse_memory(value)
        except ValueError:
            parsed = 0
        if parsed > 0:
            return parsed
    raise OptionError(
        "max_memory",
        _("--max-memory must be a size above 0 such as 512MiB, 8GB or 2G, got {value!r}").format(value=value),
    )


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not SEED_MIN <= value <= SEED_MAX:
        raise OptionError(
            "seed",
            _("--seed must be a whole number from {low} to {high}, got {value!r}").format(
                low=SEED_MIN, high=SEED_MAX, value=value
            ),
        )
    return value
