"""After the forward pass, on the run's own tensors: each final-state idiom evaluated and judged;
and, when asked, the hand-off (:mod:`gru_shapes.run.handoff`) and the chunks
(:mod:`gru_shapes.run.chunks`).

Every expression is run as the very text the report shows, in a namespace of the run's tensors.
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from gru_shapes.model import handoff as handing
from gru_shapes.i18n import current
from gru_shapes.model.idioms import Idiom, IdiomRow, idioms
from gru_shapes.model.spec import Spec

# Two kernels computing the same numbers agree to about this much, by dtype.
TOLERANCE = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-2, "bfloat16": 2e-2}


def evaluate(
    spec: Spec, module: torch.nn.Module, fed: dict[str, torch.Tensor], returned: dict[str, torch.Tensor]
) -> dict[str, Any]:
    """The ``Observation`` fields this adds: ``idioms``, ``handoff`` and ``chunks``."""
    if spec.config.is_cell:
        return {}
    with torch.inference_mode():
        rows = evaluate_idioms(spec, returned)
        # Building and feeding decoders is more than indexing what the run returned: only on request.
        handoff, carried = None, None
        if handing.asked(spec):
            from gru_shapes.run.handoff import evaluate_handoff  # it builds on this module

            handoff = evaluate_handoff(spec, returned)
        if spec.chunks:
            from gru_shapes.run.chunks import evaluate_chunks

            carried = evaluate_chunks(spec, module, fed, returned)
    return {"idioms": rows, "handoff": handoff, "chunks": carried}


def namespace(spec: Spec, returned: dict[str, torch.Tensor]) -> dict[str, Any]:
    """The names an expression may use: the run's tensors, torch, and the lengths as a tensor."""
    names: dict[str, Any] = {"torch": torch, "nn": torch.nn, "__builtins__": {"len": len}}
    names.update({key: returned[key] for key in ("output", "h_n", "c_n") if key in returned})
    if spec.lengths is not None:  # B: the batch, as one writes it beside the lengths
        names["lengths"], names["B"] = torch.tensor(spec.lengths), len(spec.lengths)
    return names


def references(spec: Spec, returned: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The precise quantities, from their definitions: h of the last layer is output at each
    sequence's real last step (forward half) and at step 0 (backward half); c, which output does
    not show, is the last layer's entry in c_n's documented (layers, D, batch, hidden) layout."""
    config = spec.config
    h, directions = config.h_size, config.num_directions
    output = returned["output"]
    # As (seq, batch, features) whatever the layout.
    if spec.unbatched:
        output = output.unsqueeze(1)
    elif config.batch_first:
        output = output.transpose(0, 1)
    if spec.lengths is None:
        found = {"h_last_forward": output[-1, :, :h]}
    else:  # each sequence's own last step
        ends = torch.tensor([length - 1 for length in spec.lengths], dtype=torch.long)
        found = {"h_last_forward": output[ends, torch.arange(len(spec.lengths)), :h]}
    stacked = [found["h_last_forward"]]
    if directions == 2:
        found["h_last_backward"] = output[0, :, h:]
        found["h_last_both"] = torch.cat((found["h_last_forward"], found["h_last_backward"]), dim=-1)
        stacked.append(found["h_last_backward"])
    found["h_last_stacked"] = torch.stack(stacked)
    if "c_n" in returned:
        c_n = returned["c_n"] if not spec.unbatched else returned["c_n"].unsqueeze(1)
        # An explicit batch: view cannot infer -1 from an empty batch.
        last = c_n.view(config.num_layers, directions, output.shape[1], config.hidden_size)[-1]
        found["c_last_forward"] = last[0]
        if directions == 2:
            found["c_last_backward"] = last[1]
            found["c_last_both"] = torch.cat((last[0], last[1]), dim=-1)
    if spec.unbatched:  # no batch dim: stacked rows lose dim 1, the others dim 0
        found = {key: value.squeeze(1 if key == "h_last_stacked" else 0) for key, value in found.items()}
    return found


def verdict(
    value: torch.Tensor, quantities: dict[str, torch.Tensor], dtype: str, first: str | None = None
) -> str | None:
    """The quantity ``value`` equals (same shape, equal within the dtype's tolerance), trying
    ``first`` before the others; None when it equals none of them."""
    tolerance = TOLERANCE[dtype]
    if value.numel() == 0:  # an empty batch equals every state of its shape: keep to the expected one
        expected = quantities.get(first or "")
        return first if expected is not None and expected.shape == value.shape else None
    order = ([first] if first in quantities else []) + [key for key in quantities if key != first]
    for key in order:
        expected = quantities[key]
        if value.shape != expected.shape:
            continue
        # On the CPU the final states are copied into output bit for bit; other kernels may round.
        if torch.equal(value, expected) or (
            value.device.type != "cpu" and torch.allclose(value, expected, rtol=tolerance, atol=tolerance)
        ):
            return key
    return None


@functools.lru_cache(maxsize=256)
def _idioms(spec: Spec, lang: str) -> tuple[Idiom, ...]:
    """The idioms of a spec in a language: the same question asked again (batch lines) reuses them."""
    return idioms(spec)


@functools.lru_cache(maxsize=512)
def compiled(text: str, mode: str) -> Any:
    """The expression's code object: the same text compiles once however many runs show it."""
    return compile(text, "<gru-shapes>", mode)


def evaluate_idioms(spec: Spec, returned: dict[str, torch.Tensor]) -> tuple[IdiomRow, ...]:
    """Every idiom of ``spec`` evaluated as written, with the quantity it turned out to equal."""
    names = namespace(spec, returned)
    quantities = references(spec, returned)
    rows = []
    for idiom in _idioms(spec, current()):
        value = eval(compiled(idiom.expression, "eval"), names)  # the text shown is the code run
        equals = verdict(value, quantities, spec.dtype, idiom.expected)
        rows.append(IdiomRow(idiom.expression, tuple(value.shape), idiom.holds, equals, idiom.pitfall))
    return tuple(rows)
