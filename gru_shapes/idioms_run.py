"""After the forward pass, on the run's own tensors: each final-state idiom evaluated and judged,
each hand-off recipe fed to a real decoder, and the chunked run compared with the whole one.

Every expression is run as the very text the report shows, in a namespace of the run's tensors.
"""

from __future__ import annotations

from typing import Any

import torch

from gru_shapes import chunks as chunking
from gru_shapes import handoff as handing
from gru_shapes.chunks import Chunks, LastBatch
from gru_shapes.handoff import HandoffRow, Recipe
from gru_shapes.idioms import IdiomRow, idioms
from gru_shapes.spec import Spec

# Two kernels computing the same numbers agree to about this much, by dtype.
TOLERANCE = {"float64": 1e-10, "float32": 1e-5, "float16": 1e-2, "bfloat16": 2e-2}
# A default hand-off decoder larger than this is not built unless asked for: the memory guard
# weighed the encoder alone.
_DEFAULT_DECODER_BYTES = 64 * 2**20


def evaluate(
    spec: Spec, module: torch.nn.Module, fed: dict[str, torch.Tensor], returned: dict[str, torch.Tensor]
) -> dict[str, Any]:
    """The ``Observation`` fields this adds: ``idioms``, ``handoff`` and ``chunks``."""
    if spec.config.is_cell:
        return {}
    with torch.inference_mode():
        rows = evaluate_idioms(spec, returned)
        handoff = evaluate_handoff(spec, returned) if _decoder_wanted(spec) else None
        carried = evaluate_chunks(spec, module, fed, returned) if spec.chunks else None
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
    batch = output.shape[1]
    lengths = spec.lengths or (spec.seq_len,) * batch
    ends = torch.tensor([length - 1 for length in lengths], dtype=torch.long)
    rows = torch.arange(batch)
    found = {"h_last_forward": output[ends, rows, :h]}
    stacked = [found["h_last_forward"]]
    if directions == 2:
        found["h_last_backward"] = output[0, :, h:]
        found["h_last_both"] = torch.cat((found["h_last_forward"], found["h_last_backward"]), dim=-1)
        stacked.append(found["h_last_backward"])
    found["h_last_stacked"] = torch.stack(stacked)
    if "c_n" in returned:
        c_n = returned["c_n"] if not spec.unbatched else returned["c_n"].unsqueeze(1)
        last = c_n.view(config.num_layers, directions, batch, config.hidden_size)[-1]
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
    order = ([first] if first in quantities else []) + [key for key in quantities if key != first]
    for key in order:
        expected = quantities[key]
        if value.shape == expected.shape and torch.allclose(value, expected, rtol=tolerance, atol=tolerance):
            return key
    return None


def evaluate_idioms(spec: Spec, returned: dict[str, torch.Tensor]) -> tuple[IdiomRow, ...]:
    """Every idiom of ``spec`` evaluated as written, with the quantity it turned out to equal."""
    names = namespace(spec, returned)
    quantities = references(spec, returned)
    rows = []
    for idiom in idioms(spec):
        value = eval(idiom.expression, names)  # the text shown is the code run
        equals = verdict(value, quantities, spec.dtype, idiom.expected)
        rows.append(IdiomRow(idiom.expression, tuple(value.shape), idiom.holds, equals, idiom.pitfall))
    return tuple(rows)


def _decoder_wanted(spec: Spec) -> bool:
    """Asked for, or small enough to build without asking."""
    if handing.asked(spec):
        return True
    wanted = handing.decoder(spec)
    gates = {"GRU": 3, "LSTM": 4, "RNN": 1}[wanted.module]
    size = wanted.hidden_size
    per_layer = gates * size * (spec.config.input_size + 3 * size)
    return per_layer * wanted.num_layers * 8 <= _DEFAULT_DECODER_BYTES


def build_decoder(spec: Spec, device: torch.device, dtype: torch.dtype) -> torch.nn.Module:
    """The decoder as the report names it, seeded from the spec's seed."""
    wanted = handing.decoder(spec)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        decoder: torch.nn.Module = getattr(torch.nn, wanted.module)(
            spec.config.input_size,
            wanted.hidden_size,
            num_layers=wanted.num_layers,
            batch_first=spec.config.batch_first,
        )
    return decoder.to(device=device, dtype=dtype).eval()


def bridges(spec: Spec, device: torch.device, dtype: torch.dtype) -> dict[str, torch.nn.Module]:
    """The linear bridges the ``bridge`` recipe builds once, in the model's ``__init__``."""
    config = spec.config
    wanted = handing.decoder(spec)
    d = config.num_directions
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        built = {"bridge": torch.nn.Linear(d * config.h_size, wanted.hidden_size)}
        if config.family == "LSTM":
            built["bridge_c"] = torch.nn.Linear(d * config.hidden_size, wanted.hidden_size)
    return {name: layer.to(device=device, dtype=dtype) for name, layer in built.items()}


def run_recipe(
    recipe: Recipe, names: dict[str, Any], decoder: torch.nn.Module, step: torch.Tensor
) -> tuple[tuple[int, ...], str | None, dict[str, torch.Tensor]]:
    """Execute the recipe's text, feed its state to ``decoder`` with one step of input, and
    return h_0's shape, torch's refusal (None: accepted) and the states made."""
    scope = dict(names)
    exec(recipe.code, scope)  # the text shown is the code run
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


def evaluate_handoff(spec: Spec, returned: dict[str, torch.Tensor]) -> tuple[HandoffRow, ...]:
    """Each recipe run, fed to a real decoder, and (for the concatenations) checked for pairing."""
    h_n = returned["h_n"]
    device, dtype = h_n.device, h_n.dtype
    decoder = build_decoder(spec, device, dtype)
    call = handing.decoder(spec).call(spec.config.input_size, spec.config.batch_first and not spec.unbatched)
    names = {**namespace(spec, returned), **bridges(spec, device, dtype)}
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
    for recipe in handing.recipes(spec):
        shape, refusal, made = run_recipe(recipe, names, decoder, step)
        notes = [recipe.note] if recipe.note else []
        verified = refusal is None
        if refusal is not None:
            notes.append(recipe.reason or refusal)
        if verified and recipe.pairs:
            paired = pairs_each_layer(spec, made["h_0"], h_n)
            if "c_0" in made and "c_n" in returned:
                paired = paired and pairs_each_layer(spec, made["c_0"], returned["c_n"])
            verified = paired
        rows.append(HandoffRow(recipe.name, recipe.code, shape, call, verified, "; ".join(notes)))
    return tuple(rows)


def evaluate_chunks(
    spec: Spec, module: torch.nn.Module, fed: dict[str, torch.Tensor], returned: dict[str, torch.Tensor]
) -> Chunks:
    """Run the input chunk by chunk, each chunk's final state the next one's initial state."""
    lengths = chunking.chunk_lengths(spec.seq_len, spec.chunks or 1)
    dim = chunking.time_dim(spec)
    state: Any = None
    if "h_0" in fed:
        state = (fed["h_0"], fed["c_0"]) if "c_0" in fed else fed["h_0"]
    outputs = []
    for piece in torch.split(fed["input"], list(lengths), dim=dim):
        output, state = module(piece, state)
        outputs.append(output)
    final = state if isinstance(state, tuple) else (state,)
    whole = [returned["output"], *(returned[key] for key in ("h_n", "c_n") if key in returned)]
    pieces = [torch.cat(outputs, dim=dim), *final]
    diff, equal = compare(whole, pieces, spec.dtype)
    last = None if spec.unbatched else last_batch(spec, module, fed["input"], lengths[-1])
    return Chunks(len(lengths), lengths, diff, equal, last)


def compare(whole: list[torch.Tensor], pieces: list[torch.Tensor], dtype: str) -> tuple[float, bool]:
    """The largest absolute difference, and whether every pair is equal within the dtype's tolerance."""
    tolerance = TOLERANCE[dtype]
    diff = max(
        ((a.double() - b.double()).abs().max().item() if a.numel() else 0.0)
        for a, b in zip(whole, pieces, strict=True)
    )
    equal = all(
        a.shape == b.shape and torch.allclose(a, b, rtol=tolerance, atol=tolerance)
        for a, b in zip(whole, pieces, strict=True)
    )
    return float(diff), equal


def last_batch(spec: Spec, module: torch.nn.Module, x: torch.Tensor, steps: int) -> LastBatch:
    """A state carried from a full batch into a smaller last one: torch's refusal, then the fix run."""
    config = spec.config
    carried = max(spec.batch_size, 2)
    given = carried - 1
    batch_dim = 0 if config.batch_first else 1
    shape = list(x.shape)
    shape[batch_dim], shape[1 - batch_dim] = given, steps
    small = torch.zeros(shape, device=x.device, dtype=x.dtype)
    states = config.num_layers * config.num_directions
    h = torch.zeros(states, carried, config.h_size, device=x.device, dtype=x.dtype)
    state: Any = h
    if config.family == "LSTM":
        state = (h, torch.zeros(states, carried, config.hidden_size, device=x.device, dtype=x.dtype))
    error = None
    try:
        module(small, state)
    except RuntimeError as refusal:
        error = str(refusal).strip().splitlines()[0]
    fix = chunking.last_batch_fix(spec)
    scope: dict[str, Any] = {"h": state, "x": small, "__builtins__": {"tuple": tuple}}
    exec(fix, scope)  # the fix as shown
    try:
        module(small, scope["h"])
        fixed = True
    except RuntimeError:
        fixed = False
    return LastBatch(carried, given, error, fix, fixed)
