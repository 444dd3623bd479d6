"""After the forward pass, on the run's own tensors: the final-state idioms evaluated and judged,
and, when asked, the decoder hand-off, the chunked run and the ONNX export.
"""

from __future__ import annotations

from typing import Any

import torch

from gru_shapes.model import handoff as handing
from gru_shapes.model.spec import Spec
from gru_shapes.run.chunks import evaluate_chunks
from gru_shapes.run.handoff import evaluate_handoff
from gru_shapes.run.idioms import evaluate_idioms


def evaluate(
    spec: Spec, module: torch.nn.Module, fed: dict[str, torch.Tensor], returned: dict[str, torch.Tensor]
) -> dict[str, Any]:
    """The ``Observation`` fields this adds: ``idioms``, ``handoff``, ``chunks`` and ``onnx``."""
    found = {} if spec.config.is_cell else _sequence(spec, module, fed, returned)
    if spec.onnx:
        from gru_shapes.export import explained  # onnx and onnxruntime, only when asked

        found["onnx"] = explained(spec, module, fed, returned)
    return found


def _sequence(
    spec: Spec, module: torch.nn.Module, fed: dict[str, torch.Tensor], returned: dict[str, torch.Tensor]
) -> dict[str, Any]:
    with torch.inference_mode():
        rows = evaluate_idioms(spec, returned)
        # Building and feeding decoders is more than indexing what the run returned: only on request.
        handoff, carried = None, None
        if handing.asked(spec):
            handoff = evaluate_handoff(spec, returned)
        elif spec.handoff_shown:  # the section asked for by name: the decoders such an encoder most often has
            handoff = evaluate_handoff(spec, returned, handing.usual_decoders(spec))
        if spec.chunks:
            carried = evaluate_chunks(spec, module, fed, returned)
    return {"idioms": rows, "handoff": handoff, "chunks": carried}
