"""The command line: options in, one renderer out, errors mapped to exit codes in one place.

torch is never imported here: help, completion, dry runs and refusals never load it; only a
real run reaches it, through the runner.
"""

from __future__ import annotations

import gc
import json
import shutil
import sys
from dataclasses import replace
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from gru_shapes import __version__, batch
from gru_shapes.cli_trace import HELP as TRACE_HELP
from gru_shapes.cli_trace import trace_command
from gru_shapes.errors import GruShapesError
from gru_shapes.i18n import LANGS, N_, current, language
from gru_shapes.model.onnx_plan import exporting
from gru_shapes.model.spec import DEFAULTS, make_spec
from gru_shapes.model.validate import DTYPES, MODULES
from gru_shapes.report import Report
from gru_shapes.run import threads
from gru_shapes.show.formats import output_format as output_format_of
from gru_shapes.show.formats import styled, terminal_width
from gru_shapes.show.sections import chosen as chosen_sections
from gru_shapes.show.sections import names as section_names
from gru_shapes.streams import BROKEN_PIPE, guard_stdout, reader_gone, say, utf8

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


class _SubcommandHelp(TyperCommand):
    """A subcommand whose --help is drawn as the main command's: the same rows, width and language."""

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
    encoder_bidirectional: Annotated[
        bool,
        typer.Option(
            "--encoder-bidirectional",
            help=N_("Diagnose: h_0 (c_0) is a bidirectional encoder's h_n."),
        ),
    ] = DEFAULTS["encoder_bidirectional"],
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help=N_("table, json, markdown, svg or html."),
        ),
    ] = "table",
    as_json: Annotated[bool, typer.Option("--json", help=N_("Short for --format json."))] = False,
    show: Annotated[
        str | None,
        typer.Option(
            help=N_("Add: {names}."),
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help=N_("Show every section."))] = False,
    onnx_out: Annotated[
        str | None,
        typer.Option(help=N_("Keep the ONNX file of --show onnx here (implies it)."), show_default=False),
    ] = DEFAULTS["onnx_out"],
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
        chosen = output_format_of(output_format, as_json)
        shown = chosen_sections(show, show_all)
        # Only a name exports: --all draws what the run made, and the export needs an extra.
        spec = exporting(spec, chosen_sections(show))
    if "handoff" in shown and chosen != "json":
        # Asked for by name, the section checks the usual decoders when none is named. JSON carries the
        # same fields whatever is shown: its hand-off is the decoder's the options name, or null.
        spec = replace(spec, handoff_shown=True)
    from gru_shapes.run.pipeline import report_for

    report = report_for(spec)
    sys.stdout.write(_draw(report, chosen, shown))
    if not report.passed:
        raise typer.Exit(1)


def _draw(report: Report, output_format: str, show: tuple[str, ...] | None = None) -> str:
    """The report in the chosen format, as text for stdout; ``show``: the named sections drawn
    (JSON always carries everything)."""
    if output_format == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=not utf8(sys.stdout)) + "\n"
    if output_format == "markdown":
        from gru_shapes.show.markdown import markdown

        return markdown(report, show)
    if output_format == "svg":
        from gru_shapes.show.svg import svg

        return svg(report, show=show)
    if output_format == "html":
        from gru_shapes.show.page import document

        return document(report, show)
    from gru_shapes.show.render import text

    # Tables fit the terminal's width.
    return text(report, terminal_width(), styled=styled(), show=show)


def main() -> None:
    """The command line, after :func:`gru_shapes.entry.main` has made Ctrl-C quiet."""
    guard_stdout()
    # The process is ours: small runs may take one thread (gru_shapes.run.threads).
    threads.own_process()
    # After `import torch` each full garbage collection walks hundreds of thousands of objects
    # (about 60 ms here); a one-shot command creates no garbage worth that.
    gc.disable()
    # The same name (and completion variable, _GRU_SHAPES_COMPLETE) however it was started.
    app(prog_name=PROG)


# The subcommands live in modules of their own; they are registered here, in the order --help lists them.
app.command("batch", help=batch.HELP, cls=_SubcommandHelp)(batch.command)
app.command("trace", help=TRACE_HELP, cls=_SubcommandHelp)(trace_command)
