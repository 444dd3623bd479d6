"""The command line: options in, one renderer out, errors mapped to exit codes in one place.

torch is never imported here: help, completion, dry runs and refusals never load it; only a
real run reaches it, through the runner.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from gru_shapes import __version__
from gru_shapes.errors import GruShapesError, OptionError, RunFailure
from gru_shapes.i18n import LANGS, N_, _, current, language
from gru_shapes.report.report import Report
from gru_shapes.show.sections import chosen as chosen_sections
from gru_shapes.show.sections import names as section_names
from gru_shapes.model.spec import DEFAULTS, make_spec
from gru_shapes.streams import BROKEN_PIPE, guard_stdout, reader_gone, say, utf8
from gru_shapes.model.validate import DTYPES, MODULES

PROG = "gru-shapes"
__all__ = ["BROKEN_PIPE", "app", "main"]


class _OneLineErrors(TyperGroup):
    """Report every refusal as one line on stderr with the right exit status, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        arguments = list(args[0] if args else kwargs.get("args") or sys.argv[1:])
        try:
            # --lang is read first, so that --help and the errors below speak it.
            with language(_lang_asked(arguments) or current()):
                status = super().main(*args, **kwargs)
            sys.stdout.flush()
        except typer.TyperException as error:  # Typer's own parsing errors: bad types, unknown options
            # Their message is English: the whole line stays English rather than mix two languages.
            with language("en"):
                _fail(error.format_message(), getattr(error, "exit_code", 2))
        except GruShapesError as error:
            with language(error.lang):
                _fail(str(error), error.exit_code)
        except BrokenPipeError:
            # The reader stopped reading (`| head`): end quietly, as a program ended by SIGPIPE.
            reader_gone()
        except KeyboardInterrupt:
            sys.exit(130)
        sys.exit(status if isinstance(status, int) else 0)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from gru_shapes.show.helptext import draw

        formatter.write(draw(self, ctx, shutil.get_terminal_size().columns, _help_values()))


def _help_values() -> dict[str, str]:
    """What the help templates' placeholders stand for."""
    return {
        "modules": ", ".join(MODULES),
        "dtypes": ", ".join(DTYPES),
        "names": ", ".join(section_names()),
    }


def _lang_asked(arguments: list[str]) -> str | None:
    """The value of --lang among ``arguments`` when it is a language we speak, else None."""
    for index, argument in enumerate(arguments):
        value = None
        if argument == "--lang" and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith("--lang="):
            value = argument.split("=", 1)[1]
        if value is not None and value.lower() in LANGS:
            return value.lower()
    return None


def _fail(message: str, status: int) -> NoReturn:
    say(message)
    sys.exit(status)


def _typed(ctx: typer.Context, name: str) -> bool:
    """Whether the user gave this option (typer vendors click, so its enum is compared by name)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _show_version(value: bool) -> None:
    if value:
        print(f"{PROG} {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name=PROG,
    cls=_OneLineErrors,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

FORMATS = ("table", "json", "markdown", "svg")

# Help is translated when drawn, in the language of --lang if given, else the locale's.
_EXAMPLES = N_(
    "Examples:\n"
    "  gru-shapes --layers 2 --bidirectional\n"
    "  gru-shapes --layers 2 --bidirectional --show checks,parameters\n"
    "  gru-shapes --module lstm --proj-size 8 --lang ko\n"
    "  gru-shapes --lengths 35,20,7 --format markdown\n"
    "  gru-shapes --input-shape 1,35,12\n"
    "  gru-shapes --json | jq .tensors.h_n.shape"
)


@app.callback(
    invoke_without_command=True,
    help=N_(
        "Explain every dimension of a real forward pass of nn.GRU, LSTM, RNN or their cells: "
        "input, h_0, output and h_n (and c for LSTMs), or why torch refuses a shape."
    ),
    epilog=_EXAMPLES,
)
def explain(
    ctx: typer.Context,
    module: Annotated[
        str,
        typer.Option(help=N_("{modules}.")),
    ] = DEFAULTS["module"],
    input_size: Annotated[int, typer.Option(help=N_("input_size: features of x at each step."))] = DEFAULTS[
        "input_size"
    ],
    hidden_size: Annotated[
        int, typer.Option(help=N_("hidden_size: features of the hidden state."))
    ] = DEFAULTS["hidden_size"],
    layers: Annotated[int, typer.Option(help=N_("num_layers: how many layers are stacked."))] = DEFAULTS[
        "layers"
    ],
    bidirectional: Annotated[bool, typer.Option(help=N_("Run a backward pass too (D = 2)."))] = DEFAULTS[
        "bidirectional"
    ],
    batch_first: Annotated[
        bool,
        typer.Option(
            "--batch-first/--seq-first",
            help=N_("Layout of input and output: (batch, seq, feature) or (seq, batch, feature)."),
        ),
    ] = DEFAULTS["batch_first"],
    bias: Annotated[bool, typer.Option(help=N_("bias: learn bias_ih and bias_hh."))] = DEFAULTS["bias"],
    dropout: Annotated[
        float, typer.Option(help=N_("dropout between stacked layers, from 0 to 1."))
    ] = DEFAULTS["dropout"],
    proj_size: Annotated[
        int | None,
        typer.Option(help=N_("LSTM only: project h to this many features."), show_default="0"),
    ] = DEFAULTS["proj_size"],
    nonlinearity: Annotated[
        str | None, typer.Option(help=N_("RNN and RNNCell only: tanh or relu."), show_default="tanh")
    ] = DEFAULTS["nonlinearity"],
    batch_size: Annotated[int, typer.Option(help=N_("Sequences in the batch (0 allowed)."))] = DEFAULTS[
        "batch_size"
    ],
    seq_len: Annotated[int, typer.Option(help=N_("Time steps per sequence (at least 1)."))] = DEFAULTS[
        "seq_len"
    ],
    unbatched: Annotated[
        bool, typer.Option("--unbatched", help=N_("Feed one sequence (or step) with no batch dim."))
    ] = DEFAULTS["unbatched"],
    lengths: Annotated[
        str | None,
        typer.Option(help=N_("Pack a batch of these lengths, in this order: 35,20,7."), show_default=False),
    ] = DEFAULTS["lengths"],
    input_shape: Annotated[
        str | None,
        typer.Option(help=N_("Diagnose: try an input of exactly this shape (1,35,12)."), show_default=False),
    ] = DEFAULTS["input_shape"],
    h0_shape: Annotated[
        str | None, typer.Option(help=N_("Diagnose: feed h_0 of exactly this shape."), show_default=False)
    ] = DEFAULTS["h0_shape"],
    c0_shape: Annotated[
        str | None,
        typer.Option(help=N_("Diagnose (LSTM): feed c_0 of exactly this shape."), show_default=False),
    ] = DEFAULTS["c0_shape"],
    device: Annotated[
        str, typer.Option(help=N_("cpu, cuda, cuda:N or auto (cuda if there is one)."))
    ] = DEFAULTS["device"],
    dtype: Annotated[str, typer.Option(help=N_("One of {dtypes}."))] = DEFAULTS["dtype"],
    seed: Annotated[
        int, typer.Option(help=N_("Seed of the weights and random input of the run."))
    ] = DEFAULTS["seed"],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help=N_("Predict shapes and cost only: no torch, instant.")),
    ] = DEFAULTS["dry_run"],
    max_memory: Annotated[
        str | None,
        typer.Option(
            help=N_("Memory budget, e.g. 8GB; default: half the free memory."),
            show_default=False,
        ),
    ] = DEFAULTS["max_memory"],
    lang: Annotated[
        str | None,
        typer.Option(
            help=N_("en or ko. Default: from LC_ALL, LC_MESSAGES or LANG."),
            show_default=False,
        ),
    ] = DEFAULTS["lang"],
    decoder_layers: Annotated[
        int | None,
        typer.Option(help=N_("Hand-off: decoder num_layers (default: the encoder's)."), show_default=False),
    ] = DEFAULTS["decoder_layers"],
    decoder_hidden_size: Annotated[
        int | None,
        typer.Option(
            help=N_("Hand-off: decoder hidden_size (default: D × H)."),
            show_default=False,
        ),
    ] = DEFAULTS["decoder_hidden_size"],
    decoder_module: Annotated[
        str | None,
        typer.Option(
            help=N_("Hand-off: GRU, LSTM or RNN (default: the encoder's)."),
            show_default=False,
        ),
    ] = DEFAULTS["decoder_module"],
    chunks: Annotated[
        int | None,
        typer.Option(
            help=N_("Run in this many chunks, carrying the state across."),
            show_default=False,
        ),
    ] = DEFAULTS["chunks"],
    hx_form: Annotated[
        str | None,
        typer.Option(
            help=N_("Diagnose (LSTM): pass hx as tuple (h, c) or tensor h."),
            show_default=False,
        ),
    ] = DEFAULTS["hx_form"],
    input_dtype: Annotated[
        str | None,
        typer.Option(
            help=N_("Diagnose: the input's dtype (int64: token ids)."),
            show_default=False,
        ),
    ] = DEFAULTS["input_dtype"],
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help=N_("table, json, markdown or svg."),
        ),
    ] = "table",
    as_json: Annotated[bool, typer.Option("--json", help=N_("Short for --format json."))] = False,
    show: Annotated[
        str | None,
        typer.Option(
            help=N_("Add sections: {names}."),
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help=N_("Show every section."))] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help=N_("Show the version and exit.")
        ),
    ] = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    # Only what the user typed: an option a module does not take is refused when given, so the
    # defaults of options that do not apply must not count as given.
    typed = {name: value for name, value in ctx.params.items() if name in DEFAULTS and _typed(ctx, name)}
    spec = make_spec(**typed)
    with language(spec.lang):
        chosen = _format(output_format, as_json)
        shown = chosen_sections(show, show_all)
    from gru_shapes.api import report_for

    report = report_for(spec)
    sys.stdout.write(_draw(report, chosen, shown))
    if not report.passed:
        raise typer.Exit(1)


def _format(output_format: str, as_json: bool) -> str:
    # One rule for case: names gru-shapes chooses (--module, --format, --dtype, ...) take any case;
    # only --nonlinearity, which torch reads itself, is spelled as torch spells it.
    output_format = output_format.lower()
    if output_format not in FORMATS:
        message = _("--format must be one of {formats}, got {value!r}").format(
            formats=", ".join(FORMATS), value=output_format
        )
        raise OptionError("format", message)
    if as_json and output_format not in ("table", "json"):
        message = _("--json is short for --format json and cannot be combined with --format {value}").format(
            value=output_format
        )
        raise OptionError("format", message)
    return "json" if as_json else output_format


def _draw(report: Report, output_format: str, show: tuple[str, ...] | None = None) -> str:
    """The report in the chosen format, as text for stdout; ``show``: the named sections drawn
    (JSON always carries everything)."""
    if output_format == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=not utf8(sys.stdout)) + "\n"
    if output_format == "markdown":
        from gru_shapes.show.markdown import markdown

        return markdown(report, show)
    from gru_shapes.show.render import svg, text

    if output_format == "svg":
        return svg(report, show=show)
    # Styles only for a terminal, and none at all under NO_COLOR; tables fit the terminal's width.
    plain = not sys.stdout.isatty() or bool(os.environ.get("NO_COLOR"))
    return text(report, _width(), styled=not plain, show=show)


@app.command(
    help=N_(
        "Answer JSON Lines on stdin: one object of options per line (keys as the long options, "
        '"_" for "-"), one JSON report or error per line on stdout, in order.'
    )
)
def batch() -> None:
    if sys.stdin is None:
        raise RunFailure(_("stdin is closed: batch mode reads its lines there"))
    import gru_shapes.run.runner  # noqa: F401  (torch, loaded once before the objects are frozen)
    from gru_shapes.batch import run_batch

    # A long run collects garbage again, but never re-walks torch's own objects.
    gc.freeze()
    gc.enable()
    # Raw bytes split at "\n" only, so that a line that is not UTF-8 costs that line alone.
    lines = getattr(sys.stdin, "buffer", sys.stdin)
    try:
        status = run_batch(lines, sys.stdout, ensure_ascii=not utf8(sys.stdout))
    except OSError as error:  # stdin itself failed (a directory, a dead terminal)
        raise RunFailure(_("cannot read stdin: {reason}").format(reason=error.strerror or error)) from None
    raise typer.Exit(status)


def _width() -> int | None:
    """The terminal's width (COLUMNS wins, as for every tool); None lets rich decide."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return shutil.get_terminal_size().columns
    return None


def main() -> None:
    """Console-script entry point (also reached through :func:`gru_shapes.entry.main`)."""
    from gru_shapes.entry import quiet_interrupts

    quiet_interrupts()
    guard_stdout()
    # After `import torch` each full garbage collection walks hundreds of thousands of objects
    # (about 60 ms here); a one-shot command creates no garbage worth that.
    gc.disable()
    # The same name (and completion variable, _GRU_SHAPES_COMPLETE) however it was started.
    app(prog_name=PROG)


@app.command(
    "trace",
    help=_(
        "Trace the recurrent layers inside your own model: every call of every nn.GRU, LSTM, RNN or cell "
        "explained in place, what the model does with the results, and a summary up to the error. "
        "TARGET is path/to/file.py:NAME or package.module:NAME; NAME is a function returning "
        "(model, args) or (model, args, kwargs), or a model (then give --input-shape). "
        "Loading the file runs its code, as python file.py would."
    ),
)
def trace_command(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help=_("path/to/file.py:NAME or package.module:NAME"))],
    input_shape: Annotated[
        list[str] | None,
        typer.Option(
            help=_("For a NAME that is a model: one random input of this shape (repeatable)."),
            show_default=False,
        ),
    ] = None,
    input_dtype: Annotated[
        str,
        typer.Option(help=_("dtype of those inputs: float32, float64, float16, bfloat16, int64 or int32.")),
    ] = "float32",
    input_high: Annotated[
        int, typer.Option(help=_("Integer inputs (token ids) are drawn from 0 to this, exclusive."))
    ] = 10,
    seed: Annotated[int, typer.Option(help=_("Seeds the random inputs."))] = 0,
    train: Annotated[
        bool, typer.Option("--train", help=_("Run in train mode (default: eval mode)."))
    ] = False,
    autograd: Annotated[
        bool, typer.Option("--autograd", help=_("Run with autograd on (default: torch.inference_mode())."))
    ] = False,
    show: Annotated[
        str | None,
        typer.Option(
            help=_(
                "Sections to show, comma-separated: calls (the default), report (each configuration's full report)."
            ),
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help=_("Show every section."))] = False,
    lang: Annotated[
        str | None, typer.Option(help=_("Language: en or ko. Default: from the locale."), show_default=False)
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help=_("table, json or markdown."))] = "table",
    as_json: Annotated[bool, typer.Option("--json", help=_("Short for --format json."))] = False,
) -> None:
    from gru_shapes.model import validate
    # `gru-shapes --lang ko trace ...` asks for Korean as much as `gru-shapes trace ... --lang ko` does.
    if lang is None and ctx.parent is not None:
        lang = ctx.parent.params.get("lang")
    chosen_lang = validate.lang(lang)
    with language(chosen_lang):
        chosen = _format(output_format, as_json)
        if chosen == "svg":
            raise OptionError("format", _("--format for trace must be table, json or markdown, got 'svg'"))
        shown = _trace_shown(show, show_all)
        from gru_shapes.tracing.target import has_recurrent, load, resolve
        from gru_shapes.tracing.tracer import trace_call

        name = target.rpartition(":")[2]
        # What the user's code prints goes to stderr: stdout holds the trace alone (one JSON document).
        with contextlib.redirect_stdout(sys.stderr):
            model, args, kwargs = resolve(
                load(target), name, input_shape or [], input_dtype, input_high, seed
            )
            if not has_recurrent(model):
                raise OptionError(
                    "target", _("{name}'s model has no nn.RNNBase or nn.RNNCellBase inside").format(name=name)
                )
            traced = trace_call(
                model, args, kwargs, train=train, inference_mode=not autograd, lang=chosen_lang
            )
        if traced.error is not None and not traced.calls:
            _fail(
                _("the model raised before any recurrent call: {kind}: {message}").format(
                    kind=traced.error.type,
                    message=traced.error.message.splitlines()[0] if traced.error.message else "",
                ),
                1,
            )
        if chosen == "json":
            sys.stdout.write(json.dumps(traced.to_dict(), indent=2, ensure_ascii=False) + "\n")
        elif chosen == "markdown":
            from gru_shapes.show.trace_view import markdown

            sys.stdout.write(markdown(traced, shown))
        else:
            from gru_shapes.show.trace_view import text

            plain = not sys.stdout.isatty() or bool(os.environ.get("NO_COLOR"))
            sys.stdout.write(text(traced, _width(), styled=not plain, shown=shown))
    if traced.error is not None:
        raise typer.Exit(1)


def _trace_shown(show: str | None, show_all: bool) -> tuple[str, ...]:
    from gru_shapes.show.trace_view import DEFAULT_SHOWN, SHOWN

    if show_all:
        return SHOWN
    if show is None:
        return DEFAULT_SHOWN
    names = tuple(word.strip().lower() for word in show.split(",") if word.strip())
    unknown = [n for n in names if n not in SHOWN]
    if unknown or not names:
        raise OptionError(
            "show",
            _("--show takes sections among {names}, got {value!r}").format(
                names=", ".join(SHOWN), value=show
            ),
        )
    return names
