"""The console script: process-wide manners first, then the command line.

Ctrl-C must end the process quietly with status 130 at any moment, even while typer, rich or torch
are being imported, so the handler is installed before any of them is loaded.
"""

from __future__ import annotations

import contextlib
import os
import signal
from types import FrameType

INTERRUPTED = 130


def _interrupted(_signum: int, _frame: FrameType | None) -> None:
    # os._exit, not an exception: nothing (torch's import machinery included) can catch or print
    # it, and no traceback is drawn. What was already written stays written.
    os._exit(INTERRUPTED)


def quiet_interrupts() -> None:
    """End the process with status 130 on SIGINT, without a traceback (main thread only)."""
    # Outside the main thread signal() refuses: the embedding program's handling then stays.
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, _interrupted)


def main() -> None:
    """Entry point of ``gru-shapes`` and ``python -m gru_shapes``."""
    quiet_interrupts()
    from gru_shapes.cli import main as command_line

    command_line()
