"""Options that ask for more than the run itself: the call form and input dtype a diagnosis tries,
the decoder the final state is handed to, and the chunks the sequence is run in.

Each returns the clean value or raises :class:`OptionError` naming the option, as
:mod:`gru_shapes.model.validate` does for the run's own options.
"""

from __future__ import annotations

from typing import Any

from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.model.validate import DTYPES, whole

INPUT_DTYPES = (*DTYPES, "int64", "int32")
HX_FORMS = ("tensor", "tuple")
DECODER_MODULES = ("GRU", "LSTM", "RNN")


def hx_form(value: Any, module_name: str, with_c0: bool = False) -> str:
    """How the state is passed: an LSTM takes the tuple ``(h, c)`` unless told otherwise."""
    if value is None:
        return "tuple" if module_name.startswith("LSTM") else "tensor"
    if value not in HX_FORMS:
        raise OptionError(
            "hx_form", _("--hx-form must be tensor or tuple, got {value!r}").format(value=value)
        )
    if value == "tensor" and with_c0:
        raise OptionError(
            "c0_shape",
            _("--c0-shape cannot be combined with --hx-form tensor: h alone leaves no place for c_0"),
        )
    return str(value)


def input_dtype(value: Any) -> str:
    if value not in INPUT_DTYPES:
        raise OptionError(
            "input_dtype",
            _("--input-dtype must be one of {dtypes}, got {value!r}").format(
                dtypes=", ".join(INPUT_DTYPES), value=value
            ),
        )
    return str(value)


def decoder(given: dict[str, Any]) -> dict[str, Any]:
    """Validate ``decoder_layers``, ``decoder_hidden_size`` and ``decoder_module`` (None: not given)."""
    found: dict[str, Any] = {}
    for name in ("decoder_layers", "decoder_hidden_size"):
        if given.get(name) is not None:
            found[name] = whole(given, name, minimum=1)
    module = given.get("decoder_module")
    if module is not None:
        by_lower = {name.lower(): name for name in DECODER_MODULES}
        if not isinstance(module, str) or module.lower() not in by_lower:
            raise OptionError(
                "decoder_module",
                _("--decoder-module must be one of {modules} (any case), got {value!r}").format(
                    modules=", ".join(DECODER_MODULES), value=module
                ),
            )
        found["decoder_module"] = by_lower[module.lower()]
    return found


def chunks(given: dict[str, Any], seq_len: int) -> dict[str, Any]:
    """``chunks`` (None: not given): a whole number from 1 to the sequence length."""
    if given.get("chunks") is None:
        return {}
    count = whole(given, "chunks", minimum=1)
    if count > seq_len:
        raise OptionError(
            "chunks",
            _("--chunks must be at most seq_len = {seq_len}, as each chunk holds a step, got {value}").format(
                seq_len=seq_len, value=count
            ),
        )
    return {"chunks": count}
