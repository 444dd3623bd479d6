"""gru-shapes: what shape is each tensor of a PyTorch recurrent layer's forward pass, and why.

>>> from gru_shapes import explain
>>> explain(num_layers=2, bidirectional=True, lang="en").tensor("h_n").shape
(4, 1, 32)
"""

from gru_shapes.api import explain
from gru_shapes.errors import GruShapesError, OptionError, RunFailure
from gru_shapes.report import Report

__version__ = "0.1.0"
__all__ = ["GruShapesError", "OptionError", "Report", "RunFailure", "__version__", "explain"]
