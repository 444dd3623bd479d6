"""torch itself, driven directly, as the oracle the tests compare gru-shapes with.

Nothing here uses the package's own shape model: shapes come from tensors torch returns.
"""

from __future__ import annotations

from typing import Any

import torch

# Keyword names as the command line and make_spec spell them.
Options = dict[str, Any]


def torch_gru(options: Options) -> torch.nn.GRU:
    return torch.nn.GRU(
        input_size=options["input_size"],
        hidden_size=options["hidden_size"],
        num_layers=options["layers"],
        bias=options["bias"],
        batch_first=options["batch_first"],
        dropout=options["dropout"],
        bidirectional=options["bidirectional"],
    )


def torch_shapes(options: Options) -> dict[str, Any]:
    """Build and run nn.GRU as a user would; return the shapes torch reports."""
    gru = torch_gru(options).eval()
    batch, seq, features = options["batch_size"], options["seq_len"], options["input_size"]
    x = torch.zeros((batch, seq, features) if options["batch_first"] else (seq, batch, features))
    with torch.no_grad():
        output, h_n = gru(x)
        # Feeding h_n back as h_0 shows the initial state torch accepts has h_n's shape.
        gru(x, h_n)
    return {
        "input": list(x.shape),
        "h_0": list(h_n.shape),
        "output": list(output.shape),
        "h_n": list(h_n.shape),
        "parameters": [(name, list(p.shape)) for name, p in gru.named_parameters()],
    }


def torch_refuses(options: Options) -> bool:
    """Whether torch itself refuses to build or run these settings."""
    try:
        torch_shapes(options)
    except (ValueError, RuntimeError, TypeError):
        return True
    return False
