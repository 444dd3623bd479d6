"""The file run in onnxruntime and compared with torch: on the run's own tensors, at another batch size
and sequence length, and as a torch module rebuilt from the file's ``W``, ``R``, ``B`` in the gate order
shown; then the same module exported with a static batch, and onnxruntime's own message at another batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from gru_shapes.export.exporter import arguments, export, exportable
from gru_shapes.export.reading import recurrent_nodes
from gru_shapes.model.onnx_plan import dynamic_axes, io_names
from gru_shapes.model.spec import Spec

Arrays = list[np.ndarray[Any, Any]]


class Mismatch(Exception):
    """onnxruntime and torch returned different numbers or shapes of tensors."""


def session(data: bytes) -> Any:
    """An onnxruntime session on the file's bytes, its own error log kept off stderr (errors still raise)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    return onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def flat(values: Any) -> list[torch.Tensor]:
    """The tensors of nested tuples, in order."""
    if isinstance(values, torch.Tensor):
        return [values]
    return [t for value in values for t in flat(value)]


def run(opened: Any, args: Sequence[Any]) -> Arrays:
    """The file run on the tensors of ``args``, fed by position to the graph's inputs."""
    names = [value.name for value in opened.get_inputs()]
    feeds = {name: t.detach().cpu().numpy() for name, t in zip(names, flat(args), strict=True)}
    return list(opened.run(None, feeds))


def torch_run(model: torch.nn.Module, args: Sequence[Any]) -> Arrays:
    with torch.inference_mode():
        return [t.detach().cpu().numpy() for t in flat(model(*args))]


def max_abs_diff(expected: Sequence[Any], got: Sequence[Any]) -> float:
    """The largest absolute difference over every element of every output (NaN where both have it is equal)."""
    if len(expected) != len(got):
        raise Mismatch(f"{len(got)} outputs where torch returns {len(expected)}")
    worst = 0.0
    for a, b in zip(expected, got, strict=True):
        if tuple(a.shape) != tuple(b.shape):
            raise Mismatch(f"an output of shape {list(b.shape)} where torch returns {list(a.shape)}")
        if a.size:
            left, right = a.astype(np.float64), b.astype(np.float64)
            diff = np.where(np.isnan(left) & np.isnan(right), 0.0, np.abs(left - right))
            worst = max(worst, float(np.nan_to_num(diff, nan=np.inf).max()))
    return worst


def resized(
    spec: Spec, fed: Mapping[str, torch.Tensor], batch: int | None, seq: int | None
) -> tuple[Any, ...]:
    """The call's arguments at another batch size and sequence length: fresh seeded tensors, each dim
    the export declared dynamic set to the new size; a packed batch's lengths cut to the new length."""
    generator = torch.Generator().manual_seed(spec.seed + 1)
    sizes = {"batch": batch, "seq": seq}
    axes = dynamic_axes(spec)
    tensors: dict[str, torch.Tensor] = {}
    for name in io_names(spec)[0]:
        if name == "lengths":
            continue
        shape = list(fed[name].shape)
        for axis, label in axes.get(name, {}).items():
            shape[axis] = sizes[label] or shape[axis]
        tensors[name] = torch.randn(shape, generator=generator).to(fed[name].dtype)
    if spec.packed and spec.lengths:
        steps = seq or spec.seq_len
        count = batch or spec.batch_size
        lengths = [min(length, steps) for length in itertools.islice(itertools.cycle(spec.lengths), count)]
        tensors["lengths"] = torch.tensor(lengths)
    return arguments(spec, tensors)


def rebuilt(spec: Spec, model: Any, blocks: Sequence[int], like: torch.nn.Module) -> torch.nn.Module:
    """A fresh module of ``spec``'s configuration whose weights come only from the file's W, R, B,
    ONNX block ``j`` put back at torch block ``blocks[j]``: the gate order under test."""
    config = spec.config
    from onnx import numpy_helper

    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    fresh = getattr(torch.nn, spec.module)(**config.keywords()).eval()
    parameters = dict(fresh.named_parameters())
    h, gates = config.hidden_size, len(blocks)

    def torch_order(rows: np.ndarray[Any, Any]) -> torch.Tensor:
        out = np.empty_like(rows)
        for j, t in enumerate(blocks):
            out[t * h : (t + 1) * h] = rows[j * h : (j + 1) * h]
        return torch.from_numpy(out.astype(np.float32))

    nodes = recurrent_nodes(model)
    if len(nodes) != config.num_layers:
        raise Mismatch(f"{len(nodes)} recurrent ops for {config.num_layers} layers")
    with torch.no_grad():
        for layer, node in enumerate(nodes):
            w, r = values[node.input[1]], values[node.input[2]]
            b = values[node.input[3]] if len(node.input) > 3 and node.input[3] else None
            for d in range(w.shape[0]):
                suffix = f"l{layer}" + ("_reverse" if d else "")
                parameters[f"weight_ih_{suffix}"].copy_(torch_order(w[d]))
                parameters[f"weight_hh_{suffix}"].copy_(torch_order(r[d]))
                if b is not None:  # B[d] = [Wb, Rb]: bias_ih, then bias_hh
                    parameters[f"bias_ih_{suffix}"].copy_(torch_order(b[d][: gates * h]))
                    parameters[f"bias_hh_{suffix}"].copy_(torch_order(b[d][gates * h :]))
    dtype = next(like.parameters()).dtype
    return exportable(spec, fresh.to(dtype))


def static_batch_error(
    spec: Spec, model: torch.nn.Module, args: tuple[Any, ...], other: tuple[Any, ...]
) -> str | None:
    """Export with the batch frozen (no ``dynamic_axes``), run at another batch size: onnxruntime's own
    message, or None if it ran."""
    data, _messages = export(spec, model, args, dynamic=False)
    opened = session(data)
    try:
        run(opened, other)
    except Exception as error:  # onnxruntime's InvalidArgument, which has no stable import path
        return str(error).strip()
    return None
