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
from gru_shapes.errors import GruShapesError, OptionError
from gru_shapes.i18n import _, language
from gru_shapes.report import Report
from gru_shapes.spec import DEFAULTS, make_spec
from gru_shapes.validate import DTYPES, MODULES

PROG = "gru-shapes"

# Exit status of a process whose reader went away, as for a writer killed by SIGPIPE.
BROKEN_PIPE = 141


class _OneLineErrors(TyperGroup):
    """Report every refusal as one line on stderr with the right exit status, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            status = super().main(*args, **kwargs)
            sys.stdout.flush()
        except typer.TyperException as error:  # Typer's own parsing errors: bad types, unknown options
            _fail(error.format_message(), getattr(error, "exit_code", 2))
        except GruShapesError as error:
            with language(error.lang):
                _fail(str(error), error.exit_code)
        except BrokenPipeError:
            # The reader stopped reading (`| head`): end quietly, and keep Python from
            # complaining again when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(BROKEN_PIPE)
        except KeyboardInterrupt:
            sys.exit(130)
        sys.exit(status if isinstance(status, int) else 0)


def _fail(message: str, status: int) -> NoReturn:
    print(_("{program}: error: {message}").format(program=PROG, message=message), file=sys.stderr)
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

# Help is drawn before any option is read, so it speaks the locale's language (LANG and friends).
_EXAMPLES = _(
    "Examples:\n\n"
    "  gru-shapes --layers 2 --bidirectional\n\n"
    "  gru-shapes --module lstm --proj-size 8 --lang ko\n\n"
    "  gru-shapes --lengths 35,20,7 --format markdown\n\n"
    "  gru-shapes --input-shape 1,35,12\n\n"
    "  gru-shapes --json | jq .tensors.h_n.shape"
)


@app.callback(
    invoke_without_command=True,
    help=_(
        "Explain every dimension of a real forward pass of nn.GRU, LSTM, RNN or their cells: "
        "input, h_0, output and h_n (and c for LSTMs), or why torch refuses a shape."
    ),
    epilog=_EXAMPLES,
)
def explain(
    ctx: typer.Context,
    module: Annotated[
        str,
        typer.Option(help=_("The torch.nn class: {modules} (any case).").format(modules=", ".join(MODULES))),
    ] = DEFAULTS["module"],
    input_size: Annotated[int, typer.Option(help=_("input_size: features of x at each step."))] = DEFAULTS[
        "input_size"
    ],
    hidden_size: Annotated[
        int, typer.Option(help=_("hidden_size: features of the hidden state."))
    ] = DEFAULTS["hidden_size"],
    layers: Annotated[int, typer.Option(help=_("num_layers: how many layers are stacked."))] = DEFAULTS[
        "layers"
    ],
    bidirectional: Annotated[
        bool, typer.Option(help=_("bidirectional: run a backward pass too (D = 2)."))
    ] = DEFAULTS["bidirectional"],
    batch_first: Annotated[
        bool,
        typer.Option(
            "--batch-first/--seq-first",
            help=_("Layout of input and output: (batch, seq, feature) or (seq, batch, feature)."),
        ),
    ] = DEFAULTS["batch_first"],
    bias: Annotated[bool, typer.Option(help=_("bias: learn bias_ih and bias_hh."))] = DEFAULTS["bias"],
    dropout: Annotated[
        float, typer.Option(help=_("dropout between stacked layers, from 0 to 1."))
    ] = DEFAULTS["dropout"],
    proj_size: Annotated[
        int | None,
        typer.Option(help=_("LSTM only: project h to this many features (0: none)."), show_default=False),
    ] = DEFAULTS["proj_size"],
    nonlinearity: Annotated[
        str | None, typer.Option(help=_("RNN and RNNCell only: tanh (default) or relu."), show_default=False)
    ] = DEFAULTS["nonlinearity"],
    batch_size: Annotated[
        int, typer.Option(help=_("Sequences in the input batch (0 allowed, as in torch)."))
    ] = DEFAULTS["batch_size"],
    seq_len: Annotated[int, typer.Option(help=_("Time steps per sequence (at least 1)."))] = DEFAULTS[
        "seq_len"
    ],
    unbatched: Annotated[
        bool, typer.Option("--unbatched", help=_("Feed one sequence (or step) with no batch dim."))
    ] = DEFAULTS["unbatched"],
    lengths: Annotated[
        str | None,
        typer.Option(
            help=_("Pack a batch of these lengths, e.g. 35,20,7 (in this order)."), show_default=False
        ),
    ] = DEFAULTS["lengths"],
    input_shape: Annotated[
        str | None,
        typer.Option(
            help=_("Diagnose: feed an input of exactly this shape, e.g. 1,35,12."), show_default=False
        ),
    ] = DEFAULTS["input_shape"],
    h0_shape: Annotated[
        str | None, typer.Option(help=_("Diagnose: feed h_0 of exactly this shape."), show_default=False)
    ] = DEFAULTS["h0_shape"],
    c0_shape: Annotated[
        str | None,
        typer.Option(help=_("Diagnose (LSTM): feed c_0 of exactly this shape."), show_default=False),
    ] = DEFAULTS["c0_shape"],
    device: Annotated[
        str, typer.Option(help=_("cpu, cuda, cuda:N, or auto (cuda when available, else cpu)."))
    ] = DEFAULTS["device"],
    dtype: Annotated[
        str, typer.Option(help=_("One of {dtypes}.").format(dtypes=", ".join(DTYPES)))
    ] = DEFAULTS["dtype"],
    seed: Annotated[
        int, typer.Option(help=_("Seeds the weights and the random input of the live run."))
    ] = DEFAULTS["seed"],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help=_("Predict shapes and cost only: no torch, instant at any size.")),
    ] = DEFAULTS["dry_run"],
    max_memory: Annotated[
        str | None,
        typer.Option(
            help=_(
                "Refuse a run estimated above this size (512MiB, 8GB, 2G). "
                "Default: half the memory available on the device."
            ),
            show_default=False,
        ),
    ] = DEFAULTS["max_memory"],
    lang: Annotated[
        str | None,
        typer.Option(
            help=_("Language of the explanations: en or ko. Default: from LC_ALL, LC_MESSAGES or LANG."),
            show_default=False,
        ),
    ] = DEFAULTS["lang"],
    decoder_layers: Annotated[
        int | None,
        typer.Option(
            help=_("Hand-off: the decoder's num_layers (default: the encoder's)."), show_default=False
        ),
    ] = DEFAULTS["decoder_layers"],
    decoder_hidden_size: Annotated[
        int | None,
        typer.Option(
            help=_("Hand-off: the decoder's hidden_size (default: D × the encoder's h features)."),
            show_default=False,
        ),
    ] = DEFAULTS["decoder_hidden_size"],
    decoder_module: Annotated[
        str | None,
        typer.Option(
            help=_("Hand-off: the decoder's class, GRU, LSTM or RNN (default: the encoder's)."),
            show_default=False,
        ),
    ] = DEFAULTS["decoder_module"],
    chunks: Annotated[
        int | None,
        typer.Option(
            help=_("Split the sequence into this many chunks, carry the state across, compare."),
            show_default=False,
        ),
    ] = DEFAULTS["chunks"],
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help=_(
                "table (for terminals), json, markdown (for issues and docs) or svg (an image of the tables)."
            ),
        ),
    ] = "table",
    as_json: Annotated[bool, typer.Option("--json", help=_("Short for --format json."))] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help=_("Show the version and exit.")
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
    from gru_shapes.api import report_for

    report = report_for(spec)
    sys.stdout.write(_draw(report, chosen))
    if not report.passed:
        raise typer.Exit(1)


def _format(output_format: str, as_json: bool) -> str:
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


def _draw(report: Report, output_format: str) -> str:
    """The report in the chosen format, as text for stdout."""
    if output_format == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if output_format == "markdown":
        from gru_shapes.markdown import markdown

        return markdown(report)
    from gru_shapes.render import svg, text

    if output_format == "svg":
        return svg(report)
    # Styles only for a terminal, and none at all under NO_COLOR; tables fit the terminal's width.
    plain = not sys.stdout.isatty() or bool(os.environ.get("NO_COLOR"))
    return text(report, _width(), styled=not plain)


@app.command(
    help=_(
        "Answer JSON Lines on stdin: one object of options per line (keys as the long options, "
        '"_" for "-"), one JSON report or error per line on stdout, in order.'
    )
)
def batch() -> None:
    import gru_shapes.runner  # noqa: F401  (torch, loaded once before the objects are frozen)
    from gru_shapes.batch import run_batch

    # A long run collects garbage again, but never re-walks torch's own objects.
    gc.freeze()
    gc.enable()
    raise typer.Exit(run_batch(sys.stdin, sys.stdout))


def _width() -> int | None:
    """The terminal's width (COLUMNS wins, as for every tool); None lets rich decide."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return shutil.get_terminal_size().columns
    return None


def main() -> None:
    """Console-script entry point."""
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
    from gru_shapes import validate

    chosen_lang = validate.lang(lang)
    with language(chosen_lang):
        chosen = _format(output_format, as_json)
        if chosen == "svg":
            raise OptionError("format", _("--format for trace must be table, json or markdown, got 'svg'"))
        shown = _trace_shown(show, show_all)
        from gru_shapes.target import has_recurrent, load, resolve
        from gru_shapes.tracer import trace_call

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
            from gru_shapes.trace_view import markdown

            sys.stdout.write(markdown(traced, shown))
        else:
            from gru_shapes.trace_view import text

            plain = not sys.stdout.isatty() or bool(os.environ.get("NO_COLOR"))
            sys.stdout.write(text(traced, _width(), styled=not plain, shown=shown))
    if traced.error is not None:
        raise typer.Exit(1)


def _trace_shown(show: str | None, show_all: bool) -> tuple[str, ...]:
    from gru_shapes.trace_view import DEFAULT_SHOWN, SHOWN

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
