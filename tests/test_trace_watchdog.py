"""The time limit on a traced forward: it stops a loop where it is, leaves a block that ends in time
alone, and hands a real Ctrl-C to the handler that was there before."""

from __future__ import annotations

import _thread
import signal
import time
from types import FrameType

import pytest

from gru_shapes.tracing import watchdog


def test_a_loop_past_the_limit_is_stopped_with_where_it_was() -> None:
    with pytest.raises(watchdog.Stopped) as stopped, watchdog.limited(0.2, lambda _thread_id: "in the loop"):
        while True:
            time.sleep(0.01)
    assert stopped.value.where == "in the loop" and stopped.value.seconds == 0.2


def test_where_it_was_is_said_in_the_language_in_force() -> None:
    from gru_shapes.i18n import _, language

    with (
        language("ko"),
        pytest.raises(watchdog.Stopped) as stopped,
        watchdog.limited(0.2, lambda _thread_id: _("before any recurrent call")),
    ):
        while True:
            time.sleep(0.01)
    assert stopped.value.where == "순환 호출 전"


def test_a_block_that_ends_in_time_is_left_alone_and_the_handler_restored() -> None:
    before = signal.getsignal(signal.SIGINT)
    with watchdog.limited(5, lambda _thread_id: "never"):
        time.sleep(0.01)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_real_ctrl_c_goes_to_the_handler_that_was_there(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def previous(signum: int, _frame: FrameType | None) -> None:
        seen.append(signum)

    monkeypatch.setattr(signal, "getsignal", lambda _signum: previous)
    original = signal.signal
    try:
        with watchdog.limited(5, lambda _thread_id: "never"):
            _thread.interrupt_main(signal.SIGINT)  # what a Ctrl-C does
            time.sleep(0.05)
    finally:
        original(signal.SIGINT, signal.default_int_handler)
    assert seen == [signal.SIGINT]
