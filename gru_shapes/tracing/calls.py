"""A recurrent call as the tracer records it: what was passed (:class:`~gru_shapes.traced.Fed`),
the standalone tool's :class:`~gru_shapes.spec.Spec` for its configuration and real shapes, and the
:class:`~gru_shapes.follow.Context` its results are read in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from gru_shapes.i18n import _, current
from gru_shapes.model.follow import Context, Meaning
from gru_shapes.model.spec import Spec, make_spec
from gru_shapes.model.validate import DTYPES
from gru_shapes.tracing.traced import Fed


def tensors_in(value: Any) -> Iterator[torch.Tensor]:
    """Tensors in an argument: itself, inside a PackedSequence, or one level of tuple or list."""
    if isinstance(value, PackedSequence):
        yield value.data
    elif isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            if isinstance(item, (tuple, list, PackedSequence, torch.Tensor)):
                yield from tensors_in(item)


def dtype_name(tensor: torch.Tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def fed_of(x: Any, hx: Any) -> Fed:
    states = hx if isinstance(hx, tuple) else (() if hx is None else (hx,))
    form = "none" if hx is None else "tuple" if isinstance(hx, tuple) else "tensor"
    hx_shapes = tuple(tuple(s.shape) for s in states if isinstance(s, torch.Tensor))
    if isinstance(x, PackedSequence):
        return Fed("packed", tuple(x.data.shape), dtype_name(x.data), lengths_of(x), form, hx_shapes)
    shape = tuple(x.shape) if isinstance(x, torch.Tensor) else ()
    dtype = dtype_name(x) if isinstance(x, torch.Tensor) else "float32"
    return Fed("tensor", shape, dtype, None, form, hx_shapes)


def lengths_of(packed: PackedSequence) -> tuple[int, ...]:
    """Each sequence's length, in the batch's own order (before sorting)."""
    sizes = packed.batch_sizes.tolist()
    by_rank = [sum(1 for size in sizes if size > rank) for rank in range(sizes[0] if sizes else 0)]
    order = packed.sorted_indices.tolist() if packed.sorted_indices is not None else range(len(by_rank))
    lengths = [0] * len(by_rank)
    for rank, b in enumerate(order):
        lengths[b] = by_rank[rank]
    return tuple(lengths)


def describe_module(module: nn.Module) -> str:
    return f"{type(module).__name__}({module.extra_repr()})"


def keywords_of(module: nn.Module) -> dict[str, Any]:
    """The constructor's keywords, named as make_spec names them."""
    found: dict[str, Any] = {
        "module": type(module).__name__,
        "input_size": module.input_size,
        "hidden_size": module.hidden_size,
        "bias": bool(module.bias),
    }
    if isinstance(module, nn.RNNBase):
        found |= {
            "layers": module.num_layers,
            "batch_first": module.batch_first,
            "dropout": float(module.dropout),
            "bidirectional": module.bidirectional,
        }
        if isinstance(module, nn.LSTM):
            found["proj_size"] = module.proj_size
    if isinstance(module, (nn.RNN, nn.RNNCell)):
        found["nonlinearity"] = module.nonlinearity
    return found


def spec_of(module: nn.Module, fed: Fed) -> Spec:
    """The standalone tool's spec for this call: the module's exact configuration, at the shapes fed."""
    options = keywords_of(module)
    options["dtype"] = fed.dtype if fed.dtype in DTYPES else "float32"
    options["lang"] = current()
    cell = isinstance(module, nn.RNNCellBase)
    if fed.kind == "packed":
        options["lengths"] = list(fed.lengths or ())
        return make_spec(**options)
    if not is_standard(module, fed):
        # torch refuses (or will): the standalone diagnosis of exactly these shapes.
        options["input_shape"] = list(fed.shape)
        for key, shape in zip(("h0_shape", "c0_shape"), fed.hx_shapes, strict=False):
            options[key] = list(shape)
        return make_spec(**options)
    shape = fed.shape
    if len(shape) == (1 if cell else 2):
        options["unbatched"] = True
        if not cell:
            options["seq_len"] = shape[0]
    elif cell:
        options["batch_size"] = shape[0]
    else:
        batch_first = bool(getattr(module, "batch_first", False))
        options["batch_size"], options["seq_len"] = (
            (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
        )
    return make_spec(**options)


def size_of(module: nn.Module, name: str, default: int = 0) -> int:
    return int(getattr(module, name, default))


def is_standard(module: nn.Module, fed: Fed) -> bool:
    """Whether the input and states fed have the shapes the standalone run would build."""
    cell = isinstance(module, nn.RNNCellBase)
    shape = fed.shape
    hidden = size_of(module, "hidden_size")
    if (
        len(shape) not in ((1, 2) if cell else (2, 3))
        or shape[-1] != size_of(module, "input_size")
        or 0 in shape[:-1]
    ):
        return False
    unbatched = len(shape) == (1 if cell else 2)
    batch = 1 if unbatched else shape[0] if cell or getattr(module, "batch_first", False) else shape[1]
    wanted: list[tuple[int, ...]]
    if cell:
        wanted = [(hidden,) if unbatched else (batch, hidden)]
        wanted *= 2 if isinstance(module, nn.LSTMCell) else 1
    else:
        slots = (2 if getattr(module, "bidirectional", False) else 1) * size_of(module, "num_layers", 1)
        h = size_of(module, "proj_size") or hidden
        first = (slots,) if unbatched else (slots, batch)
        wanted = [(*first, h)] + ([(*first, hidden)] if isinstance(module, nn.LSTM) else [])
    return not fed.hx_shapes or list(fed.hx_shapes) == wanted


def context_of(module: nn.Module, fed: Fed, padded: tuple[int, ...] | None = None) -> Context:
    """What a call's results hold; ``padded``: the real lengths of an unpacked batch seen to end in
    padding."""
    cell = isinstance(module, nn.RNNCellBase)
    shape = fed.shape
    lengths: tuple[int, ...] | None
    if fed.kind == "packed":
        lengths = fed.lengths or ()
        batch, steps, unbatched = len(lengths), max(lengths, default=0), False
    else:
        unbatched = len(shape) == (1 if cell else 2)
        batch_first = bool(getattr(module, "batch_first", False))
        if cell:
            batch, steps = (1 if unbatched else shape[0]), 1
        elif unbatched:
            batch, steps = 1, shape[0]
        else:
            batch, steps = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
        lengths = padded if padded and len(padded) == batch else None
    lstm = isinstance(module, nn.LSTM)
    return Context(
        family=type(module).__name__.removesuffix("Cell"),
        num_layers=getattr(module, "num_layers", 1),
        directions=2 if getattr(module, "bidirectional", False) else 1,
        h_size=(size_of(module, "proj_size") or size_of(module, "hidden_size"))
        if lstm
        else size_of(module, "hidden_size"),
        batch=batch,
        steps=steps,
        lengths=tuple(lengths) if lengths else None,
        batch_first=bool(getattr(module, "batch_first", False)),
        unbatched=unbatched,
        is_cell=cell,
        padded=fed.kind != "packed" and lengths is not None,
    )


def mixed_hand_off(meaning: Meaning, receiver: nn.Module) -> str | None:
    """A bidirectional state handed to a one-directional module so that two of its layers get the
    two directions of one encoder layer: the directions become layers. One direction per layer
    (``h_n[0::2]``, each layer's forward state) is a choice, not this mix."""
    if not isinstance(receiver, nn.RNNBase) or receiver.bidirectional or not meaning.axes:
        return None
    slots = meaning.axes[0].labels
    if meaning.source not in ("h_n", "c_n") or not slots or meaning.context.directions != 2:
        return None
    if not all(len(labels.get("slot", ())) == 1 for labels in slots):
        return None
    held = [next(iter(labels["slot"])) for labels in slots]
    for index, (layer, direction) in enumerate(held):
        if any(other_layer == layer and other != direction for other_layer, other in held[:index]):
            return _(
                "hands the encoder's directions to the decoder as layers: decoder layer {index} gets encoder "
                "layer {layer}, {direction}; sum or concatenate the directions first"
            ).format(index=index, layer=layer, direction=_("backward") if direction else _("forward"))
    return None
