"""Each option's value on its own: what it accepts, how it is spelled, and the refusal that names it.

Pure functions, no torch: each returns the clean value or raises :class:`OptionError` in the
language in force. :mod:`gru_shapes.model.spec` combines them and decides what goes with what.
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

from gru_shapes.errors import OptionError
from gru_shapes.i18n import LANGS, _, default_lang

MODULES = ("GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell")
NONLINEARITIES = ("tanh", "relu")
DTYPES = ("float32", "float64", "float16", "bfloat16")
DTYPE_BYTES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}

# torch.manual_seed accepts exactly this range.
SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1

# torch's sizes are 64-bit integers: nothing larger can be a dimension, a layer count or a length.
MAX_SIZE = 2**63 - 1

# ASCII digits only: str.isdigit() and re's \d also accept "²" or "٣", which int() reads or refuses.
_DEVICE = re.compile(r"cpu|auto|cuda(:[0-9]{1,18})?")

_MEMORY = re.compile(r"([0-9]{1,30}(?:\.[0-9]{1,30})?)\s*([kmgtp]?)(i?b?)", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
# Commas, spaces and brackets separate numbers, and so does "x" between two digits (1x35x10).
_NUMBER_LIST = re.compile(r"[\s,()\[\]]+|(?<=[0-9])[x×](?=[0-9])")
_DIGITS = re.compile(r"[0-9]{1,19}")
# An empty item: a comma with nothing but spaces before it (after the start or an opening bracket, or
# another comma), or after it (before the end). A comma just before a closing bracket is Python's
# ``(35,)`` and empty of nothing.
_EMPTY_ITEM = re.compile(r"(?:^|[(\[,])\s*,|,\s*$")


class _Short(reprlib.Repr):
    """repr() that stays one short line whatever it is given: long strings and lists are cut, deep
    nesting is elided, and integers too long for str() are described instead of converted."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 60
        self.maxlist = self.maxtuple = self.maxdict = 8
        self.maxlevel = 3

    def repr_int(self, x: int, level: int) -> str:
        if abs(x) < 10**30:
            return repr(x)
        return f"<an integer of about {int(x.bit_length() * 0.30103) + 1} digits>"


class Shown:
    """Wraps a refused value so that ``{value!r}`` in a message prints it short and never fails.

    >>> repr(Shown(10**5000)), len(repr(Shown("x" * 500)))
    ('<an integer of about 5001 digits>', 60)
    """

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        try:
            return _Short().repr(self.value)
        except (ValueError, RecursionError):  # a shape no repr can draw: say what it is
            return f"<{type(self.value).__name__}>"

    __str__ = __repr__


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


def lang(value: Any) -> str:
    if value is None:
        return default_lang()
    if isinstance(value, str):  # our own names take any case; only torch's own words do not
        value = value.lower()
    if value not in LANGS:
        raise OptionError("lang", _("--lang must be en or ko, got {value!r}").format(value=Shown(value)))
    return str(value)


def module(value: Any) -> str:
    by_lower = {name.lower(): name for name in MODULES}
    if not isinstance(value, str) or value.lower() not in by_lower:
        raise OptionError(
            "module",
            _("--module must be one of {modules} (any case), got {value!r}").format(
                modules=", ".join(MODULES), value=Shown(value)
            ),
        )
    return by_lower[value.lower()]


def proj_size(value: Any, hidden_size: int) -> int:
    # torch: 0 means no projection, and a projection must be smaller than hidden_size.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < hidden_size:
        raise OptionError(
            "proj_size",
            _(
                "--proj-size must be a whole number from 0 to hidden_size - 1 = {largest}, got {value!r}"
            ).format(largest=hidden_size - 1, value=Shown(value)),
        )
    return value


def nonlinearity(value: Any) -> str:
    # Spelled exactly as torch spells them: nn.RNN refuses "TANH".
    if value not in NONLINEARITIES:
        raise OptionError(
            "nonlinearity",
            _("--nonlinearity must be tanh or relu (lower case), got {value!r}").format(value=Shown(value)),
        )
    return str(value)


def _numbers(value: Any) -> list[int] | None:
    """``"35,20,7"``, ``"1x35x12"``, ``"[1, 35, 12]"`` or a list of ints -> the ints; None if not."""
    if isinstance(value, str):
        words = [word for word in _NUMBER_LIST.split(value) if word]
        # Up to 19 ASCII digits: no int() of "²", and no conversion of a 5,000-digit string.
        if not all(_DIGITS.fullmatch(word) for word in words):
            return None
        numbers = [int(word) for word in words]
    elif isinstance(value, (list, tuple)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        numbers = list(value)
    else:
        return None
    return numbers if all(number <= MAX_SIZE for number in numbers) else None


def _refuse_empty_item(value: Any, name: str, example: str) -> None:
    """``35,,7`` is a typo, not ``[35, 7]``: read as two numbers it silently changes a shape."""
    if isinstance(value, str) and _EMPTY_ITEM.search(value.strip()):
        raise OptionError(
            name,
            _(
                "{flag} has an empty item in {value!r}: give a number between every two commas, such as {example}"
            ).format(flag=flag_name(name), value=Shown(value), example=example),
        )


def lengths(value: Any) -> tuple[int, ...]:
    _refuse_empty_item(value, "lengths", "35,20,7")
    numbers = _numbers(value)
    # pack_padded_sequence refuses a length of 0.
    if not numbers or min(numbers) < 1:
        raise OptionError(
            "lengths",
            _(
                "--lengths must be one or more whole numbers of at least 1, such as 35,20,7, got {value!r}"
            ).format(value=Shown(value)),
        )
    return tuple(numbers)


def shape(value: Any, name: str) -> tuple[int, ...]:
    _refuse_empty_item(value, name, "1,35,10")
    numbers = _numbers(value)
    if not numbers:
        raise OptionError(
            name,
            _("{flag} must be sizes of 0 or more separated by commas, such as 1,35,10, got {value!r}").format(
                flag=flag_name(name), value=Shown(value)
            ),
        )
    return tuple(numbers)


def whole(values: dict[str, Any], name: str, minimum: int) -> int:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise OptionError(
            name,
            _("{flag} must be a whole number of at least {minimum}, got {value!r}").format(
                flag=flag_name(name), minimum=minimum, value=Shown(value)
            ),
        )
    if value > MAX_SIZE:
        raise OptionError(
            name,
            _("{flag} must be at most {maximum} (torch's sizes are 64-bit integers), got {value!r}").format(
                flag=flag_name(name), maximum=MAX_SIZE, value=Shown(value)
            ),
        )
    return value


def flag(values: dict[str, Any], name: str) -> bool:
    value = values[name]
    if not isinstance(value, bool):
        raise OptionError(
            name,
            _("{flag} must be true or false, got {value!r}").format(flag=flag_name(name), value=Shown(value)),
        )
    return value


def dropout(value: Any) -> float:
    # torch accepts the closed range [0, 1]; dropout=1 is legal (it zeroes what passes between layers).
    number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    # A range test, not math.isfinite: NaN fails it, and a huge int is never turned into a float.
    if not number_ok or not 0 <= value <= 1:
        raise OptionError(
            "dropout", _("--dropout must be a number from 0 to 1, got {value!r}").format(value=Shown(value))
        )
    return float(value)


def device(value: Any) -> str:
    if isinstance(value, str):
        value = value.lower()
    if not isinstance(value, str) or not _DEVICE.fullmatch(value):
        raise OptionError(
            "device",
            _("--device must be cpu, cuda, cuda:N or auto, got {value!r}").format(value=Shown(value)),
        )
    return value


def dtype(value: Any) -> str:
    if isinstance(value, str):
        value = value.lower()
    if value not in DTYPES:
        raise OptionError(
            "dtype",
            _("--dtype must be one of {dtypes}, got {value!r}").format(
                dtypes=", ".join(DTYPES), value=Shown(value)
            ),
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


def memory(value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    if isinstance(value, str):
        try:
            parsed = parse_memory(value)
        except (ValueError, OverflowError):  # not a size, or one past every float
            parsed = 0
        if parsed > 0:
            return parsed
    raise OptionError(
        "max_memory",
        _("--max-memory must be a size above 0 such as 512MiB, 8GB or 2G, got {value!r}").format(
            value=Shown(value)
        ),
    )


def seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not SEED_MIN <= value <= SEED_MAX:
        raise OptionError(
            "seed",
            _("--seed must be a whole number from {low} to {high}, got {value!r}").format(
                low=SEED_MIN, high=SEED_MAX, value=Shown(value)
            ),
        )
    return value
