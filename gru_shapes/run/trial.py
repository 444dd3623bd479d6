"""Trying given shapes on torch for a diagnosis: build the module, make tensors of exactly the given
shapes, apply a fix's own code to them, call the module as the user would, and keep torch's message.

A trial runs either for real or on torch's ``meta`` device, where shapes are checked by the same
Python code and nothing is allocated: the diagnosis uses the meta device to screen candidates and
to judge shapes too large to allocate within the budget.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import torch
import torch.nn.modules.rnn as rnn_module
from torch.nn.utils.rnn import pack_padded_sequence

from gru_shapes.diagnose.diagnosis import NOT_RUN
from gru_shapes.i18n import _
from gru_shapes.model.spec import Spec
from gru_shapes.run.runner import _failures_explained, resolve_device

# What torch raises for shapes, dtypes and call forms it refuses.
REFUSALS = (RuntimeError, ValueError, TypeError, IndexError)
# Cells whose kernel may crash the process (a segmentation fault, torch 2.13) instead of refusing a
# 1-D input with a 2-D state: torch unsqueezes the state to (1, a, b), checks only a against
# hidden_size, and with b == hidden_size too the kernel computes on a state it has misread as a
# batch of a rows, reading past it (see _misread_state).
_CRASHING_CELLS = frozenset({"GRUCell", "LSTMCell"})


def attempt(
    spec: Spec, shapes: Mapping[str, tuple[int, ...]], code: str = "", meta: bool = False
) -> str | None:
    """Feed ``spec``'s module tensors of exactly ``shapes`` (``input``, ``h_0``, ``c_0``), after running
    ``code`` on them (Python on ``x``, ``h_0``, ``c_0``; it may set ``hx``). Return torch's message, or
    None when it ran; on the meta device, None also when only the meta device could not compute it.

    >>> from gru_shapes.model.spec import make_spec
    >>> attempt(make_spec(), {"input": (1, 35, 12)})
    'input.size(-1) must be equal to input_size. Expected 10, got 12'
    >>> attempt(make_spec(), {"input": (35, 10)}, "x = x.unsqueeze(0)", meta=True) is None
    True
    """
    if meta and spec.config.is_cell and not code:
        return _in_miniature(spec, shapes)
    device = "meta" if meta else resolve_device(spec.device)
    with _failures_explained(spec, device), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the real run reports torch's warnings
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.default_generator.manual_seed(spec.seed)
            module = _module(spec, device)
            tensors = _tensors(spec, shapes, device)
            try:
                with _checks_only(meta and not spec.config.is_cell):
                    _call(spec, module, tensors, code)
            except _ChecksPassed:
                return None
            except _NotRun as error:
                return str(error)
            except REFUSALS as error:
                if isinstance(error, torch.OutOfMemoryError) or "allocate" in str(error):
                    raise
                if meta and _meta_only(error):
                    return None
                return _message(error)
            except (AttributeError, NotImplementedError) as error:
                if meta:  # some kernels have no meta implementation: only a real run can tell
                    return None
                return _message(error)  # torch reading a state of the wrong kind, e.g. a tuple for GRU
    return None


# The smallest size a miniature gives a size of 2 or more: far from the dim indices and ranks that
# torch's messages also hold (0 to 3), so that its numbers can be renamed back without confusion.
_MINIATURE = 101


def _in_miniature(spec: Spec, shapes: Mapping[str, tuple[int, ...]]) -> str | None:
    """A cell's verdict without the meta device, whose matrix products load torch's compiler stack
    (about 80 MB of memory, once) for a cell's kernel. A cell's checks only compare sizes for equality
    and count dims (and broadcasting tells 1 apart): the same call with every size of 2 or more renamed
    to a small one of its own (0 and 1 kept, equal sizes kept equal) gets the same verdict from the
    real kernel, on a few kilobytes; the sizes in its message are renamed back.

    >>> from gru_shapes.model.spec import make_spec
    >>> attempt(make_spec(module="GRUCell", input_size=1500000), {"input": (3, 1500000), "h_0": (2, 32)}, meta=True)
    "Input batch size 3 doesn't match hidden0 batch size 2"
    """
    config = spec.config
    sizes = {size for shape in shapes.values() for size in shape} | {config.input_size, config.hidden_size}
    small = {size: _MINIATURE + index for index, size in enumerate(sorted(s for s in sizes if s > 1))}
    back = {renamed: size for size, renamed in small.items()}
    options = {key: value for key, value in spec.options.items() if not key.endswith("_shape")}
    sized = replace(
        config,
        input_size=small.get(config.input_size, config.input_size),
        hidden_size=small.get(config.hidden_size, config.hidden_size),
    )
    miniature = replace(spec, config=sized, device="cpu", options=options)
    renamed = {key: tuple(small.get(size, size) for size in shape) for key, shape in shapes.items()}
    answer = attempt(miniature, renamed)
    if answer is None:
        return None
    return re.sub(r"\b[0-9]+\b", lambda number: str(back.get(int(number[0]), number[0])), answer)


class _NotRun(Exception):
    """The call was not made: torch would crash instead of answering."""


class _ChecksPassed(Exception):
    """Raised in place of the recurrent kernel: torch's checks of shapes and call form all passed."""


class _KernelStub:
    """Stands for ``torch._VF`` inside ``torch.nn.modules.rnn``: the kernels raise, the rest is torch's."""

    _KERNELS = frozenset({"gru", "lstm", "rnn_tanh", "rnn_relu"})

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        if name in self._KERNELS:

            def stub(*args: Any, **kwargs: Any) -> Any:
                raise _ChecksPassed

            return stub
        return getattr(self._real, name)


@contextmanager
def _checks_only(active: bool) -> Iterator[None]:
    """Run a sequence module's forward up to its kernel: every check torch makes in Python runs, and
    the kernel, which the meta device would decompose step by step, does not."""
    if not active:
        yield
        return
    real = getattr(rnn_module, "_VF")  # noqa: B009  (torch does not export it)
    setattr(rnn_module, "_VF", _KernelStub(real))  # noqa: B010
    try:
        yield
    finally:
        setattr(rnn_module, "_VF", real)  # noqa: B010


def _module(spec: Spec, device: str) -> torch.nn.Module:
    dtype = getattr(torch, spec.dtype)
    module_class = getattr(torch.nn, spec.module)
    module: torch.nn.Module = module_class(**spec.config.keywords(), device=device, dtype=dtype)
    return module.eval()


def _tensors(spec: Spec, shapes: Mapping[str, tuple[int, ...]], device: str) -> dict[str, torch.Tensor]:
    state_dtype = getattr(torch, spec.dtype)
    input_dtype = getattr(torch, spec.input_dtype or spec.dtype)
    tensors = {}
    for key in ("input", "h_0", "c_0"):
        if key not in shapes:
            continue
        dtype = input_dtype if key == "input" else state_dtype
        if device == "meta":
            tensors[key] = torch.empty(shapes[key], dtype=dtype, device="meta")
        elif dtype.is_floating_point:
            tensors[key] = torch.randn(shapes[key]).to(device=device, dtype=dtype)
        else:  # token ids, as an embedding would read them
            tensors[key] = torch.randint(0, 100, shapes[key], dtype=dtype, device=device)
    return tensors


def _call(spec: Spec, module: torch.nn.Module, tensors: dict[str, torch.Tensor], code: str) -> None:
    """Run the fix's code on the tensors, then call the module the way the spec says."""
    names: dict[str, Any] = {"x": tensors["input"], "h_0": tensors.get("h_0"), "c_0": tensors.get("c_0")}
    if code:
        exec(code, {"torch": torch, "nn": torch.nn}, names)  # code the diagnosis wrote, never user text
    x = names["x"]
    if "hx" in names:
        hx = names["hx"]
    elif names["h_0"] is None:
        hx = None
    elif spec.hx_form == "tuple":
        hx = (names["h_0"], names["c_0"])
    else:
        hx = names["h_0"]
    if _misread_state(spec, x, hx):
        raise _NotRun(
            NOT_RUN
            + _(
                "nn.{module} in torch {version} reads an h_0 of (hidden_size, hidden_size) beside a 1-D "
                "input as a batch of {size} rows and computes past it, which crashes the process for most "
                "sizes, instead of refusing it"
            ).format(module=spec.module, version=torch.__version__, size=spec.config.hidden_size)
        )
    x = _first_step(spec, x)
    # Packing on the meta device loads torch's compiler stack (seconds): a meta trial checks the
    # padded tensor, and only the real trial packs it.
    if spec.lengths is not None and not spec.config.is_cell and x.device.type != "meta":
        lengths = torch.tensor(spec.lengths)
        x = pack_padded_sequence(x, lengths, batch_first=spec.config.batch_first, enforce_sorted=False)
    module(x, hx)


def _first_step(spec: Spec, x: Any) -> Any:
    """The input cut to its first time step, for a sequence module's real call: torch checks its rank,
    features and batch (and its dtype and device) and never its length beyond being at least 1, so
    the verdict is the whole sequence's, while a trial costs one step of the kernel, not seq_len steps
    (a 1000-step input tried for three fixes would cost three forward passes). A packed input keeps
    its length, which its lengths are checked against.
    """
    if spec.config.is_cell or spec.lengths is not None or not isinstance(x, torch.Tensor):
        return x
    if x.device.type == "meta" or x.dim() not in (2, 3):
        return x
    axis = 1 if x.dim() == 3 and spec.config.batch_first else 0
    return x.narrow(axis, 0, 1) if x.size(axis) > 1 else x


def _misread_state(spec: Spec, x: Any, hx: Any) -> bool:
    """The one call of a 1-D input with a 2-D state that torch does not refuse cleanly: every other
    one fails a check first (input_size, h's dim 1 or c's, or a product of mismatched sizes).

    Found by calling every 1-D input and 2-D state up to size 16 in child processes (torch 2.13): only
    an h_0 of (H, H) with an input of input_size features, and for an LSTMCell a c_0 that passes its
    own check, reached the kernel; it crashed for H = 1 (both cells) and H = 2, 3, 5, 6 (LSTMCell),
    and gave a broadcasting error for the others.
    """
    if spec.module not in _CRASHING_CELLS or not isinstance(x, torch.Tensor) or x.dim() != 1:
        return False
    size, features = spec.config.hidden_size, spec.config.input_size
    states = hx if isinstance(hx, tuple) else (hx,)
    h = states[0] if states else None
    if not isinstance(h, torch.Tensor) or tuple(h.shape) != (size, size) or x.shape[0] != features:
        return False
    if spec.module == "LSTMCell":
        c = states[1] if len(states) > 1 else None
        c_rows = c.unsqueeze(0).shape[1] if isinstance(c, torch.Tensor) and c.dim() in (1, 2) else None
        return c_rows == size
    return True


def _meta_only(error: BaseException) -> bool:
    """Whether the meta device itself failed (no meta kernel, data-dependent code), not the shapes."""
    text = str(error)
    return "meta" in text.lower() or "data-dependent" in text or "Cannot copy out" in text


def _message(error: BaseException) -> str:
    return str(error).strip() or type(error).__name__
