"""Diagnosing given shapes: does torch accept them, which dimension is wrong and why, and fixes
that were each tried by running them (no torch here: the caller passes the function that tries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.shapes import TensorModel, predict
from gru_shapes.spec import GivenShapes, Spec, make_spec
from gru_shapes.validate import flag_text

Shape = tuple[int, ...]
# Feeds the spec's module tensors of these shapes; returns torch's error message, or None if it ran.
Attempt = Callable[[Spec, Mapping[str, Shape]], "str | None"]

_GIVEN = {"input": "input_shape", "h_0": "h0_shape", "c_0": "c0_shape"}


@dataclass(frozen=True)
class Fix:
    """A change of options that makes torch accept the shapes, verified by running it."""

    change: str
    options: dict[str, Any]
    verified: bool


@dataclass(frozen=True)
class Diagnosis:
    """What torch said about the shapes fed, and why."""

    compatible: bool
    fed: dict[str, Shape]
    expected: dict[str, Shape]
    torch_error: str | None
    explanation: str
    fixes: tuple[Fix, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "compatible": self.compatible,
            "given": {key: list(shape) for key, shape in self.fed.items()},
            "expected": {key: list(shape) for key, shape in self.expected.items()},
            "torch_error": self.torch_error,
            "explanation": self.explanation,
            "fixes": [{"change": f.change, "options": f.options, "verified": f.verified} for f in self.fixes],
        }


def reading(spec: Spec) -> Spec:
    """The spec to explain: the module as built, at the batch and sequence length read from the
    given input shape where its rank allows (else as the options say), with no shapes given.

    >>> s = reading(make_spec(batch_first=False, input_shape="35,4,10", h0_shape="1,4,32"))
    >>> s.batch_size, s.seq_len, s.given
    (4, 35, None)
    """
    options = {k: v for k, v in spec.options.items() if k not in _GIVEN.values()}
    shape = spec.given.input if spec.given else None
    if shape is not None:
        options.update(_read_input(spec, shape))
    return make_spec(**options)


def diagnose(spec: Spec, explained: Spec, attempt: Attempt) -> Diagnosis:
    """Feed the given shapes to torch; if it refuses, say why and find fixes that run.

    ``explained`` is :func:`reading` of ``spec``, which the caller explains anyway.
    """
    expected = _expected(explained)
    fed = _fed(spec.given, expected)
    shapes = {key: t.shape for key, t in expected.items()}
    error = attempt(spec, fed)
    if error is None:
        return Diagnosis(True, fed, shapes, None, _accepted(explained, expected, fed), ())
    problems = list(_problems(explained, expected, fed))
    explanation = " ".join(problems) or _("torch refused these shapes; its message says why.")
    fixes = tuple(_fixes(spec, explained, expected, fed, attempt))
    return Diagnosis(False, fed, shapes, error, explanation, fixes)


def _read_input(spec: Spec, shape: Shape) -> dict[str, Any]:
    config = spec.config
    batched = 2 if config.is_cell else 3
    if len(shape) == batched - 1 and (config.is_cell or shape[0] >= 1):
        return {"unbatched": True} if config.is_cell else {"unbatched": True, "seq_len": shape[0]}
    if len(shape) != batched:
        return {}
    if config.is_cell:
        return {"batch_size": shape[0]}
    batch, seq = (shape[0], shape[1]) if config.batch_first else (shape[1], shape[0])
    return {"batch_size": batch, "seq_len": seq} if seq >= 1 else {"batch_size": batch}


def _expected(explained: Spec) -> dict[str, TensorModel]:
    tensors = {t.key: t for t in predict(explained).tensors}
    return {key: tensors[key] for key in _GIVEN if key in tensors}


def _fed(given: GivenShapes | None, expected: Mapping[str, TensorModel]) -> dict[str, Shape]:
    """The shapes to try: those given, plus what an LSTM needs to complete (h_0, c_0) or the input."""
    fed = {"input": given.input if given and given.input else expected["input"].shape}
    states = {"h_0": given.h_0 if given else None, "c_0": given.c_0 if given else None}
    if any(states.values()):
        for key, shape in states.items():
            if key in expected:
                fed[key] = shape or expected[key].shape
    return fed


def _accepted(explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]) -> str:
    names = ", ".join(f"{d.name}={d.size}" for d in expected["input"].dims)
    shape = list(fed["input"])
    if len(shape) == 3:
        text = _(
            "torch accepts these shapes; input {shape} reads as ({names}) because batch_first={batch_first}."
        )
    elif explained.unbatched:
        text = _(
            "torch accepts these shapes; input {shape} reads as ({names}): "
            "a tensor without a batch dim is one unbatched sequence."
        )
    else:
        text = _("torch accepts these shapes; input {shape} reads as ({names}).")
    return text.format(shape=shape, names=names, batch_first=explained.config.batch_first)


def _problems(
    explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]
) -> Iterator[str]:
    config = explained.config
    shape = fed["input"]
    ranks = (2, 1) if config.is_cell else (3, 2)
    if len(shape) not in ranks:
        if config.is_cell:
            layout = "(batch, input_size)"
        else:
            layout = "(batch, seq, input_size)" if config.batch_first else "(seq, batch, input_size)"
        if config.is_cell:
            text = _(
                "input has {count} dims, but nn.{module} takes {batched}: {layout}, or {unbatched} for one step."
            )
        else:
            text = _(
                "input has {count} dims, but nn.{module} takes {batched}: {layout}, "
                "or {unbatched} for one unbatched sequence."
            )
        yield text.format(
            count=len(shape), module=config.module, batched=ranks[0], layout=layout, unbatched=ranks[1]
        )
    elif shape[-1] != config.input_size:
        yield _(
            "The last dim of input holds the features at each step: {size}, "
            "but the module was built with input_size={input_size}."
        ).format(size=shape[-1], input_size=config.input_size)
    if not config.is_cell and len(shape) in ranks and 0 in shape[:-1]:
        seq_axis = 0 if len(shape) == 2 or not config.batch_first else 1
        if shape[seq_axis] == 0:
            yield _("The input has 0 time steps; torch needs at least one.")
    for key in ("h_0", "c_0"):
        if key in fed and fed[key] != expected[key].shape:
            yield _state_problem(key, fed[key], expected[key], explained)


def _layout(tensor: TensorModel) -> str:
    """``(D × num_layers, batch_size, hidden_size) = (2, 1, 32)``: what each dim must be, and its size."""
    terms = ", ".join(d.formula.split(" = ")[0] for d in tensor.dims)
    return f"({terms}) = {tuple(tensor.shape)}"


def _state_problem(key: str, given: Shape, expected: TensorModel, explained: Spec) -> str:
    want = _("{key} must be {layout}").format(key=key, layout=_layout(expected))
    if len(given) != len(expected.dims):
        return _("{key} has {count} dims, but with this input {want}.").format(
            key=key, count=len(given), want=want
        )
    wrong = [
        _("dim {index} ({name}) is {size}, not {expected}").format(
            index=i, name=d.name, size=size, expected=d.size
        )
        for i, (d, size) in enumerate(zip(expected.dims, given, strict=True))
        if size != d.size
    ]
    swapped = len(given) == 3 and (given[1], given[0], given[2]) == expected.shape
    if swapped and explained.config.batch_first:
        return _("{want}: batch_first=True moves batch in input and output only, never in {key}.").format(
            want=want, key=key
        )
    batch_wrong = any(
        d.name == "batch" and size != d.size for d, size in zip(expected.dims, given, strict=True)
    )
    if batch_wrong and not explained.config.is_cell:
        axis = 0 if explained.config.batch_first else 1
        source = "; " + _("batch is read from input dim {axis} because batch_first={batch_first}").format(
            axis=axis, batch_first=explained.config.batch_first
        )
    else:
        source = ""
    return f"{want}: {'; '.join(wrong)}{source}."


def _candidates(
    explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]
) -> Iterator[tuple[dict[str, Any], str]]:
    """Changes that might make torch accept the shapes, each with the reason it would."""
    config = explained.config
    shape = fed["input"]
    family = config.family
    if not config.is_cell and len(shape) == 3:
        layout = "(batch, seq, feature)" if not config.batch_first else "(seq, batch, feature)"
        yield {"batch_first": not config.batch_first}, _("the input reads as {layout}").format(layout=layout)
    if shape and shape[-1] >= (0 if config.is_cell else 1) and shape[-1] != config.input_size:
        yield {"input_size": shape[-1]}, _("build the module for the input's features (its last dim)")
    for axis, size in enumerate(shape):
        if size == 1 and len(shape) > (2 if config.is_cell else 3):
            squeezed = shape[:axis] + shape[axis + 1 :]
            yield (
                {"input_shape": squeezed},
                _("drop the size-1 dim {axis}: x.squeeze({axis})").format(axis=axis),
            )
    if config.is_cell and len(shape) == 3:
        yield (
            {"module": family},
            _("a cell takes one step; nn.{module} takes the whole sequence").format(module=family),
        )
    if not config.is_cell and len(shape) == 1:
        yield (
            {"module": family + "Cell"},
            _("a 1-D input is one step of one sequence: nn.{module}").format(module=family + "Cell"),
        )
    for key in ("h_0", "c_0"):
        if key not in fed or fed[key] == expected[key].shape:
            continue
        given, want = fed[key], expected[key]
        option = _GIVEN[key]
        yield {option: want.shape}, _("{key} must be {layout}").format(key=key, layout=_layout(want))
        if given and given[-1] >= 1 and given[-1] != want.shape[-1]:
            feature_option = "proj_size" if key == "h_0" and config.proj_size else "hidden_size"
            yield (
                {feature_option: given[-1]},
                _("build the module for {key}'s features (its last dim)").format(key=key),
            )
        if (
            not config.is_cell
            and len(given) == len(want.dims)
            and given[0] != want.shape[0]
            and given[0] >= 1
        ):
            why = _("{key}'s dim 0 is D × num_layers").format(key=key)
            yield {"layers": given[0], "bidirectional": False}, why
            if given[0] % 2 == 0:
                yield {"layers": given[0] // 2, "bidirectional": True}, why


def _fixes(
    spec: Spec,
    explained: Spec,
    expected: Mapping[str, TensorModel],
    fed: Mapping[str, Shape],
    attempt: Attempt,
) -> Iterator[Fix]:
    """The candidates that torch accepts, tried one by one; pairs of them when none works alone."""
    # The given shapes stay as they are (an LSTM's missing state as completed) unless a fix changes them.
    current = {**spec.options, **{_GIVEN[key]: shape for key, shape in fed.items() if key != "input"}}
    config = explained.config
    effective = {
        **current,
        "module": config.module,
        "batch_first": config.batch_first,
        "bidirectional": config.bidirectional,
        "layers": config.num_layers,
        "input_size": config.input_size,
        "hidden_size": config.hidden_size,
        "proj_size": config.proj_size,
        "input_shape": fed["input"],
    }
    candidates: list[tuple[dict[str, Any], str]] = []
    for changes, why in _candidates(explained, expected, fed):
        changes = {k: v for k, v in changes.items() if effective.get(k) != v}
        if changes and changes not in [c for c, _ in candidates]:
            candidates.append((changes, why))
    found = False
    for changes, why in candidates:
        if _runs(current, changes, attempt):
            found = True
            yield _fix(changes, why)
    if found:
        return
    for (first, why_first), (second, why_second) in combinations(candidates, 2):
        changes = {**first, **second}
        if not set(first) & set(second) and _runs(current, changes, attempt):
            found = True
            yield _fix(changes, f"{why_first}; {why_second}")
    if found:
        return
    # Last resort, and still concrete: every given tensor in the shape this module expects here.
    changes = {_GIVEN[key]: expected[key].shape for key in fed if fed[key] != expected[key].shape}
    if changes and _runs(current, changes, attempt):
        layouts = "; ".join(f"{key} {_layout(expected[key])}" for key in fed if _GIVEN[key] in changes)
        yield _fix(
            changes,
            _("feed the shapes nn.{module} expects here: {layouts}").format(
                module=explained.module, layouts=layouts
            ),
        )


def _runs(current: dict[str, Any], changes: dict[str, Any], attempt: Attempt) -> bool:
    try:
        variant = make_spec(**{**current, **changes})
    except OptionError:
        return False
    return attempt(variant, _fed(variant.given, _expected(reading(variant)))) is None


def _fix(changes: dict[str, Any], why: str) -> Fix:
    flags = " ".join(flag_text(name, value) for name, value in changes.items())
    options = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
    return Fix(f"{flags}: {why}", options, verified=True)
