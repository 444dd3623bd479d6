"""How traced tensors are named where they are used: by their expression (``h_n[-1]``); by the call
they came from where results of several calls meet (``encoder.rnn → output``); ``<tensor [3, 5]>`` once
past what the labels follow; and, in words, what a tensor joined beside a recurrent result is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from gru_shapes.i18n import _
from gru_shapes.tracing import calls
from gru_shapes.tracing.recorder import Recorder
from gru_shapes.tracing.tracked import Tracked


def texts(recorder: Recorder, operands: Sequence[Tracked], args: Any, qualified: bool) -> dict[int, str]:
    texts: dict[int, str] = {}
    for value in calls.tensors_in(args):
        named = recorder.plain_name(value)
        if named is not None:
            texts[id(value)] = named[0]
    for o in operands:
        if o.meaning is None:
            # Computed past what the labels follow (a matrix product, a softmax): its shape says enough.
            texts[id(o.tensor)] = f"<tensor {list(o.tensor.shape)}>"
        else:
            texts[id(o.tensor)] = o.qualified if qualified else o.expression
    return texts


def words(
    recorder: Recorder, operands: Sequence[Tracked], args: Any, own: Mapping[int, Any]
) -> dict[int, str]:
    """What the tensors joined beside this call's are, in words: another call's result, a tensor
    computed from some calls, a recurrent layer's input, a module's output."""
    words: dict[int, str] = {}
    for value in calls.tensors_in(args):
        named = recorder.plain_name(value)
        if named is not None:
            words[id(value)] = named[1]
    for o in operands:
        if id(o.tensor) in own:
            continue
        if o.meaning is not None:
            words[id(o.tensor)] = o.qualified
        else:
            labels = ", ".join(dict.fromkeys(recorder.calls[c].label for c in sorted(o.calls)))
            words[id(o.tensor)] = _("a tensor computed from {calls}").format(calls=labels)
    return words


def receiver(texts: Mapping[int, str], args: Sequence[Any], base: Tracked) -> str:
    """How the tensor a method is called on is written: the first argument, when it is a tensor."""
    if args and isinstance(args[0], torch.Tensor) and id(args[0]) in texts:
        return texts[id(args[0])]
    return texts.get(id(base.tensor), base.expression)
