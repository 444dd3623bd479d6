"""The ONNX export as plain data: the recurrent ops read back from the file (or predicted in a dry
run), the proof that onnxruntime computes what torch computed, the static-batch pitfall, and their
JSON; with the checks on the options that ask for it (``--show onnx``, ``--onnx-out``).

No torch and no onnx here: :mod:`gru_shapes.export` fills these from a real file, and
:mod:`gru_shapes.model.onnx_plan` predicts them.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.model.validate import Shown

# A dim of an ONNX value: a size, or the name of a dynamic axis ("batch", "seq").
Dim = int | str
Shape = tuple[Dim, ...]
EXTRAS = ("onnx", "onnxruntime")
INSTALL = "pip install 'gru-shapes[onnx]'"


@dataclass(frozen=True)
class GateOrder:
    """The gates stacked in a weight's rows, in torch's order and in ONNX's; ``blocks[j]`` is the torch
    block (rows ``blocks[j]·H`` to ``(blocks[j]+1)·H``) that ONNX block ``j`` holds."""

    torch: str
    onnx: str
    blocks: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"torch": self.torch, "onnx": self.onnx, "blocks": list(self.blocks)}


@dataclass(frozen=True)
class Block:
    """One block of rows of ``W[d]`` (and ``R[d]``, and each half of ``B[d]``), and torch's rows it holds."""

    direction: str  # forward (d = 0) or backward (d = 1)
    gate: str  # ONNX's name for it
    rows: tuple[int, int]  # rows of W[d], end excluded
    torch_gate: str
    weight_ih: str  # torch's rows it holds, e.g. weight_ih_l0[32:64]
    weight_hh: str
    bias: tuple[str, str] | None  # (bias_ih rows, bias_hh rows); None without bias

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "direction": self.direction,
            "gate": self.gate,
            "rows": list(self.rows),
            "torch_gate": self.torch_gate,
            "W": self.weight_ih,
            "R": self.weight_hh,
        }
        if self.bias is not None:
            found["B"] = list(self.bias)
        return found


@dataclass(frozen=True)
class Link:
    """Where an op's input comes from in torch's terms, or where its output goes, and the nodes torch's
    exporter put in between (read from the file; None when predicted)."""

    torch: str
    through: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"torch": self.torch, "through": None if self.through is None else list(self.through)}


@dataclass(frozen=True)
class OnnxOp:
    """One ONNX ``GRU``/``LSTM``/``RNN`` node: torch layer ``layer``, both directions in one op."""

    op: str
    layer: int
    node: str | None  # its name in the file
    inputs: Mapping[str, Shape]  # X, W, R, B, sequence_lens, initial_h, initial_c: those it has
    outputs: Mapping[str, Shape]  # Y, Y_h, Y_c
    attributes: Mapping[str, Any]  # as in effect: the file's, and ONNX's default for those it leaves out
    defaulted: tuple[str, ...]  # the attributes the file leaves out
    links: Mapping[str, Link]
    blocks: tuple[Block, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "layer": self.layer,
            "node": self.node,
            "inputs": {key: list(shape) for key, shape in self.inputs.items()},
            "outputs": {key: list(shape) for key, shape in self.outputs.items()},
            "attributes": dict(self.attributes),
            "defaulted": list(self.defaulted),
            "maps": {key: link.to_dict() for key, link in self.links.items()},
            "blocks": [block.to_dict() for block in self.blocks],
        }


@dataclass(frozen=True)
class Proof:
    """onnxruntime against torch: the largest absolute differences over every output, on the run's
    own input, at another batch size, at another sequence length, and for a torch module rebuilt from
    the file's W, R, B in the gate order shown. None: not applicable (no batch axis, no W for a cell)."""

    tolerance: float
    max_abs_diff: float
    other_batch: int | None = None
    other_batch_max_abs_diff: float | None = None
    other_seq_len: int | None = None
    other_seq_max_abs_diff: float | None = None
    rebuilt_max_abs_diff: float | None = None

    def within(self, diff: float | None) -> bool | None:
        return None if diff is None else diff <= self.tolerance

    def to_dict(self) -> dict[str, Any]:
        return {
            "equal": self.within(self.max_abs_diff),
            "max_abs_diff": _finite(self.max_abs_diff),
            "tolerance": self.tolerance,
            "other_batch": self.other_batch,
            "other_batch_ok": self.within(self.other_batch_max_abs_diff),
            "other_batch_max_abs_diff": _finite(self.other_batch_max_abs_diff),
            "other_seq_len": self.other_seq_len,
            "other_seq_ok": self.within(self.other_seq_max_abs_diff),
            "other_seq_max_abs_diff": _finite(self.other_seq_max_abs_diff),
            "rebuilt_equal": self.within(self.rebuilt_max_abs_diff),
            "rebuilt_max_abs_diff": _finite(self.rebuilt_max_abs_diff),
        }


def _finite(diff: float | None) -> float | None:
    """JSON has no infinity: a difference past every float (NaN on one side only) is null, and unequal."""
    return diff if diff is None or math.isfinite(diff) else None


@dataclass(frozen=True)
class OnnxExport:
    """What ``--show onnx`` found: read from the exported file, or predicted in a dry run.

    ``refused`` is the exporter's reason when it made no file; ``unverified`` why the file was not run
    in onnxruntime; ``static_batch_error`` onnxruntime's own message for the same module exported
    without ``dynamic_axes`` and run at another batch size.
    """

    predicted: bool
    ops: tuple[OnnxOp, ...]
    gate_order: GateOrder | None
    inputs: Mapping[str, Shape]  # the graph's inputs and outputs by name
    outputs: Mapping[str, Shape]
    dynamic_axes: Mapping[str, Mapping[int, str]]
    export_call: tuple[str, ...]  # the call that exports it so, as lines of Python
    refused: str | None = None
    ops_omitted: tuple[int, int] | None = None  # the first and last layer left out of ops (> 4 layers)
    nodes: Mapping[str, int] | None = None  # every op type in the graph, counted
    proof: Proof | None = None
    unverified: str | None = None
    other_batch: int | None = None  # the batch size the static export was run at
    static_batch_error: str | None = None
    path: str | None = None
    exporter: Mapping[str, Any] | None = None  # versions, opset, file size
    messages: tuple[str, ...] = ()  # what the exporter printed or warned, first lines

    @property
    def dynamic_batch(self) -> bool:
        return any("batch" in axes.values() for axes in self.dynamic_axes.values())

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "predicted": self.predicted,
            "refused": self.refused,
            "ops": [op.to_dict() for op in self.ops],
            "ops_omitted": None
            if self.ops_omitted is None
            else {"first_layer": self.ops_omitted[0], "last_layer": self.ops_omitted[1], "like_layer": 1},
            "nodes": None if self.nodes is None else dict(self.nodes),
            "inputs": {name: list(shape) for name, shape in self.inputs.items()},
            "outputs": {name: list(shape) for name, shape in self.outputs.items()},
            "dynamic_batch": self.dynamic_batch,
            "dynamic_axes": {
                name: {str(axis): label for axis, label in axes.items()}
                for name, axes in self.dynamic_axes.items()
            },
            "export_call": "\n".join(self.export_call),
            "verified": None if self.proof is None else self.proof.to_dict(),
            "unverified": self.unverified,
            "static_batch_error": self.static_batch_error,
            "path": self.path,
            "exporter": None if self.exporter is None else dict(self.exporter),
            "messages": list(self.messages),
        }
        if self.gate_order is not None:
            found["gate_order"] = self.gate_order.to_dict()
        return found


def missing_extras() -> tuple[str, ...]:
    """The packages of the ``onnx`` extra that are not installed (found without importing them)."""
    return tuple(name for name in EXTRAS if importlib.util.find_spec(name) is None)


def require_extras(option: str) -> None:
    """Refuse the export in one line when the extra is missing, saying how to install it."""
    missing = missing_extras()
    if missing:
        flag = "--show onnx" if option == "show" else "--onnx-out"
        raise OptionError(
            option,
            _("{flag} needs {missing}, not installed here: {install}").format(
                flag=flag, missing=" and ".join(missing), install=INSTALL
            ),
        )


def out_path(value: Any) -> str:
    """``--onnx-out``: a file to write, in a folder that exists; refused when the extra is missing
    (a dry run, which needs no extra, refuses ``--onnx-out`` before this).

    >>> out_path("model.onnx")
    'model.onnx'
    >>> out_path("/no/such/folder/model.onnx")
    Traceback (most recent call last):
    ...
    gru_shapes.errors.OptionError: --onnx-out /no/such/folder/model.onnx: there is no folder /no/such/folder
    """
    # A control character (a newline, NUL) is no file name anyone means, and would break a one-line message.
    if not isinstance(value, str) or not value.strip() or any(ord(c) < 32 for c in value):
        raise OptionError(
            "onnx_out",
            _("--onnx-out takes the path of the file to write, got {value!r}").format(value=Shown(value)),
        )
    if os.path.isdir(value):
        raise OptionError(
            "onnx_out", _("--onnx-out {path}: is a folder; give a file name").format(path=value)
        )
    folder = os.path.dirname(value) or "."
    if not os.path.isdir(folder):
        raise OptionError(
            "onnx_out",
            _("--onnx-out {path}: there is no folder {folder}").format(path=value, folder=folder),
        )
    require_extras("onnx_out")
    return value
