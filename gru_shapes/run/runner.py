"""The real forward pass: builds the module exactly as the spec says (kept between runs by
:mod:`gru_shapes.run.kept`), feeds it seeded random tensors of the predicted input shapes, and reduces
what comes back to plain data (:class:`Observation`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from gru_shapes.errors import OptionError, RunFailure
from gru_shapes.i18n import N_, _
from gru_shapes.model.shapes import Prediction
from gru_shapes.model.spec import Spec
from gru_shapes.report import Check, Observation
from gru_shapes.run import after, kept
from gru_shapes.run import step as step_run
from gru_shapes.run.expectations import expectations


def observe(spec: Spec, prediction: Prediction) -> Observation:
    """Run ``spec`` for real and return the shapes torch produced, plus the live identity checks.

    Raises :class:`RunFailure` when the run cannot be done here (no such device, out of
    memory) and :class:`OptionError` when the device cannot compute in the asked dtype.
    """
    device = resolve_device(spec.device)
    with (
        _failures_explained(spec, device),
        _every_warning(),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        observation = _forward(spec, prediction, device, getattr(torch, spec.dtype))
    # torch's warnings become notes in the report instead of raw Python warnings on stderr.
    notes = tuple(dict.fromkeys(_plain(_first_line(w.message)) for w in caught))
    return replace(observation, warnings=notes)


# torch's warnings that say something plain in words of its build: said plainly, once.
_PLAIN_WARNINGS = {
    "LSTM with projections is not supported with oneDNN": N_(
        "torch runs an LSTM with proj_size on its own kernel rather than oneDNN's; the results are the same"
    ),
}
_WHERE_IN_TORCH = re.compile(r"\s*\(Triggered internally at [^)]*\)\.?$")


def _plain(warning: str) -> str:
    """A warning of torch's without the source path of its C++ (``Triggered internally at ...``), or
    in plain words where it is one the report knows."""
    for start, words in _PLAIN_WARNINGS.items():
        if warning.startswith(start):
            return _(words)
    return _WHERE_IN_TORCH.sub("", warning)


def resolve_device(requested: str) -> str:
    """Turn ``auto`` into a real device, and refuse CUDA devices this machine lacks."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RunFailure(
                _(
                    "--device {device}: CUDA is not available here (torch {version}); "
                    "use --device cpu or --device auto"
                ).format(device=requested, version=torch.__version__),
                option="device",
            )
        index = int(requested.partition(":")[2] or 0)
        count = torch.cuda.device_count()
        if index >= count:
            raise RunFailure(
                _("--device {device}: this machine has {count} CUDA device(s), cuda:0 to cuda:{last}").format(
                    device=requested, count=count, last=count - 1
                ),
                option="device",
            )
    return requested


def free_device_memory(device: str) -> int | None:
    """Bytes free now on a CUDA device (``auto`` resolved first); None for the CPU."""
    resolved = resolve_device(device)
    if not resolved.startswith("cuda"):
        return None
    free, _total = torch.cuda.mem_get_info(torch.device(resolved))
    return int(free)


@contextmanager
def _every_warning() -> Iterator[None]:
    """Let torch's once-per-process warnings (C++ TORCH_WARN_ONCE) through on every run, so that
    each run's report, in a batch or alone, holds the same warnings; the flag is restored after."""
    before = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        yield
    finally:
        torch.set_warn_always(before)


@contextmanager
def _failures_explained(spec: Spec, device: str) -> Iterator[None]:
    """Turn what torch raises while building and running into the package's own errors."""
    try:
        yield
    except (torch.OutOfMemoryError, MemoryError) as error:
        raise RunFailure(_out_of_memory(device, _first_line(error))) from None
    except RuntimeError as error:
        message = _first_line(error)
        if "not implemented for" in message:
            raise OptionError(
                "dtype",
                _("--dtype {dtype} is not supported by {module} on {device}: {message}").format(
                    dtype=spec.dtype, module=spec.module, device=device, message=message
                ),
            ) from None
        if "allocate" in message:
            raise RunFailure(_out_of_memory(device, message)) from None
        raise RunFailure(_could_not_run(device, message)) from None
    except (ValueError, OverflowError, TypeError) as error:
        raise RunFailure(_could_not_run(device, _first_line(error))) from None


def _out_of_memory(device: str, message: str) -> str:
    return _("out of memory on {device}: {message}").format(device=device, message=message)


def _could_not_run(device: str, message: str) -> str:
    return _("torch could not run this on {device}: {message}").format(device=device, message=message)


def _build(
    spec: Spec, shapes: Mapping[str, tuple[int, ...]], device: str, dtype: torch.dtype
) -> tuple[torch.nn.Module, dict[str, torch.Tensor]]:
    """The module and seeded random tensors of ``shapes``, from a private copy of the CPU generator,
    so that runs are reproducible and the caller's RNG is untouched."""
    with torch.random.fork_rng(devices=[]):
        module = kept.module(spec, device, dtype)
        fed = {
            key: torch.randn(shapes[key]).to(device=device, dtype=dtype)
            for key in ("input", "h_0", "c_0")
            if key in shapes
        }
    return module, fed


def _initial_state(spec: Spec, fed: dict[str, torch.Tensor]) -> Any:
    """What the module takes as hx: h_0, or (h_0, c_0) for an LSTM; None leaves it to torch."""
    if "h_0" not in fed:
        return None
    return (fed["h_0"], fed["c_0"]) if spec.config.family == "LSTM" else fed["h_0"]


def _forward(spec: Spec, prediction: Prediction, device: str, dtype: torch.dtype) -> Observation:
    shapes = {t.key: t.shape for t in prediction.tensors}
    module, fed = _build(spec, shapes, device, dtype)
    hx = _initial_state(spec, fed)
    config = spec.config
    with torch.inference_mode():
        if config.is_cell:
            returned = dict(zip(("h_1", "c_1"), _as_tuple(module(fed["input"], hx)), strict=False))
            checks = expectations(spec, prediction, module, fed["input"])
            checks += _cell_identities(spec, module, fed, returned)
            batch_sizes = None
        elif spec.lengths:
            returned, batch_sizes = _packed_forward(spec, module, fed["input"], hx)
            sizes = torch.tensor(batch_sizes)
            checks = expectations(spec, prediction, module, returned["packed_input"], sizes)
            checks += _packed_identities(spec, returned)
        else:
            output, state = module(fed["input"], hx)
            returned = {"output": output, **dict(zip(("h_n", "c_n"), _as_tuple(state), strict=False))}
            checks = expectations(spec, prediction, module, fed["input"])
            checks += _identities(spec, output, returned["h_n"])
            batch_sizes = None
        step = kept.verified(spec, device, dtype, fed, lambda: step_run.verify(spec, module, fed, returned))
    tensors = {**fed, **returned}
    return Observation(
        torch_version=torch.__version__,
        device=str(tensors["input"].device),
        shapes={key: tuple(tensors[key].shape) for key in prediction.keys if key in tensors},
        parameters=tuple((name, tuple(p.shape)) for name, p in module.named_parameters()),
        identities=tuple(checks),
        warnings=(),
        batch_sizes=batch_sizes,
        **after.evaluate(spec, module, fed, returned),
        step=step,
    )


def _as_tuple(state: Any) -> tuple[torch.Tensor, ...]:
    return tuple(state) if isinstance(state, tuple) else (state,)


def _packed_forward(
    spec: Spec, module: torch.nn.Module, x: torch.Tensor, hx: Any
) -> tuple[dict[str, torch.Tensor], tuple[int, ...]]:
    batch_first = spec.config.batch_first
    lengths = torch.tensor(spec.lengths)
    packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    packed_output, state = module(packed, hx)
    output, _lengths = pad_packed_sequence(packed_output, batch_first=batch_first, total_length=spec.seq_len)
    returned = {
        "packed_input": packed.data,
        "packed_output": packed_output.data,
        "output": output,
        **dict(zip(("h_n", "c_n"), _as_tuple(state), strict=False)),
    }
    return returned, tuple(packed.batch_sizes.tolist())


def _last_layer(spec: Spec, h_n: torch.Tensor) -> torch.Tensor:
    """h_n's last layer as (D, batch, features), whatever the batching."""
    config = spec.config
    if spec.unbatched:
        h_n = h_n.unsqueeze(1)
    return h_n.view(config.num_layers, config.num_directions, h_n.shape[1], config.h_size)[-1]


def _identities(spec: Spec, output: torch.Tensor, h_n: torch.Tensor) -> list[Check]:
    """The facts that tie output to h_n, checked on this run's tensors."""
    config = spec.config
    h, d, layers = config.h_size, config.num_directions, config.num_layers
    time_axis = 0 if spec.unbatched or not config.batch_first else 1
    last_layer = _last_layer(spec, h_n)
    if spec.unbatched:
        output = output.unsqueeze(1)
    empty = " " + _("(empty batch: holds trivially)") if spec.batch_size == 0 else ""
    forward_index = (layers - 1) * d
    checks = [
        Check(
            _("h_n of the last layer, forward = output at the last step, first {h} features").format(h=h),
            torch.allclose(last_layer[0], output.select(time_axis, -1)[..., :h]),
            f"torch.allclose(h_n[{forward_index}], output[{_at_step(spec, '-1', f':{h}')}]){empty}",
        )
    ]
    if config.bidirectional:
        checks.append(
            Check(
                _("h_n of the last layer, backward = output at step 0, last {h} features").format(h=h),
                torch.allclose(last_layer[1], output.select(time_axis, 0)[..., h:]),
                f"torch.allclose(h_n[{forward_index + 1}], output[{_at_step(spec, '0', f'{h}:')}]){empty}",
            )
        )
    return checks


def _at_step(spec: Spec, step: str, features: str, batch: str = ":") -> str:
    """The index of ``output`` at one time step, as Python for the layout in use:
    ``:, -1, :32`` batch-first, ``-1, :, :32`` seq-first, ``-1, :32`` unbatched."""
    if spec.unbatched:
        return f"{step}, {features}"
    if spec.config.batch_first:
        return f"{batch}, {step}, {features}"
    return f"{step}, {batch}, {features}"


def _packed_identities(spec: Spec, returned: dict[str, torch.Tensor]) -> list[Check]:
    """A packed batch ends each sequence at its own length: the forward state is taken there, and
    the backward state at each sequence's step 0, where the backward direction ends."""
    config = spec.config
    lengths = spec.lengths or ()
    h, d = config.h_size, config.num_directions
    output = returned["output"] if config.batch_first else returned["output"].transpose(0, 1)
    last_layer = _last_layer(spec, returned["h_n"])
    forward_index = (config.num_layers - 1) * d
    ends = torch.stack([output[b, length - 1] for b, length in enumerate(lengths)])
    own_end = _at_step(spec, "lengths[b] - 1", f":{h}", batch="b")
    checks = [
        Check(
            _("h_n of the last layer, forward = output at each sequence's own last step, not the padded end"),
            torch.allclose(last_layer[0], ends[:, :h]),
            f"all(torch.allclose(h_n[{forward_index}][b], output[{own_end}]) for b in range(len(lengths)))",
        )
    ]
    if config.bidirectional:
        checks.append(
            Check(
                _("h_n of the last layer, backward = output at step 0 of each sequence"),
                torch.allclose(last_layer[1], output[:, 0, h:]),
                f"torch.allclose(h_n[{forward_index + 1}], output[{_at_step(spec, '0', f'{h}:')}])",
            )
        )
    return checks


def _cell_identities(
    spec: Spec, cell: torch.nn.Module, fed: dict[str, torch.Tensor], returned: dict[str, torch.Tensor]
) -> list[Check]:
    """A cell is one time step of the one-layer module with the same weights."""
    config = spec.config
    keys = ("h_1", "c_1")[: len(returned)]
    if config.hidden_size == 0:  # the layer refuses hidden_size 0; the cell returns empty states
        return [
            Check(
                _("{key} is empty, as hidden_size = 0").format(key=key),
                returned[key].numel() == 0,
                f"{key}.numel() == {returned[key].numel()}",
            )
            for key in keys
        ]
    # The layer refuses input_size 0, so such a cell is compared with a layer that reads one
    # feature through zero weights from a zero input: the same products, zero.
    width = max(config.input_size, 1)
    keywords = {**config.keywords(), "input_size": width}
    device, dtype = fed["input"].device, fed["h_0"].dtype
    layer = getattr(torch.nn, config.family)(**keywords).to(device=device, dtype=dtype).eval()
    weights = {f"{name}_l0": weight for name, weight in cell.state_dict().items()}
    x = fed["input"]
    if config.input_size == 0:
        weights["weight_ih_l0"] = torch.zeros(weights["weight_ih_l0"].shape[0], 1, device=device, dtype=dtype)
        x = torch.zeros(*x.shape[:-1], 1, device=device, dtype=dtype)
    layer.load_state_dict(weights)
    state = tuple(s.unsqueeze(0) for s in _as_tuple(_initial_state(spec, fed)))
    # One time step, seq-first: (1, batch, features), or (1, features) unbatched.
    _outputs, final = layer(x.unsqueeze(0), state if config.family == "LSTM" else state[0])
    tolerance = _TOLERANCE[spec.dtype]
    return [
        Check(
            _("{key} = one step of nn.{module} with the same weights").format(key=key, module=config.family),
            torch.allclose(returned[key], expected[0], rtol=tolerance, atol=tolerance),
            f"torch.allclose({key}, nn.{config.family}(...)(input.unsqueeze(0), ...)[1][0])",
        )
        for key, expected in zip(keys, _as_tuple(final), strict=True)
    ]


# Two kernels computing the same step agree to about this much, by dtype.
_TOLERANCE = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-2, "bfloat16": 2e-2}


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
