"""Languages: English in the code, Korean from the gettext catalogue in ``gru_shapes/locale``.

Every human-readable string is written in English inside ``_()`` (or ``N_()`` where it is defined
before the language is known) and looked up in the active language's catalogue. The language is
active for a block (``with language("ko"):``); outside any block, the environment's locale decides.
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LANGS = ("en", "ko")
DOMAIN = "gru_shapes"
LOCALE_DIR = Path(__file__).parent / "locale"

_active: ContextVar[str | None] = ContextVar("gru_shapes_language", default=None)


def default_lang(environ: Mapping[str, str] = os.environ) -> str:
    """The locale's language, as POSIX ranks the variables: the first of LC_ALL, LC_MESSAGES and LANG
    that is set decides; a value starting with ``ko`` gives Korean, anything else English.

    >>> default_lang({"LANG": "ko_KR.UTF-8"}), default_lang({"LC_ALL": "C", "LANG": "ko_KR"}), default_lang({})
    ('ko', 'en', 'en')
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def current() -> str:
    """The language in force here."""
    return _active.get() or default_lang()


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Speak ``lang`` for the duration of the block."""
    token = _active.set(lang)
    try:
        yield
    finally:
        _active.reset(token)


@functools.cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()  # the source strings are the English
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def _(message: str) -> str:
    """``message`` in the language in force."""
    return _catalogue(current()).gettext(message)


def N_(message: str) -> str:  # the name gettext tools look for
    """Mark a string for the catalogue where it is defined; translate it with ``_()`` where it is used."""
    return message
