"""``gru-shapes trace TARGET``: the recurrent layers inside the user's own model, explained in place.

Registered on the command line's app by :mod:`gru_shapes.cli`; torch is imported only when a model
is really traced, never for ``--help``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Annotated

import typer

from gru_shapes.errors import OptionError
from gru_shapes.i18n import N_, _, language
from gru_shapes.model import validate
from gru_shapes.show import formats

HELP = N_(
    "Trace the recurrent layers inside your own model: every call of every nn.GRU, LSTM, RNN or cell "
    "explained in place, what the model does with the results, and a summary up to the error. "
    "TARGET is path/to/file.py:NAME or package.module:NAME; NAME is a function returning "
    "(model, args) or (model, args, kwargs), or a model (then give --input-shape). "
    "Loading the file runs its code, as python file.py would."
)
# Seconds the traced forward may run before it is stopped (--timeout).
DEFAULT_TIMEOUT = 120.0


def trace_command(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help=N_("path/to/file.py:NAME or package.module:NAME"))],
    input_shape: Annotated[
        list[str] | None,
        typer.Option(
            help=N_("For a NAME that is a model: one random input of this shape (repeatable)."),
            show_default=False,
        ),
    ] = None,
    input_dtype: Annotated[
        str,
        typer.Option(help=N_("dtype of those inputs: float32, float64, float16, bfloat16, int64 or int32.")),
    ] = "float32",
    input_high: Annotated[
        int, typer.Option(help=N_("Integer inputs (token ids) are drawn from 0 to this, exclusive."))
    ] = 10,
    seed: Annotated[int, typer.Option(help=N_("Seeds the random inputs."))] = 0,
    train: Annotated[
        bool, typer.Option("--train", help=N_("Run in train mode (default: eval mode)."))
    ] = False,
    autograd: Annotated[
        bool, typer.Option("--autograd", help=N_("Run with autograd on (default: torch.inference_mode())."))
    ] = False,
    show: Annotated[
        str | None,
        typer.Option(
            help=N_(
                "Sections to show, comma-separated: calls (the default), report (each configuration's full report)."
            ),
            show_default=False,
        ),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help=N_("Show every section."))] = False,
    lang: Annotated[
        str | None, typer.Option(help=N_("Language: en or ko. Default: from the locale."), show_default=False)
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help=N_("table, json or markdown."))] = "table",
    as_json: Annotated[bool, typer.Option("--json", help=N_("Short for --format json."))] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help=N_("Exit with status 1 when a pitfall is found (for CI)."))
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            help=N_("Stop the traced forward after this many seconds, saying where it was; 0: no limit."),
            metavar="SECONDS",
        ),
    ] = DEFAULT_TIMEOUT,
) -> None:
    # `gru-shapes --lang ko trace ...` asks for Korean as much as `gru-shapes trace ... --lang ko` does.
    if lang is None and ctx.parent is not None:
        lang = ctx.parent.params.get("lang")
    chosen_lang = validate.lang(lang)
    with language(chosen_lang):
        chosen = formats.output_format(output_format, as_json)
        if timeout < 0 or timeout != timeout:
            raise OptionError(
                "timeout", _("--timeout must be 0 or more seconds, got {value}").format(value=timeout)
            )
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
                model,
                args,
                kwargs,
                train=train,
                inference_mode=not autograd,
                lang=chosen_lang,
                timeout=timeout or None,
            )
        if chosen == "json":
            sys.stdout.write(json.dumps(traced.to_dict(), indent=2, ensure_ascii=False) + "\n")
        elif chosen == "markdown":
            from gru_shapes.show.trace_view import markdown

            sys.stdout.write(markdown(traced, shown))
        else:
            from gru_shapes.show.trace_view import text

            sys.stdout.write(text(traced, formats.terminal_width(), styled=formats.styled(), shown=shown))
    if traced.error is not None or (strict and traced.pitfalls):
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
