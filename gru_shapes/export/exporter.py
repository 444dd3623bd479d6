"""``torch.onnx.export`` as ``--show onnx`` calls it: the TorchScript exporter (``dynamo=False``), in
memory, with the graph's names and dynamic axes from :mod:`gru_shapes.model.onnx_plan`, everything it
prints captured.

Why TorchScript and not the default dynamo exporter (torch 2.13, measured): it writes one ONNX ``RNN``
op per layer where dynamo unrolls ``nn.RNN`` into per-step MatMuls, it refuses ``proj_size`` with a clear
reason where dynamo writes a file onnxruntime rejects, it exports a packed input where dynamo fails, and
it costs milliseconds where dynamo costs seconds. It warns that it is deprecated; the warning is kept
in the export's messages.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Mapping
from typing import Any

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from gru_shapes.export.capture import captured
from gru_shapes.model.onnx_plan import dynamic_axes, io_names
from gru_shapes.model.spec import Spec

# torch.onnx.export took no ``dynamo`` keyword before torch 2.5, when TorchScript was its only exporter.
DYNAMO_KEYWORD = "dynamo" in inspect.signature(torch.onnx.export).parameters


class Packed(torch.nn.Module):
    """The packed call as one module: pack ``x`` by ``lengths``, run the recurrent module, pad the
    result back to ``x``'s own length, as the run did."""

    def __init__(self, rnn: torch.nn.Module, batch_first: bool) -> None:
        super().__init__()
        self.rnn = rnn
        self.batch_first = batch_first

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, hx: Any) -> tuple[torch.Tensor, ...]:
        packed = pack_padded_sequence(x, lengths, batch_first=self.batch_first, enforce_sorted=False)
        output, state = self.rnn(packed, hx)
        steps = x.shape[1 if self.batch_first else 0]
        padded, _lengths = pad_packed_sequence(output, batch_first=self.batch_first, total_length=steps)
        return (padded, *state) if isinstance(state, tuple) else (padded, state)


def exportable(spec: Spec, module: torch.nn.Module) -> torch.nn.Module:
    """What is exported: the module, or for a packed batch the module between packing and padding."""
    return Packed(module, spec.config.batch_first).eval() if spec.packed else module


def arguments(spec: Spec, tensors: Mapping[str, torch.Tensor]) -> tuple[Any, ...]:
    """The call's arguments from the named tensors: ``(x, h_0)``, ``(x, (h_0, c_0))``, with
    ``lengths`` after ``x`` for a packed batch."""
    state: Any = tensors["h_0"]
    if spec.config.family == "LSTM":
        state = (tensors["h_0"], tensors["c_0"])
    lengths = (tensors["lengths"],) if spec.packed else ()
    return (tensors["input"], *lengths, state)


def export(
    spec: Spec, model: torch.nn.Module, args: tuple[Any, ...], dynamic: bool
) -> tuple[bytes, list[str]]:
    """The ONNX file's bytes and what the exporter printed or warned; raises what the exporter raises,
    with its messages attached as ``error.messages``."""
    inputs, outputs = io_names(spec)
    axes = dynamic_axes(spec) if dynamic else {}
    keywords: dict[str, Any] = {"dynamo": False} if DYNAMO_KEYWORD else {}
    buffer = io.BytesIO()  # the TorchScript exporter writes to a buffer as to a file
    messages: list[str] = []
    try:
        with captured() as messages:
            torch.onnx.export(
                model,
                args,
                buffer,  # type: ignore[arg-type]  # typed as a path; a binary buffer works, without warning
                input_names=list(inputs),
                output_names=list(outputs),
                dynamic_axes={name: dict(dims) for name, dims in axes.items()} or None,
                **keywords,
            )
    except Exception as error:
        error.messages = messages  # type: ignore[attr-defined]
        raise
    return buffer.getvalue(), messages


def reason(error: BaseException) -> str:
    """The exporter's refusal in one line: its message's first line, without TorchScript's
    ``[Caused by the value ...]`` tail."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else type(error).__name__
    return first.split("  [Caused by", 1)[0].strip()
