"""The ONNX export (``--show onnx``): the run's very module exported with torch's exporter, the file read
back and explained, run in onnxruntime against torch, and the static-batch pitfall shown as it happens.

:func:`explained` is this room's one door: the runner calls it after the forward pass with the module and
the tensors it ran, and gets plain data (:class:`~gru_shapes.model.onnx.OnnxExport`) back. torch is
imported here; onnx and onnxruntime only inside the functions that read and run the file, so nothing
else in the package ever loads them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import torch

from gru_shapes.errors import RunFailure
from gru_shapes.export import proof, reading
from gru_shapes.export.exporter import DYNAMO_KEYWORD, arguments, export, exportable, reason
from gru_shapes.i18n import _
from gru_shapes.model.onnx import OnnxExport, Proof
from gru_shapes.model.onnx_plan import (
    dynamic_axes,
    export_call,
    gate_order,
    omitted,
    other_sizes,
    tolerance,
    unrunnable,
)
from gru_shapes.model.spec import Spec

# The exporter's messages kept in the report, at most, each cut to one short line.
MOST_MESSAGES, LONGEST_MESSAGE = 12, 200


def explained(
    spec: Spec,
    module: torch.nn.Module,
    fed: Mapping[str, torch.Tensor],
    returned: Mapping[str, torch.Tensor],
) -> OnnxExport:
    """Export ``module`` called on ``fed`` as the run called it, and explain the file.

    The exporter's refusal becomes ``refused`` and onnxruntime's failure ``unverified``, each one line:
    the export was asked for, not the run, so neither fails the report. Only a file that cannot be
    written to ``--onnx-out`` raises (:class:`RunFailure`).
    """
    if next(module.parameters()).device.type != "cpu":  # onnxruntime runs here on the CPU
        module = copy.deepcopy(module).cpu()
        fed = {key: t.cpu() for key, t in fed.items()}
        returned = {key: t.cpu() for key, t in returned.items()}
    tensors = dict(fed)
    if spec.packed and spec.lengths:
        tensors["lengths"] = torch.tensor(spec.lengths)
    model, args = exportable(spec, module), arguments(spec, tensors)
    base = OnnxExport(
        predicted=False,
        ops=(),
        gate_order=gate_order(spec),
        inputs={},
        outputs={},
        dynamic_axes=dynamic_axes(spec),
        export_call=export_call(spec, spec.onnx_out, DYNAMO_KEYWORD),
    )
    try:
        data, messages = export(spec, model, args, dynamic=True)
    except Exception as error:  # the exporter's refusal (SymbolicValueError and its kin)
        return replace(base, refused=reason(error), messages=_shortened(getattr(error, "messages", [])))
    file = reading.load(data)
    inputs, outputs = reading.graph_io(file)
    found = replace(
        base,
        ops=reading.ops(spec, file),
        ops_omitted=omitted(spec),
        nodes=reading.node_counts(file),
        inputs=inputs,
        outputs=outputs,
        path=_written(spec.onnx_out, data),
        exporter=_exporter(file, len(data)),
        messages=_shortened(messages),
    )
    blocked = unrunnable(spec)
    if blocked:
        return replace(found, unverified=blocked)
    try:
        return _proved(spec, found, data, file, model, args, returned)
    except Exception as error:  # onnxruntime's failures (float64 and bfloat16 kernels) have no common type
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return replace(
            found, unverified=_("onnxruntime could not run the file: {reason}").format(reason=first)
        )


def _proved(
    spec: Spec,
    found: OnnxExport,
    data: bytes,
    file: Any,
    model: torch.nn.Module,
    args: tuple[Any, ...],
    returned: Mapping[str, torch.Tensor],
) -> OnnxExport:
    opened = proof.session(data)
    got = proof.run(opened, args)
    keys = [key for key in ("output", "h_n", "c_n", "h_1", "c_1") if key in returned]
    expected = [returned[key].detach().cpu().numpy() for key in keys]
    other_batch, other_seq = other_sizes(spec)
    other: dict[str, Any] = {}
    if other_batch is not None:
        resized = proof.resized(spec, tensors_of(spec, args), other_batch, None)
        other["other_batch"] = other_batch
        other["other_batch_max_abs_diff"] = proof.max_abs_diff(
            proof.torch_run(model, resized), proof.run(opened, resized)
        )
    if other_seq is not None:
        resized = proof.resized(spec, tensors_of(spec, args), other_batch, other_seq)
        other["other_seq_len"] = other_seq
        other["other_seq_max_abs_diff"] = proof.max_abs_diff(
            proof.torch_run(model, resized), proof.run(opened, resized)
        )
    order = gate_order(spec)
    if not spec.config.is_cell:
        blocks = order.blocks if order else (0,)
        rebuilt = proof.rebuilt(spec, file, blocks, model)
        other["rebuilt_max_abs_diff"] = proof.max_abs_diff(proof.torch_run(rebuilt, args), got)
    checked = Proof(tolerance(spec.dtype), proof.max_abs_diff(expected, got), **other)
    static = None
    if other_batch is not None:
        at_other = proof.resized(spec, tensors_of(spec, args), other_batch, None)
        static = proof.static_batch_error(spec, model, args, at_other)
    return replace(found, proof=checked, other_batch=other_batch, static_batch_error=static)


def tensors_of(spec: Spec, args: tuple[Any, ...]) -> dict[str, torch.Tensor]:
    """The named tensors of the call's arguments (the inverse of :func:`arguments`)."""
    names = [name for name in ("input", "lengths", "h_0", "c_0") if name != "lengths" or spec.packed]
    return dict(zip(names, proof.flat(args), strict=False))


def _written(path: str | None, data: bytes) -> str | None:
    if path is None:
        return None
    try:
        with open(path, "wb") as file:
            file.write(data)
    except OSError as error:
        raise RunFailure(
            _("cannot write --onnx-out {path}: {reason}").format(path=path, reason=error.strerror or error),
            option="onnx_out",
        ) from None
    return path


def _exporter(file: Any, size: int) -> dict[str, Any]:
    import onnx
    import onnxruntime

    return {
        "function": "torch.onnx.export",
        "dynamo": False,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "opset": reading.opset(file),
        "ir_version": file.ir_version,
        "bytes": size,
    }


def _shortened(messages: list[str]) -> tuple[str, ...]:
    """Each distinct line once, short; past the limit, how many more there were."""
    distinct = list(dict.fromkeys(line.strip()[:LONGEST_MESSAGE] for line in messages if line.strip()))
    if len(distinct) <= MOST_MESSAGES:
        return tuple(distinct)
    more = len(distinct) - MOST_MESSAGES + 1
    return (*distinct[: MOST_MESSAGES - 1], _("… and {count} more lines").format(count=more))
