"""The chunks, run: the input in chunks with the state carried across, compared with the whole run."""

from __future__ import annotations

from typing import Any

import torch

from gru_shapes.model import chunks as chunking
from gru_shapes.model.chunks import Chunks, LastBatch
from gru_shapes.model.spec import Spec
from gru_shapes.run.expressions import TOLERANCE, compiled


def evaluate_chunks(
    spec: Spec, module: torch.nn.Module, fed: dict[str, torch.Tensor], returned: dict[str, torch.Tensor]
) -> Chunks:
    """Run the input chunk by chunk, each chunk's final state the next one's initial state."""
    lengths = chunking.chunk_lengths(spec.seq_len, spec.chunks or 1)
    dim = chunking.time_dim(spec)
    state: Any = None
    if "h_0" in fed:
        state = (fed["h_0"], fed["c_0"]) if "c_0" in fed else fed["h_0"]
    outputs = []
    for piece in torch.split(fed["input"], list(lengths), dim=dim):
        output, state = module(piece, state)
        outputs.append(output)
    final = state if isinstance(state, tuple) else (state,)
    whole = [returned["output"], *(returned[key] for key in ("h_n", "c_n") if key in returned)]
    pieces = [torch.cat(outputs, dim=dim), *final]
    diff, equal = compare(whole, pieces, spec.dtype)
    last = None if spec.unbatched else last_batch(spec, module, fed["input"], lengths[-1])
    return Chunks(len(lengths), lengths, diff, equal, last)


def compare(whole: list[torch.Tensor], pieces: list[torch.Tensor], dtype: str) -> tuple[float, bool]:
    """The largest absolute difference, and whether every pair is equal within the dtype's tolerance."""
    tolerance = TOLERANCE[dtype]
    diff = max(
        ((a.double() - b.double()).abs().max().item() if a.numel() else 0.0)
        for a, b in zip(whole, pieces, strict=True)
    )
    equal = all(
        a.shape == b.shape and torch.allclose(a, b, rtol=tolerance, atol=tolerance)
        for a, b in zip(whole, pieces, strict=True)
    )
    return float(diff), equal


def last_batch(spec: Spec, module: torch.nn.Module, x: torch.Tensor, steps: int) -> LastBatch:
    """A state carried from a full batch into a smaller last one: torch's refusal, then the fix run."""
    config = spec.config
    carried = max(spec.batch_size, 2)
    given = carried - 1
    batch_dim = 0 if config.batch_first else 1
    shape = list(x.shape)
    shape[batch_dim], shape[1 - batch_dim] = given, steps
    small = torch.zeros(shape, device=x.device, dtype=x.dtype)
    states = config.num_layers * config.num_directions
    h = torch.zeros(states, carried, config.h_size, device=x.device, dtype=x.dtype)
    state: Any = h
    if config.family == "LSTM":
        state = (h, torch.zeros(states, carried, config.hidden_size, device=x.device, dtype=x.dtype))
    error = None
    try:
        module(small, state)
    except RuntimeError as refusal:
        error = str(refusal).strip().splitlines()[0]
    fix, alternative = chunking.last_batch_fix(spec), chunking.sized_from_input(spec)
    fixed = all(_runs_after(code, state, small, module) for code in (fix, alternative))
    return LastBatch(carried, given, error, fix, fixed, alternative)


def _runs_after(code: str, state: Any, x: torch.Tensor, module: torch.nn.Module) -> bool:
    """Whether ``module`` accepts the state ``code`` (the fix as shown) makes from ``h`` and ``x``."""
    scope: dict[str, Any] = {"h": state, "x": x, "__builtins__": {"tuple": tuple}}
    exec(compiled(code, "exec"), scope)
    try:
        module(x, scope["h"])
    except RuntimeError:
        return False
    return True
