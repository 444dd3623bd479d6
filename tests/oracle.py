"""torch itself, driven directly, as the oracle the tests compare gru-shapes with.

Nothing here uses the package's own shape model: shapes come from tensors torch returns. The
only knowledge shared with the package is the command line's contract: option names, the
defaults the tool documents (input_size 10, hidden_size 32, batch_first on), and how an input of
batch_size × seq_len is laid out, which is how any user would build it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

# Keyword names as the command line and make_spec spell them.
Options = dict[str, Any]

# The tool's option names that are constructor keywords, and torch's names for them.
TORCH_NAMES = {
    "input_size": "input_size",
    "hidden_size": "hidden_size",
    "layers": "num_layers",
    "bias": "bias",
    "batch_first": "batch_first",
    "dropout": "dropout",
    "bidirectional": "bidirectional",
    "proj_size": "proj_size",
    "nonlinearity": "nonlinearity",
}


def is_cell(options: Options) -> bool:
    return str(options.get("module", "GRU")).endswith("Cell")


def torch_module(options: Options) -> torch.nn.Module:
    """The module built as a user would, passing on every constructor option that was given."""
    keywords: dict[str, Any] = {"input_size": 10, "hidden_size": 32}
    if not is_cell(options):
        keywords["batch_first"] = True  # the tool's documented default layout
    keywords.update({TORCH_NAMES[k]: v for k, v in options.items() if k in TORCH_NAMES})
    return getattr(torch.nn, options.get("module", "GRU"))(**keywords)


def input_shape(options: Options) -> tuple[int, ...]:
    """The input a user would build for these options."""
    features = options.get("input_size", 10)
    if is_cell(options):
        return (features,) if options.get("unbatched") else (options.get("batch_size", 1), features)
    lengths = options.get("lengths")
    batch = len(lengths) if lengths else options.get("batch_size", 1)
    seq = max(lengths) if lengths else options.get("seq_len", 35)
    if options.get("unbatched"):
        return (seq, features)
    return (batch, seq, features) if options.get("batch_first", True) else (seq, batch, features)


def _split(state: Any, names: tuple[str, str]) -> dict[str, list[int]]:
    states = state if isinstance(state, tuple) else (state,)
    return {name: list(s.shape) for name, s in zip(names, states, strict=False)}


def torch_shapes(options: Options) -> dict[str, Any]:
    """Build and run the module as a user would; return the shapes torch reports, by tensor name."""
    module = torch_module(options).eval()
    x = torch.zeros(input_shape(options))
    shapes: dict[str, Any] = {"input": list(x.shape)}
    with torch.no_grad():
        if is_cell(options):
            state = module(x)
            shapes.update(_split(state, ("h_1", "c_1")))
            # Feeding the result back shows the initial state torch accepts has its shape.
            module(x, state)
            shapes.update(_split(state, ("h_0", "c_0")))
        elif options.get("lengths"):
            lengths = options["lengths"]
            batch_first = options.get("batch_first", True)
            packed = pack_padded_sequence(
                x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False
            )
            packed_output, state = module(packed)
            module(packed, state)
            output, _ = pad_packed_sequence(packed_output, batch_first=batch_first, total_length=max(lengths))
            shapes["packed_input"] = list(packed.data.shape)
            shapes["packed_output"] = list(packed_output.data.shape)
            shapes["output"] = list(output.shape)
            shapes["batch_sizes"] = packed.batch_sizes.tolist()
            shapes.update(_split(state, ("h_n", "c_n")))
            shapes.update(_split(state, ("h_0", "c_0")))
        else:
            output, state = module(x)
            module(x, state)
            shapes["output"] = list(output.shape)
            shapes.update(_split(state, ("h_n", "c_n")))
            shapes.update(_split(state, ("h_0", "c_0")))
    shapes["parameters"] = [(name, list(p.shape)) for name, p in module.named_parameters()]
    return shapes


def torch_refuses(options: Options) -> bool:
    """Whether torch itself refuses to build or run these settings."""
    try:
        torch_shapes(options)
    except (ValueError, RuntimeError, TypeError):
        return True
    return False


# Cells whose kernel may crash the process (segmentation fault, torch 2.13) on a 1-D input with a 2-D
# state, instead of refusing it; found by the property tests. tests/test_trial.py runs such calls in
# child processes to show which ones crash and which ones torch refuses cleanly.
CRASHING_CELLS = ("GRUCell", "LSTMCell")
CRASH = "crash"


def crashes(options: Options, shapes: dict[str, tuple[int, ...]]) -> bool:
    """Whether the call reaches the kernel with a state torch misread: a 1-D input of input_size
    features, h_0 (H, H) and, for an LSTMCell, a c_0 whose dim 0 is H (1-D or 2-D)."""
    hidden, features = options.get("hidden_size", 32), options.get("input_size", 10)
    if options.get("module") not in CRASHING_CELLS or shapes["input"] != (features,):
        return False
    if shapes.get("h_0") != (hidden, hidden):
        return False
    c_0 = shapes.get("c_0")
    return options["module"] == "GRUCell" or (c_0 is not None and len(c_0) in (1, 2) and c_0[0] == hidden)


def torch_error(options: Options, shapes: dict[str, tuple[int, ...]]) -> str | None:
    """Feed the module built from ``options`` zeros of exactly ``shapes`` (input, h_0, c_0), all in
    the options' ``dtype`` (float32 by default); torch's error message, or None when it runs."""
    if crashes(options, shapes):
        return CRASH  # torch's kernel may end this process, not answer
    dtype = getattr(torch, options.get("dtype", "float32"))
    module = torch_module(options).to(dtype).eval()
    fed = {key: torch.zeros(shape, dtype=dtype) for key, shape in shapes.items()}
    hx: Any = None
    if "h_0" in fed:
        hx = (fed["h_0"], fed["c_0"]) if "c_0" in fed else fed["h_0"]
    try:
        with torch.no_grad():
            module(fed["input"], hx)
    except (ValueError, RuntimeError, TypeError, IndexError) as error:
        return str(error).strip()
    return None
