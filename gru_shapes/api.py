"""The Python API: :func:`explain` (a report that draws itself in a terminal or a notebook) and
:func:`trace`; both take keywords and raise the package's own errors."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gru_shapes.errors import GruShapesError, OptionError, RunFailure
from gru_shapes.i18n import language
from gru_shapes.model.onnx_plan import exporting
from gru_shapes.model.spec import DEFAULTS, make_spec
from gru_shapes.model.validate import flag_name
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.display import ShownReport, ShownTrace, shown, shown_trace
from gru_shapes.show.sections import chosen

if TYPE_CHECKING:
    from torch import nn


def explain(
    module: str = "GRU",
    input_size: int = 10,
    hidden_size: int = 32,
    num_layers: int | None = None,
    bias: bool = True,
    batch_first: bool | None = None,
    dropout: float | None = None,
    bidirectional: bool | None = None,
    proj_size: int | None = None,
    nonlinearity: str | None = None,
    *,
    batch_size: int | None = None,
    seq_len: int | None = None,
    unbatched: bool = False,
    lengths: Sequence[int] | str | None = None,
    input_shape: Sequence[int] | str | None = None,
    h0_shape: Sequence[int] | str | None = None,
    c0_shape: Sequence[int] | str | None = None,
    device: str = "cpu",
    dtype: str = "float32",
    seed: int = 0,
    dry_run: bool = False,
    max_memory: int | str | None = None,
    lang: str | None = None,
    decoder_layers: int | None = None,
    decoder_hidden_size: int | None = None,
    decoder_module: str | None = None,
    chunks: int | None = None,
    hx_form: str | None = None,
    input_dtype: str | None = None,
    onnx_out: str | None = None,
    show: Sequence[str] | str | None = None,
    encoder_bidirectional: bool | None = None,
) -> ShownReport:
    """Build the module, run it for real, and return the :class:`Report` the command line renders.

    The module's arguments take torch's names (``num_layers``, ``proj_size``, ...); the input's
    and the run's take the command line's (``batch_size``, ``seq_len``, ``lengths``, ...). ``None``
    means not given: the module's own default applies (``num_layers=1``, ``batch_first=True`` as on
    the command line, ``dropout=0.0``, ``bidirectional=False``, ``proj_size=0``, ``nonlinearity="tanh"``,
    ``batch_size=1``, ``seq_len=35``), and an argument the module does not take is refused only when
    given, as torch refuses it. ``lang`` is ``"en"`` or ``"ko"``; by default the locale decides.
    ``decoder_layers``, ``decoder_hidden_size`` and ``decoder_module`` name the decoder the final
    state is handed to (``report.handoff``); ``chunks`` splits the sequence and carries the state
    across (``report.chunks``). ``report.idioms`` holds the final-state expressions, judged.
    ``show`` names sections as ``--show`` does: the report draws them, and ``"onnx"`` among them
    exports the module to ONNX after the run and proves the file in onnxruntime (``report.onnx``;
    needs ``pip install 'gru-shapes[onnx]'``); ``onnx_out`` keeps that file.
    ``encoder_bidirectional=True`` says that the states given (``h0_shape``) are a bidirectional
    encoder's final states, so that adding their two directions ranks first among the fixes.

    ``report.to_dict()`` is the command line's JSON; ``rich.print(report)`` draws its tables, and
    Jupyter shows them on its own. Bad arguments raise :class:`~gru_shapes.errors.OptionError`, a
    run that cannot be done here :class:`~gru_shapes.errors.RunFailure`; both are
    :class:`~gru_shapes.errors.GruShapesError`.

    >>> report = explain(num_layers=2, bidirectional=True, lang="en")
    >>> report.to_dict()["tensors"]["h_n"]["shape"]
    [4, 1, 32]
    >>> explain(module="LSTMCell", batch_size=3).tensor("c_1").shape
    (3, 32)
    """
    given = {
        "module": module,
        "input_size": input_size,
        "hidden_size": hidden_size,
        "layers": num_layers,
        "bias": bias,
        "batch_first": batch_first,
        "dropout": dropout,
        "bidirectional": bidirectional,
        "proj_size": proj_size,
        "nonlinearity": nonlinearity,
        "batch_size": batch_size,
        "seq_len": seq_len,
        "unbatched": unbatched,
        "lengths": lengths,
        "input_shape": input_shape,
        "h0_shape": h0_shape,
        "c0_shape": c0_shape,
        "device": device,
        "dtype": dtype,
        "seed": seed,
        "dry_run": dry_run,
        "max_memory": max_memory,
        "lang": lang,
        "decoder_layers": decoder_layers,
        "decoder_hidden_size": decoder_hidden_size,
        "decoder_module": decoder_module,
        "chunks": chunks,
        "hx_form": hx_form,
        "input_dtype": input_dtype,
        "onnx_out": onnx_out,
        "encoder_bidirectional": encoder_bidirectional,
    }
    try:
        spec = make_spec(**given)
        with language(spec.lang):
            names = chosen(show) if show is not None else None
        return shown(report_for(exporting(spec, names or ())), names)
    except GruShapesError as error:
        raise _in_keywords(error) from None


def trace(
    model: nn.Module,
    *args: Any,
    train: bool = False,
    inference_mode: bool = True,
    lang: str | None = None,
    timeout: float | None = None,
    **kwargs: Any,
) -> ShownTrace:
    """Run ``model(*args, **kwargs)`` once and explain every recurrent call inside it.

    The model runs in eval mode under ``torch.inference_mode()`` unless ``train=True`` /
    ``inference_mode=False``; its train/eval modes and the caller's RNG state are restored
    afterwards. A model whose forward takes keywords named ``train``, ``inference_mode``, ``lang``
    or ``timeout`` is traced with :func:`trace_call`. When the forward raises, the trace still holds
    the calls so far and ``trace.error`` the exception, verbatim, explained from what the failing
    operation took, with a repair tried on the forward's own tensors (``trace.error.fix``).

    ``trace.pitfalls`` is empty when nothing was flagged, so a test can gate on it:
    ``assert not trace.pitfalls, trace.pitfalls`` prints one row per pitfall (its expression, what it
    holds, the pitfall and its rule id) when it fails; ``trace.passed`` also requires the forward to
    have run. A forward that calls ``exit()``, raises an exception whose message cannot be shown, or
    runs past ``timeout`` seconds (on the main thread) raises :class:`~gru_shapes.errors.RunFailure`.

    >>> import torch
    >>> from torch import nn
    >>> class Classifier(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.rnn = nn.GRU(8, 16, batch_first=True, bidirectional=True)
    ...         self.fc = nn.Linear(16, 2)
    ...     def forward(self, x):
    ...         _output, h_n = self.rnn(x)
    ...         return self.fc(h_n[-1])
    >>> t = trace(Classifier(), torch.zeros(4, 7, 8), lang="en")
    >>> t.calls[0].name, t.calls[0].returned["h_n"]
    ('rnn', (2, 4, 16))
    >>> t.pitfalls[0].expression, t.pitfalls[0].pitfall, t.pitfalls[0].rule
    ('h_n[-1]', "of a bidirectional module this is the last layer's backward state only; the forward one is h_n[-2]", 'backward-only')
    """
    return trace_call(
        model, args, kwargs, train=train, inference_mode=inference_mode, lang=lang, timeout=timeout
    )


def trace_call(
    model: nn.Module,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    *,
    train: bool = False,
    inference_mode: bool = True,
    lang: str | None = None,
    timeout: float | None = None,
) -> ShownTrace:
    """:func:`trace` with the model's arguments given as a sequence and a mapping."""
    from gru_shapes.tracing.tracer import trace_call as traced  # torch, only when tracing

    return shown_trace(
        traced(model, args, kwargs, train=train, inference_mode=inference_mode, lang=lang, timeout=timeout)
    )


# explain() takes torch's name where the command line has its own.
_KEYWORDS = {"layers": "num_layers"}
# A flag in a message, with its negative form (--batch-first/--seq-first, --no-bias) if any.
_FLAG = re.compile(r"--[a-z0-9][a-z0-9-]*(?:/--[a-z0-9-]+)?")
_BY_FLAG = {flag_name(name): _KEYWORDS.get(name, name) for name in DEFAULTS}
_BY_FLAG.update({"--batch-first/--seq-first": "batch_first", "--seq-first": "batch_first=False"})
_BY_FLAG["--show"] = "show"
_BY_FLAG.update({"--no-bias": "bias=False", "--unbatched": "unbatched=True", "--dry-run": "dry_run=True"})


def _in_keywords(error: GruShapesError) -> GruShapesError:
    """The same error, naming ``explain()``'s keywords (``num_layers``) where it named flags.

    >>> str(_in_keywords(OptionError("layers", "--layers must be at least 1; see --max-memory")))
    'num_layers must be at least 1; see max_memory'
    """
    message = _FLAG.sub(lambda found: _BY_FLAG.get(found.group(0), found.group(0)), str(error))
    option = error.option and _KEYWORDS.get(error.option, error.option)
    if isinstance(error, OptionError):
        renamed: GruShapesError = OptionError(option or "", message)
    else:
        renamed = RunFailure(message, option)
    renamed.lang = error.lang
    return renamed
