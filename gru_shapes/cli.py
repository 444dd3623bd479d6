"""The command line: options in, one renderer out, errors mapped to exit codes in one place.

torch is never imported here; only a real run reaches it (through the runner).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from gru_shapes import __version__
from gru_shapes.errors import GruShapesError
from gru_shapes.spec import DEFAULTS, DTYPES, make_spec

PROG = "gru-shapes"


class _OneLineErrors(TyperCommand):
    """Report every refusal as one line on stderr with the right exit status, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            status = super().main(*args, **kwargs)
        except typer.TyperException as error:  # Typer's own parsing errors: bad types, unknown options
            _fail(error.format_message(), getattr(error, "exit_code", 2))
        except GruShapesError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            sys.exit(130)
        sys.exit(status if isinstance(status, int) else 0)


def _fail(message: str, status: int) -> NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(status)


def _show_version(value: bool) -> None:
    if value:
        print(f"{PROG} {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name=PROG,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


@app.command(cls=_OneLineErrors)
def explain(
    input_size: Annotated[
        int, typer.Option(help="nn.GRU input_size: features of x at each step.")
    ] = DEFAULTS["input_size"],
    hidden_size: Annotated[
        int, typer.Option(help="nn.GRU hidden_size: features of the hidden state.")
    ] = DEFAULTS["hidden_size"],
    layers: Annotated[int, typer.Option(help="nn.GRU num_layers: how many GRUs are stacked.")] = DEFAULTS[
        "layers"
    ],
    bidirectional: Annotated[
        bool, typer.Option(help="nn.GRU bidirectional: run a backward GRU too (D = 2).")
    ] = DEFAULTS["bidirectional"],
    batch_first: Annotated[
        bool,
        typer.Option(
            "--batch-first/--seq-first",
            help="Layout of input and output: (batch, seq, feature) or (seq, batch, feature).",
        ),
    ] = DEFAULTS["batch_first"],
    bias: Annotated[bool, typer.Option(help="nn.GRU bias: learn bias_ih and bias_hh.")] = DEFAULTS["bias"],
    dropout: Annotated[
        float, typer.Option(help="nn.GRU dropout between stacked layers, from 0 to 1.")
    ] = DEFAULTS["dropout"],
    batch_size: Annotated[
        int, typer.Option(help="Sequences in the input batch (0 allowed, as in torch).")
    ] = DEFAULTS["batch_size"],
    seq_len: Annotated[int, typer.Option(help="Time steps per sequence (at least 1).")] = DEFAULTS["seq_len"],
    device: Annotated[
        str, typer.Option(help="cpu, cuda, cuda:N, or auto (cuda when available, else cpu).")
    ] = DEFAULTS["device"],
    dtype: Annotated[str, typer.Option(help=f"One of {', '.join(DTYPES)}.")] = DEFAULTS["dtype"],
    seed: Annotated[
        int, typer.Option(help="Seeds the weights and the random input of the live run.")
    ] = DEFAULTS["seed"],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON report on stdout instead of tables.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Explain every dimension of a real nn.GRU forward pass: input, h_0, output and h_n."""
    from gru_shapes.api import report_for

    spec = make_spec(
        input_size=input_size,
        hidden_size=hidden_size,
        layers=layers,
        bidirectional=bidirectional,
        batch_first=batch_first,
        bias=bias,
        dropout=dropout,
        batch_size=batch_size,
        seq_len=seq_len,
        device=device,
        dtype=dtype,
        seed=seed,
    )
    report = report_for(spec)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console

        from gru_shapes.render import render

        Console().print(render(report))
    if not report.passed:
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()
