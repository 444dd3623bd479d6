"""gru-shapes: what shape is each tensor of a PyTorch GRU's forward pass, and why."""

__version__ = "0.1.0"
