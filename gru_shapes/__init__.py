"""gru-shapes: what shape is each tensor of a PyTorch recurrent layer's forward pass, and why.

>>> from gru_shapes import explain
>>> explain(num_layers=2, bidirectional=True, lang="en").tensor("h_n").shape
(4, 1, 32)
"""

from __future__ import annotations

# Not imported from typing, which would cost the console script milliseconds before Ctrl-C is quiet.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gru_shapes.api import explain, trace, trace_call
    from gru_shapes.errors import GruShapesError, OptionError, RunFailure
    from gru_shapes.report import Report
    from gru_shapes.tracing.traced import Trace

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

# Imported on first use, so that the console script's first instruction (which makes Ctrl-C quiet)
# runs before anything heavy is loaded, and importing the package never loads torch (trace needs it).
_HOMES = {
    "explain": "gru_shapes.api",
    "GruShapesError": "gru_shapes.errors",
    "OptionError": "gru_shapes.errors",
    "RunFailure": "gru_shapes.errors",
    "Report": "gru_shapes.report",
    "Trace": "gru_shapes.tracing.traced",
    "trace": "gru_shapes.api",
    "trace_call": "gru_shapes.api",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'gru_shapes' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
