"""Languages: English in the code, Korean from the gettext catalogue in ``gru_shapes/locale``.

Every human-readable string is written in English inside ``_()`` (or ``N_()`` where it is defined
before the language is known) and looked up in the active language's catalogue. The language is
active for a block (``with language("ko"):``); outside any block, the environment's locale decides.
"""

from __future__ import annotations

import functools
import gettext
import os
import re
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
    """``message`` in the language in force.

    Korean particles written as pairs (``이(가)``, ``(으)로``) are chosen by the word before them,
    once any ``{placeholder}`` is filled: ``_("...").format(...)`` resolves them too.
    """
    lang = current()
    translated = _catalogue(lang).gettext(message)
    if lang == "en":
        return translated
    return _Korean(particles(translated) if "{" not in translated else translated)


class _Korean(str):
    """A Korean message whose particles are chosen when it is formatted."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return particles(str.format(self, *args, **kwargs))


# Each pair as written in the catalogue: (after a final consonant, after a vowel).
_PAIRS = {
    "은(는)": ("은", "는"),
    "이(가)": ("이", "가"),
    "을(를)": ("을", "를"),
    "과(와)": ("과", "와"),
    "와(과)": ("과", "와"),
    "(으)로": ("으로", "로"),
    "(이)어야": ("이어야", "여야"),
    "(이)어도": ("이어도", "여도"),
    "(이)나": ("이나", "나"),
}
_PAIR = re.compile("|".join(re.escape(pair) for pair in _PAIRS))
# How a digit or a Latin letter at the end of a word is read: its final consonant, "" for none.
_DIGITS = "영ㄹ ㅁ  ㄱㄹㄹ "  # 영, 일, 이, 삼, 사, 오, 육, 칠, 팔, 구
_LETTERS = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "k": "ㄱ", "p": "ㅂ", "t": "ㅅ", "b": "ㅂ", "g": "ㅇ"}


def final_consonant(word: str) -> str:
    """The final consonant (받침) the last sound of ``word`` ends with, or "" for a vowel; closing
    brackets and quotes are skipped, digits are read in Sino-Korean, code as English.

    >>> final_consonant("input_size=10"), final_consonant("nn.GRU"), final_consonant("[4, 1, 32]")
    ('ㅂ', '', '')
    >>> final_consonant("차원"), final_consonant("1"), final_consonant("h_0"), final_consonant("배치")
    ('ㄴ', 'ㄹ', 'ㅇ', '')
    >>> [final_consonant(str(digit)) for digit in range(10)]  # 영 일 이 삼 사 오 육 칠 팔 구
    ['ㅇ', 'ㄹ', '', 'ㅁ', '', '', 'ㄱ', 'ㄹ', 'ㄹ', '']
    """
    stripped = word.rstrip(")]}'\"`’” ")
    if not stripped:
        return ""
    last = stripped[-1]
    if "가" <= last <= "힣":
        tail = (ord(last) - ord("가")) % 28
        return "" if tail == 0 else "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"[tail - 1]
    if last.isdigit():
        ending = _DIGITS[int(last)].strip()
        if ending == "영":  # 0: read 영, 10: 십, 100: 백, 1000: 천
            number = re.search(r"[0-9]+$", stripped)
            digits = number.group(0) if number else "0"
            zeros = len(digits) - len(digits.rstrip("0"))
            return {1: "ㅂ", 2: "ㄱ", 3: "ㄴ"}.get(zeros, "ㅇ") if zeros < len(digits) else "ㅇ"
        return ending
    return _LETTERS.get(last.lower(), "")


def particles(text: str) -> str:
    """Resolve every particle pair in ``text`` by the word before it.

    >>> particles("1이(가) 아니라 35이(가)"), particles("nn.GRU이(가) 받습니다"), particles("input_size=10(으)로")
    ('1이 아니라 35가', 'nn.GRU가 받습니다', 'input_size=10으로')
    >>> particles("층(으)로, 레이블(으)로, 1(으)로, True(이)어도, input과(와)")
    '층으로, 레이블로, 1로, True여도, input과'
    """

    def chosen(match: re.Match[str]) -> str:
        after_consonant, after_vowel = _PAIRS[match.group(0)]
        tail = final_consonant(text[: match.start()].split()[-1] if text[: match.start()].strip() else "")
        if match.group(0) == "(으)로" and tail == "ㄹ":
            return after_vowel  # ㄹ takes 로 as a vowel does
        return after_consonant if tail else after_vowel

    return _PAIR.sub(chosen, text)


def N_(message: str) -> str:  # the name gettext tools look for
    """Mark a string for the catalogue where it is defined; translate it with ``_()`` where it is used."""
    return message
