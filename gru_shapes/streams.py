"""Standard streams that fail politely: a reader that goes away, a full disk, a closed stream.

The command line writes through :func:`guard_stdout`'s wrapper, so whichever write or flush meets
the failure (ours, rich's, Typer's help) ends the process the same documented way, never with a
traceback: status 141 when the reader of a pipe went away (as a program ended by SIGPIPE), and one
line on stderr with status 1 for anything else.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn, TextIO, cast

from gru_shapes.i18n import _

# Exit status of a process whose reader went away, as for a writer killed by SIGPIPE.
BROKEN_PIPE = 141


def say(message: str) -> None:
    """One line on stderr, if there is a stderr to write to."""
    if sys.stderr is None:
        return
    try:
        print(_("{program}: error: {message}").format(program="gru-shapes", message=message), file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr is gone too: the exit status is all that is left
        pass


def reader_gone() -> NoReturn:
    """End quietly with status 141: the pipe's reader stopped reading (``| head``)."""
    try:  # later flushes, ours or the interpreter's, then go nowhere instead of failing again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass
    os._exit(BROKEN_PIPE)


def write_failed(error: OSError) -> NoReturn:
    if isinstance(error, BrokenPipeError):
        reader_gone()
    say(_("cannot write to stdout: {reason}").format(reason=error.strerror or error))
    os._exit(1)


class _Guarded:
    """sys.stdout, with every write and flush failure mapped to an exit status."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            write_failed(error)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            write_failed(error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> None:
    """Install the guard on ``sys.stdout``; refuse to go on (status 1) when stdout is closed."""
    if sys.stdout is None:
        say(_("stdout is closed: there is nowhere to write the answer"))
        sys.exit(1)
    if not isinstance(sys.stdout, _Guarded):
        if not utf8(sys.stdout):
            # A stream that cannot encode "×" or Korean escapes it rather than failing.
            reconfigure = getattr(sys.stdout, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="backslashreplace")
        sys.stdout = cast(TextIO, _Guarded(sys.stdout))


def utf8(stream: TextIO) -> bool:
    """Whether ``stream`` can encode every character (JSON is escaped to ASCII when not)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return encoding.startswith("utf")
