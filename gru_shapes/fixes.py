"""Fixes for shapes torch refuses, found the way a user would look for them: first what keeps their
data (a layout flag, the tensor they have reshaped), then a module rebuilt to the data's sizes, then
one rebuilt to a state's sizes, last a fresh state. Each candidate is screened on torch's meta device
(nothing allocated), estimated against the memory budget, and only then built and run for real.

No torch here: trials go through the diagnosis's ``Attempt``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from math import prod
from typing import Any

from gru_shapes.cost import estimate, human_bytes
from gru_shapes.diagnose import Attempt, Fix, Shape, Unbuilt, _expected, fed_shapes, layout, reading
from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.shapes import TensorModel, predict
from gru_shapes.spec import Spec, make_spec
from gru_shapes.validate import DTYPE_BYTES, flag_text

# At most this many fixes are shown, best first.
SHOWN = 3
# At most this many candidates are tried alone, and the best this many in pairs.
TRIED, PAIRED = 16, 8
# A rebuilt module may have at most this many times the layers of the given one (and at least 4).
LAYER_BOUND = 4
# Tiers, best first: what keeps the user's tensors before what rebuilds the module, and what matches
# the data before what matches a state that may itself be the mistake.
LAYOUT, DATA, STATE_KEPT, MODULE_FOR_DATA, STATE_CUT, MODULE_FOR_STATE, FRESH_STATE = range(7)
_KINDS = {
    LAYOUT: "layout",
    DATA: "data",
    STATE_KEPT: "state",
    MODULE_FOR_DATA: "module",
    STATE_CUT: "state",
    MODULE_FOR_STATE: "module",
    FRESH_STATE: "shape",
}
_OPTION = {"input": "input_shape", "h_0": "h0_shape", "c_0": "c0_shape"}
_ELEMENT_BYTES = {**DTYPE_BYTES, "int64": 8, "int32": 4}


@dataclass(frozen=True)
class Candidate:
    """A change to try: options of the module or the call, and Python run on the tensors first."""

    tier: int
    why: str
    changes: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    reshaped: dict[str, Shape] = field(default_factory=dict)  # the shapes the code leaves
    kind: str = ""
    after: dict[str, Any] = field(default_factory=dict)  # options that describe the tensors the code leaves

    def merged(self, other: Candidate) -> Candidate:
        code = "\n".join(c for c in (self.code, other.code) if c)
        return Candidate(
            max(self.tier, other.tier),
            f"{self.why}; {other.why}",
            {**self.changes, **other.changes},
            code,
            {**self.reshaped, **other.reshaped},
            self.kind or _KINDS[self.tier],
            {**self.after, **other.after},
        )


class Trials:
    """Runs candidates for a diagnosis within the memory budget, and remembers what it skipped."""

    def __init__(self, spec: Spec, attempt: Attempt, budget: int | None) -> None:
        self.spec, self.attempt, self.budget = spec, attempt, budget

    def bytes_for(self, variant: Spec, fed: Mapping[str, Shape], reshaped: Mapping[str, Shape]) -> int:
        """Tensors fed and left by the code, plus the module's run at the shapes read from them."""
        element = _ELEMENT_BYTES[variant.dtype]
        tensors = sum(prod(shape) for shape in [*fed.values(), *reshaped.values()])
        input_bytes = _ELEMENT_BYTES[variant.input_dtype or variant.dtype]
        tensors_bytes = tensors * max(element, input_bytes)
        try:
            after = _with_shapes(variant, reshaped)
            explained = reading(after)
            return tensors_bytes + estimate(explained, predict(explained)).total_bytes
        except OptionError:
            return tensors_bytes

    def fits(
        self, variant: Spec, fed: Mapping[str, Shape], reshaped: Mapping[str, Shape] | None = None
    ) -> bool:
        return self.budget is None or self.bytes_for(variant, fed, reshaped or {}) <= self.budget

    def meta_note(self, fed: Mapping[str, Shape]) -> str:
        return _(
            "The given tensors need about {size}, over the budget of {budget}: torch's shape checks "
            "ran on the meta device, where nothing is allocated, and no fix was built for real."
        ).format(size=human_bytes(self.bytes_for(self.spec, fed, {})), budget=human_bytes(self.budget or 0))

    def notes(self, unbuilt: tuple[Unbuilt, ...], found: bool, allocated: bool) -> Iterator[str]:
        if unbuilt and not found and allocated:
            yield _(
                "{change} passes torch's shape checks but was not built: it needs about {size}, over the "
                "budget of {budget} (raise it with --max-memory)."
            ).format(
                change=unbuilt[0].change.split(": ")[0],
                size=human_bytes(unbuilt[0].total_bytes),
                budget=human_bytes(self.budget or 0),
            )


def find_fixes(
    spec: Spec,
    explained: Spec,
    expected: Mapping[str, TensorModel],
    fed: Mapping[str, Shape],
    trials: Trials,
) -> tuple[tuple[Fix, ...], tuple[Unbuilt, ...]]:
    """The best few candidates torch accepts, best first; pairs of them when none works alone."""
    candidates = _unique(_candidates(spec, explained, expected, fed))
    candidates.sort(key=lambda c: c.tier)
    # Bounded work whatever the rank of the given tensors: the best few alone, fewer in pairs.
    candidates = candidates[:TRIED]
    allocated = trials.fits(spec, fed)
    found: list[Fix] = []
    unbuilt: list[Unbuilt] = []
    paired = candidates[:PAIRED] if allocated else []
    pairs = [a.merged(b) for a, b in combinations(paired, 2) if _disjoint(a, b)]
    for group in (candidates, pairs):
        for candidate in sorted(group, key=lambda c: c.tier):
            if len(found) == SHOWN:
                break
            outcome = _try(spec, candidate, trials, real=allocated)
            if isinstance(outcome, Unbuilt):
                unbuilt.append(outcome)
            elif outcome:
                found.append(_fix(candidate, len(found) + 1, verified=True))
        if found:
            break
    return tuple(found), tuple(unbuilt[:SHOWN])


def intent_fixes(
    spec: Spec, explained: Spec, fed: Mapping[str, Shape], meant: Mapping[str, int], trials: Trials
) -> Iterator[Fix]:
    """For shapes torch accepts but reads otherwise than meant: changes that torch accepts and that
    make it read the input as meant."""
    config = explained.config
    shape = fed["input"]
    candidates: list[Candidate] = []
    if not config.is_cell and len(shape) == 3:
        other = "(batch, seq, feature)" if not config.batch_first else "(seq, batch, feature)"
        candidates.append(
            Candidate(
                LAYOUT,
                _("the input is laid out {layout}").format(layout=other),
                {"batch_first": not config.batch_first},
            )
        )
        candidates.append(
            _data(
                spec,
                "x = x.transpose(0, 1)",
                (shape[1], shape[0], shape[2]),
                _("swap batch and seq in the tensor"),
            )
        )
    if not config.is_cell and len(shape) == 2:
        front = "x = x.unsqueeze(0)" if config.batch_first else "x = x.unsqueeze(1)"
        one = (1, *shape) if config.batch_first else (shape[0], 1, shape[1])
        candidates.append(
            _data(spec, front, one, _("a batch of one sequence of {seq} steps").format(seq=shape[0]))
        )
        each = "x = x.unsqueeze(1)" if config.batch_first else "x = x.unsqueeze(0)"
        many = (shape[0], 1, shape[1]) if config.batch_first else (1, *shape)
        candidates.append(
            _data(spec, each, many, _("{batch} sequences of one step each").format(batch=shape[0]))
        )
    rank = 0
    for candidate in candidates:
        variant = _variant(spec, candidate)
        if variant is None:
            continue
        read = reading(_with_shapes(variant, candidate.reshaped))
        got = {"batch_size": None if read.unbatched else read.batch_size, "seq_len": read.seq_len}
        if any(got.get(key) != value for key, value in meant.items()):
            continue
        if _try(spec, candidate, trials, real=trials.fits(spec, fed)) is True:
            rank += 1
            yield _fix(candidate, rank, verified=True)


def _try(spec: Spec, candidate: Candidate, trials: Trials, real: bool) -> bool | Unbuilt:
    """Screen on the meta device, then run for real within the budget."""
    variant = _variant(spec, candidate)
    if variant is None:
        return False
    fed = _fed_for(variant)
    if trials.attempt(variant, fed, candidate.code, True) is not None:
        return False
    if not real or not trials.fits(variant, fed, candidate.reshaped):
        fix = _fix(candidate, 0, verified=False)
        return Unbuilt(fix.change, fix.options, trials.bytes_for(variant, fed, candidate.reshaped))
    return trials.attempt(variant, fed, candidate.code, False) is None


def _variant(spec: Spec, candidate: Candidate) -> Spec | None:
    try:
        return make_spec(**{**spec.options, **candidate.changes})
    except OptionError:
        return None


def _with_shapes(variant: Spec, reshaped: Mapping[str, Shape]) -> Spec:
    if not reshaped:
        return variant
    return make_spec(**{**variant.options, **{_OPTION[key]: shape for key, shape in reshaped.items()}})


def _fed_for(variant: Spec) -> dict[str, Shape]:
    """The given tensors as given, and any state the tool supplies in the shape this variant expects."""
    fed, _supplied = fed_shapes(variant, _expected(reading(variant)))
    return fed


def _unique(candidates: Iterator[Candidate]) -> list[Candidate]:
    seen: list[tuple[str, str]] = []
    kept = []
    for candidate in candidates:
        key = (repr(sorted(candidate.changes.items())), candidate.code)
        if key not in seen:
            seen.append(key)
            kept.append(candidate)
    return kept


def _disjoint(first: Candidate, second: Candidate) -> bool:
    targets = [set(c.changes) | set(c.reshaped) for c in (first, second)]
    return not targets[0] & targets[1] and first.tier != FRESH_STATE and second.tier != FRESH_STATE


def _fix(candidate: Candidate, rank: int, verified: bool) -> Fix:
    flags = " ".join(flag_text(name, value) for name, value in candidate.changes.items())
    code = candidate.code or None
    shown = "; ".join(candidate.code.splitlines())
    what = f"{shown} with {flags}" if code and flags else shown or flags
    reshaped = {_OPTION[key]: shape for key, shape in candidate.reshaped.items()}
    options = {**candidate.changes, **reshaped, **candidate.after}
    options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    return Fix(
        f"{what}: {candidate.why}",
        options,
        verified,
        rank=rank,
        kind=candidate.kind or _KINDS[candidate.tier],
        code=code,
        why=candidate.why,
    )


def _data(spec: Spec, code: str, shape: Shape, why: str, tier: int = DATA) -> Candidate:
    return Candidate(tier, why, {}, code, {"input": tuple(shape)}, "data")


def _candidates(
    spec: Spec, explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]
) -> Iterator[Candidate]:
    yield from _call_candidates(spec, expected, fed)
    yield from _dtype_candidates(spec, explained, fed)
    yield from _input_candidates(spec, explained, fed)
    for key in ("h_0", "c_0"):
        if key in fed and fed[key] != expected[key].shape:
            yield from _state_candidates(spec, explained, key, fed[key], expected[key])


def _call_candidates(
    spec: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]
) -> Iterator[Candidate]:
    if spec.config.family != "LSTM" or spec.hx_form != "tensor":
        return
    c_shape = expected["c_0"].shape
    zeros = f"torch.zeros({', '.join(map(str, c_shape))})"
    yield Candidate(
        LAYOUT,
        _("an LSTM takes (h_0, c_0) as one tuple; c_0 starts at zeros here"),
        {},
        f"hx = (h_0, {zeros})",
        {"c_0": c_shape},
        "call",
        {"hx_form": "tuple"},
    )


def _dtype_candidates(spec: Spec, explained: Spec, fed: Mapping[str, Shape]) -> Iterator[Candidate]:
    dtype = spec.input_dtype
    if dtype is None or dtype == spec.dtype:
        return
    config = explained.config
    shape = fed["input"]
    to = ".float()" if spec.dtype == "float32" else f".to(torch.{spec.dtype})"
    after = {"input_dtype": spec.dtype}
    convert = Candidate(
        DATA,
        _("numeric data: convert it to the module's dtype"),
        {},
        f"x = x{to}",
        {"input": shape},
        "data",
        after,
    )
    if dtype.startswith(("float", "bfloat")):
        yield convert
        return
    cast = "" if spec.dtype == "float32" else f".to(torch.{spec.dtype})"
    embed = Candidate(
        DATA,
        _("token ids: look each one up in an nn.Embedding of input_size={size} features").format(
            size=config.input_size
        ),
        {},
        f"x = nn.Embedding(int(x.max()) + 1, {config.input_size})(x){cast}",
        {"input": (*shape, config.input_size)},
        "data",
        after,
    )
    numeric = len(shape) >= 1 and shape[-1] == config.input_size
    yield from (convert, embed) if numeric else (embed, convert)


def _input_candidates(spec: Spec, explained: Spec, fed: Mapping[str, Shape]) -> Iterator[Candidate]:
    config = explained.config
    shape = fed["input"]
    features = config.input_size
    ranks = (2, 1) if config.is_cell else (3, 2)
    if not config.is_cell and len(shape) == 3:
        other = "(batch, seq, feature)" if not config.batch_first else "(seq, batch, feature)"
        yield Candidate(
            LAYOUT,
            _("the input reads as {layout}").format(layout=other),
            {"batch_first": not config.batch_first},
        )
        yield _data(
            spec,
            "x = x.transpose(0, 1)",
            (shape[1], shape[0], shape[2]),
            _("swap batch and seq in the tensor"),
        )
    for axis, size in enumerate(shape):
        if size == 1 and len(shape) - 1 == ranks[0]:
            squeezed = shape[:axis] + shape[axis + 1 :]
            yield _data(
                spec, f"x = x.squeeze({axis})", squeezed, _("drop the size-1 dim {axis}").format(axis=axis)
            )
    if len(shape) > ranks[0] and not config.is_cell:  # a cell's steps are not sequences: no folding
        yield from _folds(spec, shape, features, ranks[0])
    if not config.is_cell and len(shape) == 2 and shape[-1] != features:
        if features == 1:
            yield _data(
                spec,
                "x = x.unsqueeze(-1)",
                (*shape, 1),
                _("one feature per step: each number is a time step, not a feature"),
            )
        if shape[0] == features:
            yield _data(
                spec,
                "x = x.transpose(0, 1)",
                (shape[1], shape[0]),
                _("features first: make them the last dim"),
            )
        if features > 1 and shape[1] % features == 0 and shape[1] > features:
            folded = (shape[0], shape[1] // features, features)
            yield _data(
                spec,
                f"x = x.reshape({', '.join(map(str, folded))})",
                folded,
                _("split each row into steps of {features} features").format(features=features),
            )
    if len(shape) == ranks[0] and shape[-1] != features and len(shape) >= 2 and shape[-2] == features:
        permuted = (*shape[:-2], shape[-1], shape[-2])
        yield _data(
            spec,
            f"x = x.transpose({len(shape) - 2}, {len(shape) - 1})",
            permuted,
            _("features are in dim {axis}: move them last").format(axis=len(shape) - 2),
        )
    if len(shape) == ranks[1] and shape and shape[-1] != features and features == 1 and config.is_cell:
        yield _data(spec, "x = x.unsqueeze(-1)", (*shape, 1), _("one feature per row"))
    if len(shape) < ranks[1] and shape and not config.is_cell:
        if shape[-1] == features:
            yield _data(spec, "x = x.unsqueeze(0)", (1, *shape), _("one time step of one sequence"))
        if features == 1:
            yield _data(
                spec,
                "x = x.unsqueeze(-1)",
                (*shape, 1),
                _("{steps} steps of one feature").format(steps=shape[0]),
            )
    if shape and shape[-1] >= (0 if config.is_cell else 1) and shape[-1] != features and len(shape) in ranks:
        yield Candidate(
            MODULE_FOR_DATA,
            _("build the module for the input's features (its last dim)"),
            {"input_size": shape[-1]},
        )
    if config.is_cell and len(shape) == 3:
        yield Candidate(
            MODULE_FOR_DATA,
            _("a cell takes one step; nn.{module} takes the whole sequence").format(module=config.family),
            {"module": config.family},
        )
    if not config.is_cell and len(shape) == 1:
        yield Candidate(
            MODULE_FOR_DATA,
            _("a 1-D input is one step of one sequence: nn.{module}").format(module=config.family + "Cell"),
            {"module": config.family + "Cell"},
        )


def _folds(spec: Spec, shape: Shape, features: int, rank: int) -> Iterator[Candidate]:
    """A tensor of too many dims folded into ``rank`` dims, its numbers kept: first the folds that
    keep the features last, then those that also need the module rebuilt for their last dim."""
    folds: list[tuple[Shape, int, int]] = []
    for start in range(len(shape) - 1):
        end = start + len(shape) - rank  # merge dims start..end into one
        if end >= len(shape):
            break
        merged = (*shape[:start], prod(shape[start : end + 1]), *shape[end + 1 :])
        folds.append((merged, start, end))
    # Features last first; then folds that keep dim 0 (the batch, or the steps) as it is.
    for merged, start, end in sorted(folds, key=lambda f: (f[0][-1] != features, f[1] == 0)):
        code = f"x = x.reshape({', '.join(map(str, merged))})"
        sizes = " × ".join(map(str, shape[start : end + 1]))
        why = _("fold dims {start}-{end} into one ({sizes} = {size})").format(
            start=start, end=end, sizes=sizes, size=merged[start]
        )
        if merged[-1] == features:
            yield _data(spec, code, merged, why)
        elif merged[-1] >= 1:
            yield Candidate(
                MODULE_FOR_DATA,
                why + "; " + _("build the module for the input's features (its last dim)"),
                {"input_size": merged[-1]},
                code,
                {"input": merged},
                "data",
            )


def _state_candidates(
    spec: Spec, explained: Spec, key: str, given: Shape, want: TensorModel
) -> Iterator[Candidate]:
    config = explained.config
    expected = want.shape
    name = key
    if len(given) == len(expected) - 1 and (1, *given) == expected:
        yield _state(
            key,
            STATE_KEPT,
            f"{name} = {name}.unsqueeze(0)",
            expected,
            _("add the missing dim 0 ({key} is {layout})").format(key=key, layout=layout(want)),
        )
    if len(given) == len(expected) + 1 and given[0] == 1 and given[1:] == expected:
        yield _state(
            key,
            STATE_KEPT,
            f"{name} = {name}.squeeze(0)",
            expected,
            _("an unbatched input takes an unbatched state"),
        )
    same_rank = len(given) == len(expected)
    if same_rank and len(given) == 3 and (given[1], given[0], given[2]) == expected:
        yield _state(
            key,
            STATE_KEPT,
            f"{name} = {name}.transpose(0, 1).contiguous()",
            expected,
            _("{key} keeps batch in dim 1, whatever batch_first says").format(key=key),
        )
    if same_rank and not config.is_cell and len(given) >= 2:
        rest_same = given[1:] == expected[1:]
        if rest_same and not config.bidirectional and given[0] == 2 * expected[0]:
            sizes = ", ".join(map(str, given[1:]))
            yield _state(
                key,
                STATE_KEPT,
                f"{name} = {name}.view({expected[0]}, 2, {sizes}).sum(1)",
                expected,
                _("a bidirectional state: add its two directions, layer by layer"),
            )
        if rest_same and given[0] > expected[0]:
            yield _state(
                key,
                STATE_CUT,
                f"{name} = {name}[-{expected[0]}:]",
                expected,
                _("keep the last {count} of dim 0 (D × num_layers, layer-major): the top layer").format(
                    count=expected[0]
                ),
            )
    batch_axis = next((i for i, d in enumerate(want.dims) if d.name == "batch"), None)
    if same_rank and batch_axis is not None:
        others = [i for i in range(len(given)) if i != batch_axis]
        if all(given[i] == expected[i] for i in others) and given[batch_axis] > expected[batch_axis]:
            index = ", ".join([":"] * batch_axis + [f":{expected[batch_axis]}"])
            yield _state(
                key,
                STATE_CUT,
                f"{name} = {name}[{index}]",
                expected,
                _("a smaller last batch: keep the state of its {count} sequences").format(
                    count=expected[batch_axis]
                ),
            )
    if given and given[-1] >= 1 and given[-1] != expected[-1] and same_rank:
        option = "hidden_size"
        if key == "h_0" and config.proj_size:
            option = "proj_size"
        elif key == "h_0" and config.family == "LSTM" and config.proj_size == 0:
            option = "hidden_size"
        yield Candidate(
            MODULE_FOR_STATE,
            _("build the module for {key}'s features (its last dim)").format(key=key),
            {option: given[-1]},
        )
    if same_rank and not config.is_cell and given and given[0] >= 1 and given[0] != expected[0]:
        why = _("{key}'s dim 0 is D × num_layers").format(key=key)
        d = config.num_directions
        if given[0] % d == 0 and given[0] // d <= max(LAYER_BOUND, LAYER_BOUND * config.num_layers):
            yield Candidate(MODULE_FOR_STATE, why, {"layers": given[0] // d})
    zeros = f"torch.zeros({', '.join(map(str, expected))})"
    yield _state(
        key,
        FRESH_STATE,
        f"{name} = {zeros}",
        expected,
        _("start from zeros: {key} must be {layout}").format(key=key, layout=layout(want)),
    )


def _state(key: str, tier: int, code: str, shape: Shape, why: str) -> Candidate:
    return Candidate(tier, why, {}, code, {key: tuple(shape)}, _KINDS[tier])
