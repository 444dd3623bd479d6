"""Batch mode: one JSON object of options per input line, one JSON answer per output line.

Every line gets exactly one answer, in input order, flushed as soon as it is ready; a bad line
(not UTF-8, not JSON, nested too deep, a number too long, a refused value) gets an error object and
the rest go on. Each answer is what the same line would get alone.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import typer

from gru_shapes.errors import GruShapesError, RunFailure
from gru_shapes.i18n import N_, _, language
from gru_shapes.model.onnx_plan import exporting
from gru_shapes.model.spec import Spec, make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.sections import chosen
from gru_shapes.streams import utf8

HELP = N_(
    "Answer JSON Lines on stdin: one object of options per line (keys as the long options, "
    '"_" for "-"), one JSON report or error per line on stdout, in order.'
)


def command() -> None:
    """``gru-shapes batch``: the lines of stdin answered on stdout."""
    if sys.stdin is None:
        raise RunFailure(_("stdin is closed: batch mode reads its lines there"))
    import gru_shapes.run.runner  # noqa: F401  (torch, loaded once before the objects are frozen)

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


def run_batch(lines: Iterable[str | bytes], out: TextIO, ensure_ascii: bool = False) -> int:
    """Answer every line of ``lines`` on ``out``; return 0 when all succeeded, else 1.

    Lines may be bytes (stdin read raw, split at ``\\n`` only), each decoded as strict UTF-8 on
    its own, so one bad byte costs one line. ``ensure_ascii`` escapes what ``out`` cannot encode.

    >>> import io
    >>> out = io.StringIO()
    >>> run_batch(['{"layers": 2, "dry_run": true}', "not json", b"\\xff"], out)
    1
    >>> [sorted(json.loads(line))[0] for line in out.getvalue().splitlines()]
    ['batch_size', 'error', 'error']
    """
    status = 0
    for number, line in enumerate(lines, start=1):
        answer, succeeded = _answer(number, line)
        out.write(json.dumps(answer, ensure_ascii=ensure_ascii) + "\n")
        out.flush()
        if not succeeded:
            status = 1
    return status


def _parsed(number: int, line: str | bytes) -> tuple[Any, dict[str, Any] | None]:
    """The line's JSON value, or None and the error answer."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            message = _("not UTF-8: byte {byte} at column {column}").format(
                byte=f"0x{line[error.start]:02x}", column=error.start + 1
            )
            return None, _error(number, message, None, 2)
    try:
        return json.loads(line), None
    except json.JSONDecodeError as error:
        message = _("not JSON: {reason} at column {column}").format(reason=error.msg, column=error.colno)
    except RecursionError:
        message = _("not JSON that can be read: nested too deep")
    except ValueError as error:  # an integer past Python's limit on digits
        message = _("not JSON that can be read: {reason}").format(reason=str(error).split(";")[0])
    return None, _error(number, message, None, 2)


def _answer(number: int, line: str | bytes) -> tuple[dict[str, Any], bool]:
    options, refused = _parsed(number, line)
    if refused is not None:
        return refused, False
    if not isinstance(options, dict):
        return _error(
            number,
            _("expected a JSON object of options, got {kind}").format(kind=type(options).__name__),
            None,
            2,
        ), False
    try:
        report = report_for(_spec(options))
        return report.to_dict(), report.passed
    except GruShapesError as error:
        return _error(number, str(error), error.option, error.exit_code), False
    except Exception as error:  # a bug: it must not cost the other lines their answers
        message = _("internal error, please report it: {kind}: {reason}").format(
            kind=type(error).__name__, reason=str(error).strip().split("\n")[0]
        )
        return _error(number, message, None, 1), False


def _spec(options: dict[str, Any]) -> Spec:
    """A line's spec; its ``show`` names sections as ``--show`` does, and ``onnx`` among them asks for
    the export (the JSON holds every other section whatever is shown)."""
    options = dict(options)
    show = options.pop("show", None)
    spec = make_spec(**options)
    with language(spec.lang):
        return exporting(spec, chosen(show))


def _error(number: int, message: str, option: str | None, exit_code: int) -> dict[str, Any]:
    return {"line": number, "error": {"message": message, "option": option, "exit_code": exit_code}}
