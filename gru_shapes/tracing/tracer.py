"""Trace the recurrent layers inside a user's own model, with torch's public hooks.

Forward hooks on every ``nn.RNNBase`` / ``nn.RNNCellBase`` record each call (what was passed, what
came back); a :class:`~torch.overrides.TorchFunctionMode` follows the tensors the calls returned
through the next few operations (indexing, views, permutes, cat/stack, pad_packed_sequence) and
into the module they reach; :mod:`gru_shapes.model.follow` moves what each index holds along, and
:mod:`gru_shapes.model.readings` says it in words. Nothing of
torch is patched: the hooks are removed and the modes restored when the forward ends.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from gru_shapes.i18n import _, language
from gru_shapes.model import validate
from gru_shapes.tracing.follower import Follower
from gru_shapes.tracing.recorder import Recorder
from gru_shapes.tracing.traced import Trace


def trace_call(
    model: nn.Module,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    train: bool = False,
    inference_mode: bool = True,
    lang: str | None = None,
) -> Trace:
    """:func:`trace` with the model's arguments given as a sequence and a mapping."""
    chosen = validate.lang(lang)
    with language(chosen):
        recorder = Recorder(model)
        modes = {module: module.training for module in model.modules()}
        error: BaseException | None = None
        caught: list[warnings.WarningMessage] = []
        initialized = torch.cuda.is_initialized()  # type: ignore[no-untyped-call]
        devices = list(range(torch.cuda.device_count())) if initialized else []
        try:
            model.train(train)
            with (
                warnings.catch_warnings(record=True) as caught,
                torch.random.fork_rng(devices=devices),
                torch.inference_mode(inference_mode),
                recorder.hooked(),
                Follower(recorder),
            ):
                # torch's warnings become lines of the trace, not warnings raised in the caller.
                warnings.simplefilter("always")
                model(*args, **dict(kwargs or {}))
        except Exception as raised:  # the summary up to the error is the point of tracing
            error = raised
        finally:
            for module, training in modes.items():
                module.training = training
        if not train and inference_mode:
            mode = _("eval mode, inference_mode")
        else:
            mode = ", ".join(
                [
                    _("train mode") if train else _("eval mode"),
                    "inference_mode" if inference_mode else _("autograd on"),
                ]
            )
        return Trace(
            model=type(model).__name__,
            calls=tuple(recorder.finished(chosen)),
            error=recorder.error(error) if error is not None else None,
            lang=chosen,
            mode=mode,
            warnings=tuple(dict.fromkeys(str(w.message).strip().splitlines()[0] for w in caught)),
        )
