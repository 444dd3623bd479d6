"""Batch mode: one JSON object of options per input line, one JSON answer per output line.

Every line gets exactly one answer, in input order, flushed as soon as it is ready; a bad line
gets an error object and the rest go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from gru_shapes.api import report_for
from gru_shapes.errors import GruShapesError, OptionError
from gru_shapes.i18n import _
from gru_shapes.spec import make_spec


def run_batch(lines: Iterable[str], out: TextIO) -> int:
    """Answer every line of ``lines`` on ``out``; return 0 when all succeeded, else 1.

    >>> import io
    >>> out = io.StringIO()
    >>> run_batch(['{"layers": 2, "dry_run": true}', "not json"], out)
    1
    >>> [sorted(json.loads(line))[0] for line in out.getvalue().splitlines()]
    ['batch_size', 'error']
    """
    status = 0
    for number, line in enumerate(lines, start=1):
        answer, succeeded = _answer(number, line)
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
        if not succeeded:
            status = 1
    return status


def _answer(number: int, line: str) -> tuple[dict[str, Any], bool]:
    try:
        options = json.loads(line)
    except json.JSONDecodeError as error:
        message = _("not JSON: {reason} at column {column}").format(reason=error.msg, column=error.colno)
        return _error(number, message, None, 2), False
    if not isinstance(options, dict):
        return _error(
            number,
            _("expected a JSON object of options, got {kind}").format(kind=type(options).__name__),
            None,
            2,
        ), False
    try:
        report = report_for(make_spec(**options))
    except GruShapesError as error:
        option = error.option if isinstance(error, OptionError) else None
        return _error(number, str(error), option, error.exit_code), False
    return report.to_dict(), report.passed


def _error(number: int, message: str, option: str | None, exit_code: int) -> dict[str, Any]:
    return {"line": number, "error": {"message": message, "option": option, "exit_code": exit_code}}
