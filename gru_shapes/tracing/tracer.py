"""Trace the recurrent layers inside a user's own model, with torch's public hooks.

Forward hooks on every ``nn.RNNBase`` / ``nn.RNNCellBase`` record each call (what was passed, what
came back); a :class:`~torch.overrides.TorchFunctionMode` follows the tensors the calls returned
through the next few operations (indexing, views, permutes, cat/stack, pad_packed_sequence,
reductions) and into the module they reach; :mod:`gru_shapes.model.follow` moves what each index
holds along, and :mod:`gru_shapes.model.readings` says it in words. When the forward raises, the
failing operation is explained from its operands and a repair is tried on its own tensors
(:mod:`gru_shapes.tracing.failure`). Nothing of torch is patched: the hooks are removed and the
modes restored when the forward ends.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from gru_shapes.errors import RunFailure
from gru_shapes.i18n import _, language
from gru_shapes.model import validate
from gru_shapes.tracing import failure, repair, watchdog, whereabouts
from gru_shapes.tracing.follower import Follower
from gru_shapes.tracing.recorder import Recorder
from gru_shapes.tracing.traced import Trace, TraceError


def trace_call(
    model: nn.Module,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    train: bool = False,
    inference_mode: bool = True,
    lang: str | None = None,
    timeout: float | None = None,
) -> Trace:
    """:func:`trace` with the model's arguments given as a sequence and a mapping.

    A forward that calls ``exit()``, raises an exception that cannot be shown, or runs past
    ``timeout`` seconds raises :class:`~gru_shapes.errors.RunFailure` saying what it did and where.
    """
    chosen = validate.lang(lang)
    with language(chosen):
        recorder = Recorder(model, (*args, *dict(kwargs or {}).values()))
        modes = {module: module.training for module in model.modules()}
        explained: TraceError | None = None
        caught: list[warnings.WarningMessage] = []
        initialized = torch.cuda.is_initialized()  # type: ignore[no-untyped-call]
        devices = list(range(torch.cuda.device_count())) if initialized else []
        try:
            model.train(train)
            with torch.random.fork_rng(devices=devices), torch.inference_mode(inference_mode):
                raised = _forward(recorder, model, args, kwargs, caught, timeout)
                if raised is not None:
                    explained = failure.explain(recorder, raised, repair.repair)
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
            calls=tuple(recorder.finished()),
            error=explained,
            lang=chosen,
            mode=mode,
            warnings=tuple(dict.fromkeys(_first_line(w.message) for w in caught)) + _internal(recorder),
        )


def _forward(
    recorder: Recorder,
    model: nn.Module,
    args: Sequence[Any],
    kwargs: Mapping[str, Any] | None,
    caught: list[warnings.WarningMessage],
    timeout: float | None,
) -> BaseException | None:
    """Run the forward once with the hooks and the mode; the exception it raised, if any."""

    def where(thread: int) -> str:
        line = whereabouts.thread_line(thread)
        at = _("in {line}, ").format(line=line) if line else ""
        return at + recorder.where()

    try:
        with (
            watchdog.limited(timeout, where),
            warnings.catch_warnings(record=True) as caught_now,
            recorder.hooked(),
            Follower(recorder),
        ):
            # torch's warnings become lines of the trace, not warnings raised in the caller.
            warnings.simplefilter("always")
            try:
                model(*args, **dict(kwargs or {}))
            finally:
                caught.extend(caught_now)
    except watchdog.Stopped as stopped:
        raise RunFailure(
            _("the forward pass ran past --timeout {seconds:g} seconds and was stopped {where}").format(
                seconds=stopped.seconds, where=stopped.where
            )
        ) from None
    except SystemExit as leaving:
        line = whereabouts.raised_line(leaving)
        raise RunFailure(
            _("the model called exit({code}) during its forward pass (SystemExit){where}").format(
                code="" if leaving.code is None else repr(leaving.code),
                where=_(", in {line}").format(line=line) if line else "",
            )
        ) from None
    except Exception as raised:  # the summary up to the error is the point of tracing
        try:
            str(raised)
        except Exception as inner:
            line = whereabouts.raised_line(raised)
            raise RunFailure(
                _(
                    "the model raised {kind}, whose message cannot be shown (str() raised {inner}){where}"
                ).format(
                    kind=type(raised).__name__,
                    inner=type(inner).__name__,
                    where=_(", in {line}").format(line=line) if line else "",
                )
            ) from None
        return raised
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as odd:  # a model's own BaseException: not an error torch or Python raises
        line = whereabouts.raised_line(odd)
        raise RunFailure(
            _("the model raised {kind}, which is not an Exception, during its forward pass{where}").format(
                kind=type(odd).__name__, where=_(", in {line}").format(line=line) if line else ""
            )
        ) from None
    return None


def _internal(recorder: Recorder) -> tuple[str, ...]:
    if recorder.internal is None:
        return ()
    return (
        _(
            "gru-shapes could not follow everything (its own error, not the model's: {error}); some uses are missing"
        ).format(error=recorder.internal),
    )


def _first_line(message: Any) -> str:
    text = whereabouts.message(message) if isinstance(message, BaseException) else str(message)
    return text.strip().splitlines()[0] if text.strip() else ""
