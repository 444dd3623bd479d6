"""Prose broken into lines the way a reader would break it: never inside a formula or a short bracket,
and at a comma, semicolon or colon rather than in the middle of a phrase.

A plain greedy wrap breaks ``D × num_layers = 1 × 1`` before its ``=`` and ``time steps, read in order``
between ``read`` and ``in``; here the terms joined by ``=``, ``×`` or ``+`` stay on one line, and so does
a bracket of a few words, unless the line is too narrow for them (then they break between words).
Widths are display widths (a Hangul syllable takes two columns).
"""

from __future__ import annotations

import re

from rich.cells import cell_len

# Terms joined by these stay together: "hidden_size = 32", "2 × proj_size = 16".
_JOINERS = frozenset({"=", "×", "+", "−", "->", "→", "==", "!="})
# A bracket kept whole when it is at most this wide.
_SHORT_BRACKET = 28
# A line ending at a comma, semicolon or colon is preferred when it is at least this share of the width.
_PHRASE_SHARE = 0.5
# At most this many words are carried to the next line to end a line at a phrase.
_MOST_CARRIED = 3


def units(text: str) -> list[str]:
    """The words of ``text`` with the spaces after them, those that belong together joined.

    >>> units("D × num_layers = 1 × 1 one per layer")
    ['D × num_layers = 1 × 1 ', 'one ', 'per ', 'layer']
    >>> units("returns  [1, 35, 32], [1, 1, 32]")
    ['returns  ', '[1, 35, 32], ', '[1, 1, 32]']
    """
    joined: list[str] = []
    depth = 0
    pending_join = False
    for token in re.findall(r"\S+\s*", text.strip()):
        word = token.rstrip()
        if joined and (pending_join or word in _JOINERS or depth > 0):
            joined[-1] += token
        else:
            joined.append(token)
        depth = max(0, depth + sum(word.count(c) for c in "([") - sum(word.count(c) for c in ")]"))
        pending_join = word in _JOINERS
        if depth > 0 and cell_len(joined[-1].rstrip()) > _SHORT_BRACKET:
            depth = 0  # a long bracket is prose: it may break like prose
    return joined


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken between units, at the end of a phrase
    where one ends far enough along the line; a unit wider than a line is broken between its words.
    The spaces between words are kept as they are.

    >>> wrap("time steps, read in order", 20)
    ['time steps,', 'read in order']
    >>> wrap("layers 1 and up: x_t is the layer below's h_t, 2 × proj_size = 16 features", 60)
    ["layers 1 and up: x_t is the layer below's h_t,", '2 × proj_size = 16 features']

    An indented line keeps its indent, and an item of a numbered list hangs under its text:

    >>> wrap("  3. h_0 = torch.zeros(1, 35, 32): start from zeros", 30)
    ['  3. h_0 = torch.zeros(1, 35,', '     32): start from zeros']
    """
    item = re.match(r"\s*(?:[0-9]+[.)]\s+)?", text)
    indent = item[0] if item else ""
    if indent and cell_len(indent) < width // 2:
        body = wrap(text[len(indent) :], width - cell_len(indent))
        return [indent + body[0], *(" " * cell_len(indent) + line for line in body[1:])]
    width = max(width, 1)
    pieces: list[str] = []
    for unit in units(text):
        pieces.extend([unit] if _width([unit]) <= width else _terms(unit))
    # Ending lines at phrases must not cost a line: it is kept only when it takes no more lines.
    greedy, phrased = _fill(pieces, width, phrases=False), _fill(pieces, width, phrases=True)
    return phrased if len(phrased) <= len(greedy) else greedy


def _fill(pieces: list[str], width: int, phrases: bool) -> list[str]:
    lines: list[list[str]] = [[]]
    for piece in pieces:
        line = lines[-1]
        if not line or _width([*line, piece]) <= width:
            line.append(piece)
            continue
        carried = _phrase_end(line, width) if phrases else len(line)
        lines[-1], rest = line[:carried], line[carried:]
        lines.append([*rest, piece] if _width([*rest, piece]) <= width else [*rest])
        if lines[-1] == rest:
            lines.append([piece])
    return ["".join(line).rstrip() for line in lines if line] or [""]


def _terms(unit: str) -> list[str]:
    """A unit too wide for a line, in pieces that break after ``=`` or ``×``, never before one: a
    line may end ``sum(lengths) =``, the next never starts with ``=``."""
    pieces: list[str] = []
    for token in re.findall(r"\S+\s*", unit):
        if pieces and token.rstrip() in _JOINERS:
            pieces[-1] += token
        else:
            pieces.append(token)
    return pieces


def _width(pieces: list[str]) -> int:
    return cell_len("".join(pieces).rstrip())


def _phrase_end(line: list[str], width: int) -> int:
    """Where to end a full line: after its last unit closing a phrase, if that is far enough along
    and leaves at most a few words to carry over."""
    for index in range(len(line), max(0, len(line) - _MOST_CARRIED - 1), -1):
        if (
            line[index - 1].rstrip().endswith((",", ";", ":"))
            and _width(line[:index]) >= width * _PHRASE_SHARE
        ):
            return index
    return len(line)
