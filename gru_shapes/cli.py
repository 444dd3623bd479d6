"""The command line: options in, one renderer out, errors mapped to exit codes in one place.

torch is never imported here: help, completion, dry runs and refusals never load it; only a
real run reaches it, through the runner.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from gru_shapes import __version__
from gru_shapes.errors import GruShapesError
from gru_shapes.spec import DEFAULTS, DTYPES, MODULES, make_spec

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
    print(f"{PROG}: error: {message}", file=sys.stderr)
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


@app.callback(invoke_without_command=True)
def explain(
    ctx: typer.Context,
    module: Annotated[
        str, typer.Option(help=f"The torch.nn class: {', '.join(MODULES)} (any case).")
    ] = DEFAULTS["module"],
    input_size: Annotated[int, typer.Option(help="input_size: features of x at each step.")] = DEFAULTS[
        "input_size"
    ],
    hidden_size: Annotated[int, typer.Option(help="hidden_size: features of the hidden state.")] = DEFAULTS[
        "hidden_size"
    ],
    layers: Annotated[int, typer.Option(help="num_layers: how many layers are stacked.")] = DEFAULTS[
        "layers"
    ],
    bidirectional: Annotated[
        bool, typer.Option(help="bidirectional: run a backward pass too (D = 2).")
    ] = DEFAULTS["bidirectional"],
    batch_first: Annotated[
        bool,
        typer.Option(
            "--batch-first/--seq-first",
            help="Layout of input and output: (batch, seq, feature) or (seq, batch, feature).",
        ),
    ] = DEFAULTS["batch_first"],
    bias: Annotated[bool, typer.Option(help="bias: learn bias_ih and bias_hh.")] = DEFAULTS["bias"],
    dropout: Annotated[float, typer.Option(help="dropout between stacked layers, from 0 to 1.")] = DEFAULTS[
        "dropout"
    ],
    proj_size: Annotated[
        int | None,
        typer.Option(help="LSTM only: project h to this many features (0: none).", show_default=False),
    ] = DEFAULTS["proj_size"],
    nonlinearity: Annotated[
        str | None, typer.Option(help="RNN and RNNCell only: tanh (default) or relu.", show_default=False)
    ] = DEFAULTS["nonlinearity"],
    batch_size: Annotated[
        int, typer.Option(help="Sequences in the input batch (0 allowed, as in torch).")
    ] = DEFAULTS["batch_size"],
    seq_len: Annotated[int, typer.Option(help="Time steps per sequence (at least 1).")] = DEFAULTS["seq_len"],
    unbatched: Annotated[
        bool, typer.Option("--unbatched", help="Feed one sequence (or step) with no batch dim.")
    ] = DEFAULTS["unbatched"],
    lengths: Annotated[
        str | None,
        typer.Option(help="Pack a batch of these lengths, e.g. 35,20,7 (in this order).", show_default=False),
    ] = DEFAULTS["lengths"],
    input_shape: Annotated[
        str | None,
        typer.Option(help="Diagnose: feed an input of exactly this shape, e.g. 1,35,12.", show_default=False),
    ] = DEFAULTS["input_shape"],
    h0_shape: Annotated[
        str | None, typer.Option(help="Diagnose: feed h_0 of exactly this shape.", show_default=False)
    ] = DEFAULTS["h0_shape"],
    c0_shape: Annotated[
        str | None, typer.Option(help="Diagnose (LSTM): feed c_0 of exactly this shape.", show_default=False)
    ] = DEFAULTS["c0_shape"],
    device: Annotated[
        str, typer.Option(help="cpu, cuda, cuda:N, or auto (cuda when available, else cpu).")
    ] = DEFAULTS["device"],
    dtype: Annotated[str, typer.Option(help=f"One of {', '.join(DTYPES)}.")] = DEFAULTS["dtype"],
    seed: Annotated[
        int, typer.Option(help="Seeds the weights and the random input of the live run.")
    ] = DEFAULTS["seed"],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Predict shapes and cost only: no torch, instant at any size.")
    ] = DEFAULTS["dry_run"],
    max_memory: Annotated[
        str | None,
        typer.Option(
            help="Refuse a run estimated above this size (512MiB, 8GB, 2G). "
            "Default: half the memory available on the device.",
            show_default=False,
        ),
    ] = DEFAULTS["max_memory"],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON report on stdout instead of tables.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Explain every dimension of a real forward pass of nn.GRU, LSTM, RNN or their cells:
    input, h_0, output and h_n (and c for LSTMs), or why torch refuses a shape."""
    if ctx.invoked_subcommand is not None:
        return
    from gru_shapes.api import report_for

    # Only what the user typed: an option a module does not take is refused when given, so the
    # defaults of options that do not apply must not count as given.
    typed = {name: value for name, value in ctx.params.items() if name in DEFAULTS and _typed(ctx, name)}
    report = report_for(make_spec(**typed))
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console

        from gru_shapes.render import render

        Console().print(render(report))
    if not report.passed:
        raise typer.Exit(1)


@app.command()
def batch() -> None:
    """Answer JSON Lines on stdin: one object of options per line (keys as the long options,
    "_" for "-"), one JSON report or error per line on stdout, in order."""
    import gru_shapes.runner  # noqa: F401  (torch, loaded once before the objects are frozen)
    from gru_shapes.batch import run_batch

    # A long run collects garbage again, but never re-walks torch's own objects.
    gc.freeze()
    gc.enable()
    raise typer.Exit(run_batch(sys.stdin, sys.stdout))


def main() -> None:
    """Console-script entry point."""
    # After `import torch` each full garbage collection walks hundreds of thousands of objects
    # (about 60 ms here); a one-shot command creates no garbage worth that.
    gc.disable()
    # The same name (and completion variable, _GRU_SHAPES_COMPLETE) however it was started.
    app(prog_name=PROG)
