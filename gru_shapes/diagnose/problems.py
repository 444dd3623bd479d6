"""What is wrong with the given shapes, and how torch reads what it accepts, in the user's words.

Pure: each sentence names the dim, its size and the rule of torch it breaks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gru_shapes.diagnose.diagnosis import Shape
from gru_shapes.diagnose.given import intent, layout
from gru_shapes.i18n import _
from gru_shapes.model.shapes import TensorModel, predict
from gru_shapes.model.spec import Spec


def side_notes(
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


def reading_suspect(spec: Spec, explained: Spec, fed: Mapping[str, Shape]) -> tuple[dict[str, int], str]:
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


def accepted(explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]) -> str:
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


def refusal_reasons(
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


def why_no_fix(explained: Spec, fed: Mapping[str, Shape], tried: int) -> str:
    """Why no change made torch accept the shapes: what the given tensors lack, or what was tried."""
    config = explained.config
    shape = fed["input"]
    if not config.is_cell and shape and shape[-1] == 0:
        return _(
            "No fix: the input's last dim, its features, is 0, and nn.{module} takes at least one feature "
            "(input_size ≥ 1); put the features last, or feed the data that was meant."
        ).format(module=config.module)
    if 0 in shape:
        return _(
            "No fix: the input {shape} holds no numbers (a dim of size 0), and no change tried reads it as "
            "something torch runs; feed the data that was meant."
        ).format(shape=list(shape))
    return _(
        "No fix: none of the {count} changes tried, alone or two at once, made torch accept these shapes "
        "(the layout, the input reshaped or converted, the module rebuilt to the input or to the states, "
        "the states reshaped, cut or made fresh)."
    ).format(count=tried)
