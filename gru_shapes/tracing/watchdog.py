"""A time limit on the traced forward: past it, the model is stopped where it is.

A timer thread notes where the forward was (the model's own line, the recurrent calls made so far)
and interrupts the main thread, which raises at its next Python instruction (a long operation inside
torch finishes first); the block then raises :class:`Stopped`. A real Ctrl-C meanwhile goes to the
handler that was there before (the command line's quiet exit).
"""

from __future__ import annotations

import _thread
import contextvars
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class Stopped(Exception):
    """The traced forward ran past its time limit; ``where`` says where it was."""

    def __init__(self, seconds: float, where: str) -> None:
        super().__init__(where)
        self.seconds, self.where = seconds, where


class _Interrupted(BaseException):
    """The timer's own interrupt, raised in the main thread (never a KeyboardInterrupt to catch)."""


@contextmanager
def limited(seconds: float | None, where: Callable[[int], str]) -> Iterator[None]:
    """Run the block with a time limit (None or 0: none; outside the main thread: none, as signals
    reach the main thread only). ``where(thread_id)`` says where that thread is when time is up."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    lock = threading.Lock()
    state: dict[str, Any] = {"done": False, "fired": None}
    target = threading.get_ident()
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: FrameType | None) -> None:
        if state["fired"] is not None:
            if not state["done"]:
                raise _Interrupted
            return  # landed after the block ended: nothing left to stop
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    def stop() -> None:
        with lock:
            if state["done"]:
                return
            state["fired"] = where(target)
            _thread.interrupt_main(signal.SIGINT)

    signal.signal(signal.SIGINT, handler)
    # The timer thread runs in the caller's context, so that ``where`` speaks the language in force.
    timer = threading.Timer(seconds, contextvars.copy_context().run, args=(stop,))
    timer.daemon = True
    timer.start()
    try:
        try:
            yield
        finally:
            with lock:
                state["done"] = True
            timer.cancel()
    except _Interrupted:
        raise Stopped(seconds, state["fired"] or "") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    if state["fired"] is not None:
        raise Stopped(seconds, state["fired"])
