"""What to build and what to feed it: frozen, validated settings (no torch here).

Every value a user gives passes through :func:`make_spec`, whichever door it came in by
(command line, JSON Lines batch, Python API), so all of them accept and refuse the same things.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from gru_shapes.errors import OptionError

DTYPES = ("float32", "float64", "float16", "bfloat16")
DTYPE_BYTES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}

# torch.manual_seed accepts exactly this range.
SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1

_DEVICE = re.compile(r"cpu|auto|cuda(:\d+)?")

# The long option names (with "_" for "-") and their defaults: the command line's defaults,
# the keys a batch line may use, and the keyword arguments of make_spec.
DEFAULTS: dict[str, Any] = {
    "input_size": 10,
    "hidden_size": 32,
    "layers": 1,
    "bidirectional": False,
    "batch_first": True,
    "bias": True,
    "dropout": 0.0,
    "batch_size": 1,
    "seq_len": 35,
    "device": "cpu",
    "dtype": "float32",
    "seed": 0,
    "dry_run": False,
    "max_memory": None,
}

_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}


@dataclass(frozen=True)
class ModuleConfig:
    """Exactly the keyword arguments of ``torch.nn.GRU``, so ``nn.GRU(**asdict(config))`` builds it."""

    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool

    @property
    def num_directions(self) -> int:
        """D in PyTorch's documentation: 2 when bidirectional, else 1."""
        return 2 if self.bidirectional else 1

    def keywords(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Spec:
    """One question: a module, the input fed to it, and where to run it."""

    module: str
    config: ModuleConfig
    batch_size: int
    seq_len: int
    device: str
    dtype: str
    seed: int
    dry_run: bool
    max_memory: int | None


def make_spec(**options: Any) -> Spec:
    """Validate options (named as in :data:`DEFAULTS`; missing ones take the defaults).

    >>> make_spec(layers=2, bidirectional=True).config.num_directions
    2
    >>> make_spec(layers=0)
    Traceback (most recent call last):
    ...
    gru_shapes.errors.OptionError: --layers must be a whole number of at least 1, got 0
    """
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        allowed = ", ".join(DEFAULTS)
        raise OptionError(unknown[0], f"unknown option {unknown[0]!r}; allowed: {allowed}")
    values = {**DEFAULTS, **options}
    config = ModuleConfig(
        input_size=_whole(values, "input_size", minimum=1),
        hidden_size=_whole(values, "hidden_size", minimum=1),
        num_layers=_whole(values, "layers", minimum=1),
        bias=_flag(values, "bias"),
        batch_first=_flag(values, "batch_first"),
        dropout=_dropout(values["dropout"]),
        bidirectional=_flag(values, "bidirectional"),
    )
    return Spec(
        module="GRU",
        config=config,
        # torch runs an empty batch but refuses an empty sequence.
        batch_size=_whole(values, "batch_size", minimum=0),
        seq_len=_whole(values, "seq_len", minimum=1),
        device=_device(values["device"]),
        dtype=_dtype(values["dtype"]),
        seed=_seed(values["seed"]),
        dry_run=_flag(values, "dry_run"),
        max_memory=_memory(values["max_memory"]),
    )


def flag_name(name: str) -> str:
    """The command-line spelling of an option: ``seq_len`` -> ``--seq-len``."""
    return "--" + name.replace("_", "-")


def _whole(values: dict[str, Any], name: str, minimum: int) -> int:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise OptionError(
            name, f"{flag_name(name)} must be a whole number of at least {minimum}, got {value!r}"
        )
    return value


def _flag(values: dict[str, Any], name: str) -> bool:
    value = values[name]
    if not isinstance(value, bool):
        raise OptionError(name, f"{flag_name(name)} must be true or false, got {value!r}")
    return value


def _dropout(value: Any) -> float:
    # torch accepts the closed range [0, 1]; dropout=1 is legal (it zeroes what passes between layers).
    number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number_ok or not math.isfinite(value) or not 0 <= value <= 1:
        raise OptionError("dropout", f"--dropout must be a number from 0 to 1, got {value!r}")
    return float(value)


def _device(value: Any) -> str:
    if not isinstance(value, str) or not _DEVICE.fullmatch(value):
        raise OptionError("device", f"--device must be cpu, cuda, cuda:N or auto, got {value!r}")
    return value


def _dtype(value: Any) -> str:
    if value not in DTYPES:
        raise OptionError("dtype", f"--dtype must be one of {', '.join(DTYPES)}, got {value!r}")
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
        "max_memory", f"--max-memory must be a size above 0 such as 512MiB, 8GB or 2G, got {value!r}"
    )


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not SEED_MIN <= value <= SEED_MAX:
        raise OptionError(
            "seed", f"--seed must be a whole number from {SEED_MIN} to {SEED_MAX}, got {value!r}"
        )
    return value
