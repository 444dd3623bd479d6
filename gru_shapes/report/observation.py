"""What a real forward pass returned, reduced to plain data by the runner: shapes, parameters,
the identities checked on the tensors, torch's warnings, and what was evaluated after the pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gru_shapes.model.chunks import Chunks
from gru_shapes.model.handoff import HandoffRow
from gru_shapes.model.idioms import IdiomRow
from gru_shapes.model.onnx import OnnxExport
from gru_shapes.model.step import StepVerification


@dataclass(frozen=True)
class Check:
    """One thing verified on this run, and whether it held."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Observation:
    """What a real forward pass returned, reduced to plain data."""

    torch_version: str
    device: str
    shapes: Mapping[str, tuple[int, ...]]
    parameters: tuple[tuple[str, tuple[int, ...]], ...]
    identities: tuple[Check, ...]
    warnings: tuple[str, ...]
    batch_sizes: tuple[int, ...] | None = None  # of the PackedSequence torch built
    # After the forward pass (sequence modules): final-state idioms, decoder hand-off, chunks.
    idioms: tuple[IdiomRow, ...] = ()
    handoff: tuple[HandoffRow, ...] | None = None
    chunks: Chunks | None = None
    step: StepVerification | None = None  # the step equations recomputed and compared with torch
    onnx: OnnxExport | None = None  # the module exported, read back and run in onnxruntime, when asked
