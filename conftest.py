"""Shared by the tests and the doctests: run them in English whatever the machine's locale."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    # The language defaults from these, as it does for users; tests that want Korean ask for it.
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
