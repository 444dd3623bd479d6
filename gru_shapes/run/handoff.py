"""The hand-off, run: each recipe's text executed on the run's final state and fed to a real decoder."""

from __future__ import annotations

import functools
from typing import Any

import torch

from gru_shapes.model import handoff as handing
from gru_shapes.model.handoff import HandoffRow, Recipe
from gru_shapes.model.spec import Spec
from gru_shapes.run.expressions import compiled, namespace


def build_decoder(
    spec: Spec, device: torch.device, dtype: torch.dtype, wanted: handing.Decoder | None = None
) -> torch.nn.Module:
    """The decoder as the report names it. Only whether it accepts a state is asked of it, so
    its weights are zeros: no random draw, and one built decoder serves every run like it."""
    wanted = wanted or handing.decoder(spec)
    return _zeroed(
        wanted.module,
        (spec.config.input_size, wanted.hidden_size),
        wanted.num_layers,
        spec.config.batch_first,
        device,
        dtype,
    )


def bridges(
    spec: Spec, device: torch.device, dtype: torch.dtype, wanted: handing.Decoder | None = None
) -> dict[str, torch.nn.Module]:
    """The linear bridges the ``bridge`` recipe builds once, in the model's ``__init__`` (zeros
    here too: the recipe is checked for its shapes)."""
    config = spec.config
    hidden = (wanted or handing.decoder(spec)).hidden_size
    d = config.num_directions
    built = {"bridge": _zeroed("Linear", (d * config.h_size, hidden), 0, False, device, dtype)}
    if config.family == "LSTM":
        built["bridge_c"] = _zeroed("Linear", (d * config.hidden_size, hidden), 0, False, device, dtype)
    return built


@functools.lru_cache(maxsize=16)
def _zeroed(
    name: str,
    sizes: tuple[int, int],
    layers: int,
    batch_first: bool,
    device: torch.device,
    dtype: torch.dtype,
) -> torch.nn.Module:
    keywords: dict[str, Any] = {"dtype": dtype}
    if name != "Linear":
        keywords |= {"num_layers": layers, "batch_first": batch_first}
    # Built on the meta device, so no weight is drawn and the caller's random generator is left alone.
    with torch.device("meta"):
        module: torch.nn.Module = getattr(torch.nn, name)(*sizes, **keywords)
    module = module.to_empty(device=device)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.zero_()
    return module.eval()


def run_recipe(
    recipe: Recipe, names: dict[str, Any], decoder: torch.nn.Module, step: torch.Tensor
) -> tuple[tuple[int, ...], str | None, dict[str, torch.Tensor]]:
    """Execute the recipe's text, feed its state to ``decoder`` with one step of input, and
    return h_0's shape, torch's refusal (None: accepted) and the states made."""
    scope = dict(names)
    exec(compiled(recipe.code, "exec"), scope)  # the text shown is the code run
    made: dict[str, torch.Tensor] = {key: scope[key] for key in ("h_0", "c_0") if key in scope}
    state = (made["h_0"], made["c_0"]) if "c_0" in made else made["h_0"]
    try:
        decoder(step, state)
    except (RuntimeError, ValueError, TypeError) as error:
        return tuple(made["h_0"].shape), str(error).strip().splitlines()[0], made
    return tuple(made["h_0"].shape), None, made


def pairs_each_layer(spec: Spec, made: torch.Tensor, state: torch.Tensor) -> bool:
    """Whether ``made[l]`` is layer l's forward state beside layer l's backward state."""
    features = made.shape[-1] // 2
    for layer in range(made.shape[0]):
        forward, backward = state[2 * layer], state[2 * layer + 1]
        if not (
            torch.equal(made[layer][..., :features], forward)
            and torch.equal(made[layer][..., features:], backward)
        ):
            return False
    return True


def evaluate_handoff(
    spec: Spec, returned: dict[str, torch.Tensor], decoders: tuple[handing.Decoder, ...] | None = None
) -> tuple[HandoffRow, ...]:
    """Each recipe run, fed to a real decoder (the one asked for, or each of ``decoders``), and (for
    the concatenations) checked for pairing. The common wrong recipe is run and named, never verified."""
    rows: list[HandoffRow] = []
    for wanted in decoders or (handing.decoder(spec),):
        rows.extend(_rows(spec, returned, wanted))
    return tuple(rows)


def _rows(spec: Spec, returned: dict[str, torch.Tensor], wanted: handing.Decoder) -> list[HandoffRow]:
    h_n = returned["h_n"]
    device, dtype = h_n.device, h_n.dtype
    decoder = build_decoder(spec, device, dtype, wanted)
    call = wanted.call(spec.config.input_size, spec.config.batch_first and not spec.unbatched)
    names = {**namespace(spec, returned), **bridges(spec, device, dtype, wanted)}
    step_shape = (
        (1, spec.config.input_size)
        if spec.unbatched
        else (
            (spec.batch_size, 1, spec.config.input_size)
            if spec.config.batch_first
            else (1, spec.batch_size, spec.config.input_size)
        )
    )
    step = torch.zeros(step_shape, device=device, dtype=dtype)
    rows = []
    for recipe in handing.recipes(spec, wanted):
        shape, refusal, made = run_recipe(recipe, names, decoder, step)
        notes = [recipe.note] if recipe.note else []
        verified = refusal is None and not recipe.wrong
        if refusal is not None:
            notes.append(recipe.reason or refusal)
        if verified and recipe.pairs:
            paired = pairs_each_layer(spec, made["h_0"], h_n)
            if "c_0" in made and "c_n" in returned:
                paired = paired and pairs_each_layer(spec, made["c_0"], returned["c_n"])
            verified = paired
        rows.append(HandoffRow(recipe.name, recipe.code, shape, call, verified, "; ".join(notes)))
    return rows
