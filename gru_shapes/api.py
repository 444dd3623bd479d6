"""The pipeline in one call: spec -> (diagnosis) -> predicted shapes and cost -> guard -> real
torch run -> report; and :func:`explain`, the same for Python callers."""

from __future__ import annotations

import re
from collections.abc import Sequence

from gru_shapes.run import guard
from gru_shapes.model.cost import estimate
from gru_shapes.errors import GruShapesError, OptionError, RunFailure
from gru_shapes.i18n import language
from gru_shapes.report.report import Report, build_report
from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import DEFAULTS, Spec, make_spec
from gru_shapes.model.validate import flag_name


def report_for(spec: Spec) -> Report:
    """Predict every shape of ``spec``, run it for real unless it is a dry run, and report.

    Given shapes (``input_shape``, ``h0_shape``, ``c0_shape``) are first tried by torch as they
    are; the report then explains the module at the batch and sequence length read from them.

    >>> from gru_shapes.model.spec import make_spec
    >>> report_for(make_spec(layers=2)).to_dict()["tensors"]["h_n"]["shape"]
    [2, 1, 32]
    >>> report_for(make_spec(seq_len=10**6, dry_run=True)).observed
    False
    >>> print(report_for(make_spec(input_shape="1,35,12")).diagnosis.fixes[0].change)
    --input-size 12: build the module for the input's features (its last dim)
    """
    with language(spec.lang):
        return _report(spec)


def _report(spec: Spec) -> Report:
    # Given shapes are explained at the batch and sequence length read from them.
    from gru_shapes.diagnose.diagnose import needs_diagnosis, reading

    asked = needs_diagnosis(spec)
    explained = reading(spec) if asked else spec
    prediction = predict(explained)
    cost = estimate(explained, prediction)
    if explained.dry_run:
        return build_report(explained, prediction, cost, None)
    guard.check(cost, explained.max_memory, explained.device)
    # Imported here so that dry runs and refusals never pay for importing torch.
    from gru_shapes.run.runner import observe

    diagnosis = None
    if asked:
        from gru_shapes.diagnose.diagnose import diagnose
        from gru_shapes.run.trial import attempt

        budget = (
            explained.max_memory if explained.max_memory is not None else guard.default_budget(spec.device)
        )
        diagnosis = diagnose(spec, explained, attempt, budget)
    return build_report(explained, prediction, cost, observe(explained, prediction), diagnosis)


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
) -> Report:
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
    }
    try:
        return report_for(make_spec(**given))
    except GruShapesError as error:
        raise _in_keywords(error) from None


# explain() takes torch's name where the command line has its own.
_KEYWORDS = {"layers": "num_layers"}
# A flag in a message, with its negative form (--batch-first/--seq-first, --no-bias) if any.
_FLAG = re.compile(r"--[a-z0-9][a-z0-9-]*(?:/--[a-z0-9-]+)?")
_BY_FLAG = {flag_name(name): _KEYWORDS.get(name, name) for name in DEFAULTS}
_BY_FLAG.update({"--batch-first/--seq-first": "batch_first", "--seq-first": "batch_first=False"})
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
