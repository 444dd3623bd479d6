"""gru-shapes: what shape is each tensor of a PyTorch recurrent layer's forward pass, and why.

>>> from gru_shapes import explain
>>> explain(num_layers=2, bidirectional=True, lang="en").tensor("h_n").shape
(4, 1, 32)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gru_shapes.api import explain
from gru_shapes.errors import GruShapesError, OptionError, RunFailure
from gru_shapes.report import Report
from gru_shapes.traced import Trace

if TYPE_CHECKING:
    from gru_shapes.tracer import trace, trace_call

__version__ = "0.1.0"
__all__ = [
    "GruShapesError",
    "OptionError",
    "Report",
    "RunFailure",
    "Trace",
    "__version__",
    "explain",
    "trace",
    "trace_call",
]


def __getattr__(name: str) -> Any:
    # trace() needs torch; importing the package (for --help, dry runs) must not load it.
    if name in ("trace", "trace_call"):
        from gru_shapes import tracer

        return getattr(tracer, name)
    raise AttributeError(f"module 'gru_shapes' has no attribute {name!r}")
