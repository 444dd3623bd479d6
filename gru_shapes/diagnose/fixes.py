"""Fixes that really run: the candidates of :mod:`gru_shapes.diagnose.candidates`, best tier first, each
screened on torch's meta device (nothing allocated), estimated against the memory budget, and only
then built and run for real; at most a few are kept, ranked.

No torch here: trials go through the diagnosis's ``Attempt``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import combinations
from math import prod

from gru_shapes.diagnose.candidates import KINDS, LAYOUT, Candidate, candidates, data_change
from gru_shapes.diagnose.diagnosis import Attempt, Fix, Shape, Unbuilt
from gru_shapes.diagnose.given import expected, fed_shapes, reading
from gru_shapes.diagnose.states import state_fixes
from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.model.cost import estimate, human_bytes
from gru_shapes.model.shapes import TensorModel, predict
from gru_shapes.model.spec import Spec, make_spec
from gru_shapes.model.validate import DTYPE_BYTES, flag_text

# At most this many fixes are shown, best first.
SHOWN = 3
# At most this many candidates are tried alone, and the best this many in pairs.
TRIED, PAIRED = 16, 8
_OPTION = {"input": "input_shape", "h_0": "h0_shape", "c_0": "c0_shape"}
_ELEMENT_BYTES = {**DTYPE_BYTES, "int64": 8, "int32": 4}


class Trials:
    """Runs candidates for a diagnosis within the memory budget, and remembers what it skipped."""

    def __init__(self, spec: Spec, attempt: Attempt, budget: int | None) -> None:
        self.spec, self.attempt, self.budget = spec, attempt, budget
        self.ahead: Unbuilt | None = None  # the unbuilt change that ranks before every fix found
        self.tried = 0  # candidates screened

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
        if self.spec.config.is_cell:  # see gru_shapes.run.trial: a cell is judged on a miniature
            text = _(
                "The given tensors need about {size}, over the budget of {budget}: torch's shape checks "
                "ran on a miniature of the call (each size renamed to a small one, equal sizes kept "
                "equal), and no fix was built for real."
            )
        else:
            text = _(
                "The given tensors need about {size}, over the budget of {budget}: torch's shape checks "
                "ran on the meta device, where nothing is allocated, and no fix was built for real."
            )
        return text.format(
            size=human_bytes(self.bytes_for(self.spec, fed, {})), budget=human_bytes(self.budget or 0)
        )

    def notes(self, allocated: bool) -> Iterator[str]:
        """Say so when the best change was not built for the budget (not for given tensors over it:
        the meta note says that)."""
        if self.ahead is not None and allocated:
            yield _(
                "{change} passes torch's shape checks but was not built: it needs about {size}, over the "
                "budget of {budget} (raise it with --max-memory)."
            ).format(
                change=self.ahead.change.split(": ")[0],
                size=human_bytes(self.ahead.total_bytes),
                budget=human_bytes(self.budget or 0),
            )


def find_fixes(
    spec: Spec,
    explained: Spec,
    expected: Mapping[str, TensorModel],
    fed: Mapping[str, Shape],
    trials: Trials,
) -> tuple[tuple[Fix, ...], tuple[Unbuilt, ...]]:
    """The best few candidates torch accepts, best first; when no single change works, two at once:
    a change of the call, the input or the module with the states made to fit the changed call,
    or two changes of the input and the module."""
    # Bounded work whatever the rank of the given tensors: the best few alone, fewer combined.
    changes = sorted(_unique(candidates(spec, explained, expected, fed)), key=lambda c: c.tier)
    states = state_fixes(spec, explained, expected, fed)
    singles = sorted(_unique(iter([*changes, *states])), key=lambda c: c.tier)[:TRIED]
    allocated = trials.fits(spec, fed)
    found: list[Fix] = []
    unbuilt: list[Unbuilt] = []
    for group in (singles, _combined(spec, changes[:PAIRED]) if allocated else []):
        for candidate in sorted(group, key=lambda c: c.tier):
            if len(found) == SHOWN:
                break
            outcome = _try(spec, candidate, trials, real=allocated)
            if isinstance(outcome, Unbuilt):
                unbuilt.append(outcome)
                if not found and trials.ahead is None:
                    trials.ahead = outcome  # it would have been the first fix
            elif outcome:
                found.append(_fix(candidate, len(found) + 1, verified=True))
        if found:
            break
    return tuple(found), tuple(unbuilt[:SHOWN])


def _combined(spec: Spec, changes: list[Candidate]) -> list[Candidate]:
    """Two changes at once: each change with the states' fixes for the call it leaves (a layout flag
    moves the batch the states must have), and two disjoint changes of the input and the module."""
    combined = [change.merged(state) for change in changes for state in states_after(spec, change)]
    combined += [a.merged(b) for a, b in combinations(changes, 2) if _disjoint(a, b)]
    return _unique(iter(combined))


def states_after(spec: Spec, change: Candidate) -> list[Candidate]:
    """The states' fixes once ``change`` is made: against the shapes the changed call expects."""
    try:
        after = make_spec(
            **{
                **spec.options,
                **change.changes,
                **change.after,
                **{_OPTION[key]: shape for key, shape in change.reshaped.items()},
            }
        )
        explained = reading(after)
    except OptionError:
        return []
    wanted = expected(explained)
    fed, _supplied = fed_shapes(after, wanted)
    return state_fixes(after, explained, wanted, fed)


def intent_fixes(
    spec: Spec, explained: Spec, fed: Mapping[str, Shape], meant: Mapping[str, int], trials: Trials
) -> Iterator[Fix]:
    """For shapes torch accepts but reads otherwise than meant: changes that torch accepts and that
    make it read the input as meant."""
    config = explained.config
    shape = fed["input"]
    changes: list[Candidate] = []
    if not config.is_cell and len(shape) == 3:
        other = "(batch, seq, feature)" if not config.batch_first else "(seq, batch, feature)"
        changes.append(
            Candidate(
                LAYOUT,
                _("the input is laid out {layout}").format(layout=other),
                {"batch_first": not config.batch_first},
            )
        )
        changes.append(
            data_change(
                spec,
                "x = x.transpose(0, 1)",
                (shape[1], shape[0], shape[2]),
                _("swap batch and seq in the tensor"),
            )
        )
    if not config.is_cell and len(shape) == 2:
        front = "x = x.unsqueeze(0)" if config.batch_first else "x = x.unsqueeze(1)"
        one = (1, *shape) if config.batch_first else (shape[0], 1, shape[1])
        changes.append(
            data_change(spec, front, one, _("a batch of one sequence of {seq} steps").format(seq=shape[0]))
        )
        each = "x = x.unsqueeze(1)" if config.batch_first else "x = x.unsqueeze(0)"
        many = (shape[0], 1, shape[1]) if config.batch_first else (1, *shape)
        changes.append(
            data_change(spec, each, many, _("{batch} sequences of one step each").format(batch=shape[0]))
        )
    rank = 0
    for candidate in changes:
        variant = _variant(spec, candidate)
        if variant is None:
            continue
        read = reading(_with_shapes(variant, candidate.reshaped))
        got = {"batch_size": None if read.unbatched else read.batch_size, "seq_len": read.seq_len}
        if any(got.get(key) != value for key, value in meant.items()):
            continue
        # Read as meant, the given states may no longer fit (their batch was the one torch read):
        # the change alone, else with the states made to fit.
        for option in [candidate, *(candidate.merged(state) for state in states_after(spec, candidate))]:
            if _try(spec, option, trials, real=trials.fits(spec, fed)) is True:
                rank += 1
                yield _fix(option, rank, verified=True)
                break


def _try(spec: Spec, candidate: Candidate, trials: Trials, real: bool) -> bool | Unbuilt:
    """Screen on the meta device, then run for real within the budget."""
    variant = _variant(spec, candidate)
    if variant is None:
        return False
    trials.tried += 1
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
    fed, _supplied = fed_shapes(variant, expected(reading(variant)))
    return fed


def _unique(found: Iterator[Candidate] | list[Candidate]) -> list[Candidate]:
    seen: list[tuple[str, str]] = []
    kept = []
    for candidate in found:
        key = (repr(sorted(candidate.changes.items())), candidate.code)
        if key not in seen:
            seen.append(key)
            kept.append(candidate)
    return kept


def _disjoint(first: Candidate, second: Candidate) -> bool:
    targets = [set(c.changes) | set(c.reshaped) for c in (first, second)]
    return not targets[0] & targets[1]


def _fix(candidate: Candidate, rank: int, verified: bool) -> Fix:
    flags = " ".join(flag_text(name, value) for name, value in candidate.changes.items())
    code = candidate.code or None
    shown = "; ".join(candidate.code.splitlines())
    what = _("{code} with {flags}").format(code=shown, flags=flags) if code and flags else shown or flags
    reshaped = {_OPTION[key]: shape for key, shape in candidate.reshaped.items()}
    options = {**candidate.changes, **reshaped, **candidate.after}
    options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    return Fix(
        f"{what}: {candidate.why}",
        options,
        verified,
        rank=rank,
        kind=candidate.kind or KINDS[candidate.tier],
        code=code,
        why=candidate.why,
    )
