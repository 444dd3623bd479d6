"""Everything the exporter and onnxruntime print or warn, collected instead of shown: Python warnings,
``sys.stdout``/``sys.stderr``, and C++ lines written straight to file descriptors 1 and 2.

torch's TorchScript exporter prints its IR graph on stdout when it refuses a module, and writes C++
shape-inference warnings to fd 2 for a packed input; ``--json`` must stay one clean document, so all
of it is captured and handed back as lines.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def captured() -> Iterator[list[str]]:
    """Collect what runs inside prints, warns or logs; the list is filled when the block ends.

    >>> with captured() as lines:
    ...     print("exporting")
    ...     warnings.warn("legacy exporter", DeprecationWarning)
    >>> lines
    ['DeprecationWarning: legacy exporter', 'exporting']
    """
    lines: list[str] = []
    sys.stdout.flush()
    sys.stderr.flush()
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    with tempfile.TemporaryFile() as sink:
        saved = _redirected(sink.fileno())
        out, err = io.StringIO(), io.StringIO()
        try:
            with (
                warnings.catch_warnings(record=True) as caught,
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
            ):
                warnings.simplefilter("always")
                logger.setLevel(logging.ERROR)
                yield lines
        finally:
            logger.setLevel(level)
            _restored(saved)
            sink.seek(0)
            lines.extend(f"{w.category.__name__}: {w.message}" for w in caught)
            printed = out.getvalue() + err.getvalue() + sink.read().decode(errors="replace")
            lines.extend(line for line in printed.splitlines() if line.strip())


def _redirected(target: int) -> tuple[int, int] | None:
    """Point fds 1 and 2 at ``target``; None where they cannot be duplicated (then only Python's
    streams are captured)."""
    try:
        saved = os.dup(1), os.dup(2)
    except OSError:
        return None
    os.dup2(target, 1)
    os.dup2(target, 2)
    return saved


def _restored(saved: tuple[int, int] | None) -> None:
    if saved is None:
        return
    with contextlib.suppress(ValueError, OSError):  # a stream already closed by its owner
        sys.stdout.flush()
        sys.stderr.flush()
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    os.close(saved[0])
    os.close(saved[1])
