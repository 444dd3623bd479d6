"""Diagnosing given shapes: does torch accept them, which dimension is wrong and why, how torch reads
what it accepts, and fixes that were each tried by running them (no torch here: the caller passes
the function that tries; :mod:`gru_shapes.diagnose.fixes` finds and ranks the fixes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from math import prod
from typing import Any

from gru_shapes.i18n import _
from gru_shapes.model.shapes import TensorModel, predict
from gru_shapes.model.spec import GivenShapes, Spec, make_spec

Shape = tuple[int, ...]
# Feeds the spec's module tensors of these shapes, after running the code (Python on x, h_0, c_0),
# on torch's meta device when the flag is set; returns torch's error message, or None if it ran.
Attempt = Callable[[Spec, Mapping[str, Shape], str, bool], "str | None"]

_GIVEN = {"input": "input_shape", "h_0": "h0_shape", "c_0": "c0_shape"}
# An attempt's message that is the tool's own, not torch's: the call was not made (see trial.NOT_RUN).
NOT_RUN = "not run: "
# Options that, beside --input-shape, state what the user meant rather than set the run.
_INTENT = ("batch_size", "seq_len")


@dataclass(frozen=True)
class Fix:
    """A change that makes torch accept the shapes, verified by running it: options to change, and
    Python to apply to ``x`` / ``h_0`` when the change is to the user's tensors.

    ``rank`` is 1 for the best fix; ``kind`` is ``layout`` (a flag of the layout), ``call`` (how the
    state is passed), ``data`` (the input reshaped or converted, its values kept), ``state`` (h_0 or
    c_0 reshaped, or part of it kept), ``module`` (the module rebuilt) or ``shape`` (a fresh state
    of the expected shape).
    """

    change: str
    options: dict[str, Any]
    verified: bool
    rank: int = 1
    kind: str = "module"
    code: str | None = None
    why: str = ""


@dataclass(frozen=True)
class Unbuilt:
    """A change that passed torch's shape checks on the meta device but was not built: its module
    and tensors would need more memory than the budget allows."""

    change: str
    options: dict[str, Any]
    total_bytes: int


@dataclass(frozen=True)
class Diagnosis:
    """What torch said about the shapes fed, and why.

    ``verdict`` is ``refused``, ``accepted``, or ``suspect`` when torch accepts but reads the input
    differently from what was meant (``--batch-size`` / ``--seq-len`` beside ``--input-shape``) or
    in a way that looks mistaken (batch-major data fed to a seq-first module).
    """

    compatible: bool
    fed: dict[str, Shape]
    expected: dict[str, Shape]
    torch_error: str | None
    explanation: str
    fixes: tuple[Fix, ...]
    verdict: str = "refused"
    notes: tuple[str, ...] = ()
    supplied: tuple[str, ...] = ()  # states the tool filled in, in the shape expected
    unbuilt: tuple[Unbuilt, ...] = ()
    allocated: bool = True  # False: the given tensors were over the budget and judged on the meta device

    def to_dict(self) -> dict[str, Any]:
        return {
            "compatible": self.compatible,
            "given": {key: list(shape) for key, shape in self.fed.items()},
            "expected": {key: list(shape) for key, shape in self.expected.items()},
            "torch_error": self.torch_error,
            "explanation": self.explanation,
            "fixes": [
                {
                    "change": f.change,
                    "options": f.options,
                    "verified": f.verified,
                    "rank": f.rank,
                    "kind": f.kind,
                    "code": f.code,
                    "why": f.why,
                }
                for f in self.fixes
            ],
            "verdict": self.verdict,
            "notes": list(self.notes),
            "supplied": list(self.supplied),
            "unbuilt": [
                {"change": u.change, "options": u.options, "total_bytes": u.total_bytes} for u in self.unbuilt
            ],
            "allocated": self.allocated,
        }


def needs_diagnosis(spec: Spec) -> bool:
    """Whether the user asked torch to try something: shapes, the call form, or the input's dtype."""
    odd_dtype = spec.input_dtype is not None and spec.input_dtype != spec.dtype
    odd_call = spec.config.family == "LSTM" and spec.hx_form == "tensor"
    return spec.given is not None or odd_dtype or odd_call


def reading(spec: Spec) -> Spec:
    """The spec to explain: the module as built, at the batch and sequence length read from the
    given input shape where its rank allows (else as the options say), with no shapes given.

    >>> s = reading(make_spec(batch_first=False, input_shape="35,4,10", h0_shape="1,4,32"))
    >>> s.batch_size, s.seq_len, s.given
    (4, 35, None)
    >>> s = reading(make_spec(module="lstm", input_shape="5,100,10,10"))
    >>> s.batch_size, s.seq_len
    (5, 1000)
    """
    options = {k: v for k, v in spec.options.items() if k not in _GIVEN.values()}
    options.pop("input_dtype", None)
    shape = spec.given.input if spec.given else None
    if shape is not None:
        for key in _INTENT:  # stated intent, not the run: the input's shape sets these
            options.pop(key, None)
        if spec.lengths is None:
            options.update(_read_input(spec, shape))
    return make_spec(**options)


def intent(spec: Spec) -> dict[str, int]:
    """What the user said they meant beside ``--input-shape``: batch and seq (``--lengths`` too)."""
    meant = {key: spec.options[key] for key in _INTENT if key in spec.options and spec.given}
    if spec.lengths is not None and spec.given and spec.given.input is not None:
        meant = {"batch_size": len(spec.lengths)}
    return {key: int(value) for key, value in meant.items()}


def diagnose(spec: Spec, explained: Spec, attempt: Attempt, budget: int | None = None) -> Diagnosis:
    """Feed the given shapes to torch; if it refuses, say why and find fixes that run; if it accepts,
    say how it reads them and whether that is what was meant.

    ``explained`` is :func:`reading` of ``spec``, which the caller explains anyway. ``budget`` bounds
    the bytes any trial may allocate: given tensors over it are judged on torch's meta device.
    """
    from gru_shapes.diagnose.fixes import Trials, find_fixes, intent_fixes

    expected = _expected(explained)
    fed, supplied = _fed(spec, expected)
    shapes = {key: t.shape for key, t in expected.items()}
    trials = Trials(spec, attempt, budget)
    allocated = trials.fits(spec, fed)
    error = attempt(spec, fed, "", not allocated)
    notes = list(_notes(spec, explained, fed, supplied, allocated, trials))
    if error is None:
        meant, suspect_text = _reading_suspect(spec, explained, fed)
        fixes: tuple[Fix, ...] = ()
        verdict = "accepted"
        explanation = _accepted(explained, expected, fed)
        if meant:
            verdict = "suspect" if suspect_text else "accepted"
            fixes = tuple(intent_fixes(spec, explained, fed, meant, trials))
            if suspect_text:
                explanation = suspect_text
        return Diagnosis(
            True, fed, shapes, None, explanation, fixes, verdict, tuple(notes), supplied, (), allocated
        )
    problems = list(_problems(explained, expected, fed, spec))
    if error.startswith(NOT_RUN):  # the tool's own words: torch would have crashed, not answered
        problems.insert(0, _("torch was not called: {reason}.").format(reason=error.removeprefix(NOT_RUN)))
    explanation = " ".join(problems) or _("torch refused these shapes; its message says why.")
    fixes, unbuilt = find_fixes(spec, explained, expected, fed, trials)
    notes.extend(trials.notes(allocated))
    torch_error = None if error.startswith(NOT_RUN) else error
    return Diagnosis(
        False,
        fed,
        shapes,
        torch_error,
        explanation,
        fixes,
        "refused",
        tuple(notes),
        supplied,
        unbuilt,
        allocated,
    )


def _read_input(spec: Spec, shape: Shape) -> dict[str, Any]:
    config = spec.config
    batched = 2 if config.is_cell else 3
    features = config.input_size
    seq_kept = prod(shape[1:-1]) if config.batch_first else shape[0]
    if not config.is_cell and len(shape) > batched and shape[-1] == features and seq_kept >= 1:
        # Folded into (batch, seq, features) with the first dim kept: what x.reshape would make.
        middle = prod(shape[1:-1])
        first = {"batch_size": shape[0], "seq_len": middle} if config.batch_first else {}
        return first or {"batch_size": middle, "seq_len": shape[0]}
    if not config.is_cell and len(shape) == 2 and shape[-1] != features and features == 1 and shape[1] >= 1:
        shape = (*shape, 1)  # one feature per step: read as x.unsqueeze(-1)
    if not config.is_cell and len(shape) == 1 and shape[0] >= 1 and features in (1, shape[0]):
        # One step of features (x.unsqueeze(0)), or steps of one feature (x.unsqueeze(-1)).
        return {"unbatched": True, "seq_len": 1 if shape[0] == features else shape[0]}
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


def fed_shapes(spec: Spec, expected: Mapping[str, TensorModel]) -> tuple[dict[str, Shape], tuple[str, ...]]:
    """The shapes to try, and which of them the tool supplied (see :func:`_fed`)."""
    return _fed(spec, expected)


def _fed(spec: Spec, expected: Mapping[str, TensorModel]) -> tuple[dict[str, Shape], tuple[str, ...]]:
    """The shapes to try: those given, plus what the call needs to be complete: the input, and the
    LSTM's other state when one was given and the state is passed as a tuple."""
    given: GivenShapes | None = spec.given
    fed = {"input": given.input if given and given.input else expected["input"].shape}
    supplied: list[str] = []
    states = {"h_0": given.h_0 if given else None, "c_0": given.c_0 if given else None}
    if spec.config.family == "LSTM" and spec.hx_form == "tensor":
        fed["h_0"] = states["h_0"] or expected["h_0"].shape
        if states["h_0"] is None:
            supplied.append("h_0")
        return fed, tuple(supplied)
    if any(states.values()):
        for key, shape in states.items():
            if key in expected:
                fed[key] = shape or expected[key].shape
                if shape is None:
                    supplied.append(key)
    return fed, tuple(supplied)


def _notes(
    spec: Spec,
    explained: Spec,
    fed: Mapping[str, Shape],
    supplied: tuple[str, ...],
    allocated: bool,
    trials: Any,
) -> Iterator[str]:
    config = explained.config
    shape = fed["input"]
    if not config.is_cell and len(shape) == 2:
        yield _(
            "A 2-D input to nn.{module} is one unbatched sequence (seq={seq}, feature={feature}), "
            "whatever batch_first says."
        ).format(module=config.module, seq=shape[0], feature=shape[1])
    for key in supplied:
        yield _("{key} {shape} was not given: gru-shapes supplied it, in the shape expected here.").format(
            key=key, shape=list(fed[key])
        )
    if "c_0" in supplied and spec.hx_form == "tuple":
        yield _("If your code passes h alone, add --hx-form tensor to see what torch says.")
    if not allocated:
        yield trials.meta_note(fed)
    if spec.lengths is not None and not config.is_cell and spec.given is not None:
        yield _(
            "pack_padded_sequence and pad_packed_sequence each take their own batch_first "
            "(default False): pass batch_first={batch_first} to both."
        ).format(batch_first=config.batch_first)


def _reading_suspect(spec: Spec, explained: Spec, fed: Mapping[str, Shape]) -> tuple[dict[str, int], str]:
    """What the user meant, when it can be told, and the warning when torch reads it otherwise."""
    config = explained.config
    shape = fed["input"]
    meant = intent(spec)
    read = {"batch_size": None if explained.unbatched else explained.batch_size, "seq_len": explained.seq_len}
    if not meant and not config.is_cell and len(shape) == 3 and not config.batch_first and "h_0" not in fed:
        # Batch-major data fed to a seq-first module: a batch size of a power of two read as the sequence.
        first, second = shape[0], shape[1]
        if first >= 8 and first & (first - 1) == 0 and second & (second - 1) != 0:
            meant = {"batch_size": first, "seq_len": second}
    if not meant and not config.is_cell and len(shape) == 2:
        meant = {"batch_size": 1}  # a 2-D input is most often meant as a batch of one
        return meant, ""
    if not meant or all(read.get(key) == value for key, value in meant.items()):
        return meant, ""
    names = ", ".join(f"{d.name}={d.size}" for d in predict(explained).tensor("input").dims)
    if intent(spec):
        why = _("you said {meant}").format(meant=_meant_text(meant))
    else:
        why = _("dim 0 ({size}) looks like a batch size").format(size=shape[0])
    return meant, _("torch accepts, but reads your input {shape} as ({names}); {why}.").format(
        shape=list(shape), names=names, why=why
    )


def _meant_text(meant: Mapping[str, int]) -> str:
    words = {"batch_size": "batch", "seq_len": "seq"}
    return ", ".join(f"{words[key]}={value}" for key, value in meant.items())


def _accepted(explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]) -> str:
    names = ", ".join(f"{d.name}={d.size}" for d in expected["input"].dims)
    shape = list(fed["input"])
    if explained.lengths is not None and len(shape) == 3:
        return _(
            "torch accepts these shapes; input {shape} is packed as {count} sequences of lengths {lengths} "
            "(batch_first={batch_first}); the tables show it padded to the longest, {longest} steps."
        ).format(
            shape=shape,
            count=len(explained.lengths),
            lengths=list(explained.lengths),
            batch_first=explained.config.batch_first,
            longest=max(explained.lengths),
        )
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
    explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape], spec: Spec
) -> Iterator[str]:
    config = explained.config
    shape = fed["input"]
    ranks = (2, 1) if config.is_cell else (3, 2)
    if spec.input_dtype is not None and not spec.input_dtype.startswith(("float", "bfloat")):
        yield _(
            "The input holds {dtype} numbers, but a recurrent module computes in {module_dtype}: "
            "token ids go through an nn.Embedding first; numeric data is converted with .float()."
        ).format(dtype=spec.input_dtype, module_dtype=spec.dtype)
    elif spec.input_dtype is not None and spec.input_dtype != spec.dtype:
        yield _("The input is {dtype}, but the module's weights are {module_dtype}.").format(
            dtype=spec.input_dtype, module_dtype=spec.dtype
        )
    if config.family == "LSTM" and spec.hx_form == "tensor" and "h_0" in fed:
        yield _("nn.{module} takes its state as one tuple (h_0, c_0), not h_0 alone.").format(
            module=config.module
        )
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
    if spec.lengths is not None and len(shape) == 3 and not config.is_cell:
        yield from _packing_problems(spec.lengths, shape, config.batch_first)
    for key in ("h_0", "c_0"):
        if key in fed and fed[key] != expected[key].shape:
            yield _state_problem(key, fed[key], expected[key], explained)


def _packing_problems(lengths: tuple[int, ...], shape: Shape, batch_first: bool) -> Iterator[str]:
    batch_axis, seq_axis = (0, 1) if batch_first else (1, 0)
    if len(lengths) != shape[batch_axis]:
        yield _(
            "--lengths gives {count} sequences, but pack_padded_sequence reads the batch from input dim "
            "{axis} (batch_first={batch_first}), which holds {size}."
        ).format(count=len(lengths), axis=batch_axis, batch_first=batch_first, size=shape[batch_axis])
    if max(lengths) > shape[seq_axis]:
        yield _(
            "The longest length is {longest}, but input dim {axis} (seq, batch_first={batch_first}) holds "
            "{size} steps."
        ).format(longest=max(lengths), axis=seq_axis, batch_first=batch_first, size=shape[seq_axis])


def layout(tensor: TensorModel) -> str:
    """``(D × num_layers, batch_size, hidden_size) = (2, 1, 32)``: what each dim must be, and its size."""
    terms = ", ".join(d.formula.split(" = ")[0] for d in tensor.dims)
    return f"({terms}) = {tuple(tensor.shape)}"


def _state_problem(key: str, given: Shape, expected: TensorModel, explained: Spec) -> str:
    want = _("{key} must be {layout}").format(key=key, layout=layout(expected))
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
