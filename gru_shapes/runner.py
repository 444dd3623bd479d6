"""The real forward pass: the only module that imports torch.

Builds the module exactly as the spec says, feeds it seeded random tensors of the predicted
input shapes, and reduces what comes back to plain data (:class:`Observation`).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import torch

from gru_shapes.errors import OptionError, RunFailure
from gru_shapes.report import Check, Observation
from gru_shapes.shapes import Prediction
from gru_shapes.spec import Spec


def observe(spec: Spec, prediction: Prediction) -> Observation:
    """Run ``spec`` for real and return the shapes torch produced, plus the live identity checks.

    Raises :class:`RunFailure` when the run cannot be done here (no such device, out of
    memory) and :class:`OptionError` when the device cannot compute in the asked dtype.
    """
    device = resolve_device(spec.device)
    dtype = getattr(torch, spec.dtype)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            observation = _forward(spec, prediction, device, dtype)
    except (torch.OutOfMemoryError, MemoryError) as error:
        raise RunFailure(f"out of memory on {device}: {_first_line(error)}") from None
    except RuntimeError as error:
        message = _first_line(error)
        if "not implemented for" in message:
            raise OptionError(
                "dtype", f"--dtype {spec.dtype} is not supported by {spec.module} on {device}: {message}"
            ) from None
        if "allocate" in message:
            raise RunFailure(f"out of memory on {device}: {message}") from None
        raise RunFailure(f"torch could not run this on {device}: {message}") from None
    except (ValueError, OverflowError, TypeError) as error:
        raise RunFailure(f"torch could not run this on {device}: {_first_line(error)}") from None
    # torch's warnings become notes in the report instead of raw Python warnings on stderr.
    notes = tuple(dict.fromkeys(_first_line(w.message) for w in caught))
    return replace(observation, warnings=notes)


def resolve_device(requested: str) -> str:
    """Turn ``auto`` into a real device, and refuse CUDA devices this machine lacks."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RunFailure(
                f"--device {requested}: CUDA is not available here (torch {torch.__version__}); "
                "use --device cpu or --device auto"
            )
        index = int(requested.partition(":")[2] or 0)
        count = torch.cuda.device_count()
        if index >= count:
            raise RunFailure(
                f"--device {requested}: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
            )
    return requested


def free_device_memory(device: str) -> int | None:
    """Bytes free now on a CUDA device (``auto`` resolved first); None for the CPU."""
    resolved = resolve_device(device)
    if not resolved.startswith("cuda"):
        return None
    free, _total = torch.cuda.mem_get_info(torch.device(resolved))
    return int(free)


def _forward(spec: Spec, prediction: Prediction, device: str, dtype: torch.dtype) -> Observation:
    config = spec.config
    input_shape = prediction.tensor("input").shape
    h0_shape = prediction.tensor("h_0").shape
    # Seed a private copy of the CPU generator so weights are reproducible and the caller's RNG is untouched.
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(spec.seed)
        module = torch.nn.GRU(**config.keywords()).to(device=device, dtype=dtype).eval()
        x = torch.randn(input_shape).to(device=device, dtype=dtype)
        h_0 = torch.randn(h0_shape).to(device=device, dtype=dtype)
    with torch.inference_mode():
        output, h_n = module(x, h_0)
    return Observation(
        torch_version=torch.__version__,
        device=str(output.device),
        shapes={
            "input": tuple(x.shape),
            "h_0": tuple(h_0.shape),
            "output": tuple(output.shape),
            "h_n": tuple(h_n.shape),
        },
        parameters=tuple((name, tuple(p.shape)) for name, p in module.named_parameters()),
        identities=tuple(_identities(spec, output, h_n)),
        warnings=(),
    )


def _identities(spec: Spec, output: torch.Tensor, h_n: torch.Tensor) -> list[Check]:
    """The facts that tie output to h_n, checked on this run's tensors."""
    config = spec.config
    hidden, d, layers = config.hidden_size, config.num_directions, config.num_layers
    time_axis = 1 if config.batch_first else 0
    last_layer = h_n.view(layers, d, spec.batch_size, hidden)[-1]
    empty = " (empty batch: holds trivially)" if spec.batch_size == 0 else ""
    forward_index = (layers - 1) * d
    checks = [
        Check(
            "h_n of the last layer, forward = output at the last step, first hidden_size features",
            torch.allclose(last_layer[0], output.select(time_axis, -1)[:, :hidden]),
            f"torch.allclose(h_n[{forward_index}], output[last step][:, :{hidden}]){empty}",
        )
    ]
    if config.bidirectional:
        checks.append(
            Check(
                "h_n of the last layer, backward = output at step 0, last hidden_size features",
                torch.allclose(last_layer[1], output.select(time_axis, 0)[:, hidden:]),
                f"torch.allclose(h_n[{forward_index + 1}], output[step 0][:, {hidden}:]){empty}",
            )
        )
    return checks


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
