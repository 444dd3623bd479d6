"""The final-state idioms, each evaluated as the very text the report shows on the run's tensors,
and judged against precise definitions of the quantities people mean to take.
"""

from __future__ import annotations

import functools

import torch

from gru_shapes.i18n import current
from gru_shapes.model.idioms import Idiom, IdiomRow, idioms
from gru_shapes.model.spec import Spec
from gru_shapes.run.expressions import TOLERANCE, compiled, namespace


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
