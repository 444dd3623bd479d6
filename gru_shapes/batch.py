"""Batch mode: one JSON object of options per input line, one JSON answer per output line.

Every line gets exactly one answer, in input order, flushed as soon as it is ready; a bad line
(not UTF-8, not JSON, nested too deep, a number too long, a refused value) gets an error object and
the rest go on. Each answer is what the same line would get alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from gru_shapes.api import report_for
from gru_shapes.errors import GruShapesError
from gru_shapes.i18n import _
from gru_shapes.model.spec import make_spec


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
        report = report_for(make_spec(**options))
        return report.to_dict(), report.passed
    except GruShapesError as error:
        return _error(number, str(error), error.option, error.exit_code), False
    except Exception as error:  # a bug: it must not cost the other lines their answers
        message = _("internal error, please report it: {kind}: {reason}").format(
            kind=type(error).__name__, reason=str(error).strip().split("\n")[0]
        )
        return _error(number, message, None, 1), False


def _error(number: int, message: str, option: str | None, exit_code: int) -> dict[str, Any]:
    return {"line": number, "error": {"message": message, "option": option, "exit_code": exit_code}}
