"""The uses recorded for one recurrent call: each once, the most a call keeps, and a loop over the
steps (``out(output[:, t])`` for every ``t``) folded into one row that names the indices it ran over.

Plain Python, no torch.

>>> from gru_shapes.tracing.traced import Use
>>> rows = Uses()
>>> for t in range(10):
...     rows.add(Use(f"output[:, {t}]", (1, 8), f"h_t of the last layer at step {t}", None))
>>> [(u.expression, u.holds, u.repeats) for u in rows.rows]
[('output[:, 0…9]', 'h_t of the last layer at step 0…9', 10)]
"""

from __future__ import annotations

import re
from dataclasses import replace

from gru_shapes.tracing.traced import Use

# Distinct rows kept per call; more are counted, not listed.
MOST_USES = 24
# Uses alike but for their numbers are listed one by one up to this many, then folded into one row.
FOLD_AFTER = 3
# A whole number standing alone (not part of a name, a float or a shape's digit run inside a word).
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?![\w.])")


def _pattern(text: str | None) -> str:
    return _NUMBER.sub("#", text or "")


def _numbers(text: str | None) -> list[int]:
    return [int(n) for n in _NUMBER.findall(text or "")]


def _span(values: list[int]) -> str:
    distinct = sorted(set(values))
    if len(distinct) == 1:
        return str(distinct[0])
    if distinct == list(range(distinct[0], distinct[-1] + 1)):
        return f"{distinct[0]}…{distinct[-1]}"
    return "{" + ", ".join(map(str, distinct)) + "}"


def _folded(texts: list[str | None]) -> str | None:
    """The texts, alike but for their numbers, as one: each varying number written as its span."""
    if texts[0] is None:
        return None
    columns = list(zip(*(_numbers(t) for t in texts), strict=True))
    spans = iter(_span(list(column)) for column in columns)
    return _NUMBER.sub(lambda _m: next(spans), texts[0])


class Uses:
    """The rows of one call's uses table, in the order first seen."""

    def __init__(self, most: int = MOST_USES, fold_after: int = FOLD_AFTER) -> None:
        self.rows: list[Use] = []
        self.left_out = 0
        self._most, self._fold_after = most, fold_after
        self._groups: dict[tuple[object, ...], list[Use]] = {}

    def add(self, use: Use) -> None:
        if use in self.rows or any(use in members for members in self._groups.values()):
            return
        key = (
            _pattern(use.expression),
            _pattern(use.holds),
            use.shape,
            _pattern(use.pitfall),
            use.rule,
            _pattern(use.origin),
        )
        members = self._groups.setdefault(key, [])
        members.append(use)
        if len(members) <= self._fold_after:
            if len(self.rows) < self._most:
                self.rows.append(use)
            else:
                self.left_out += 1
            return
        self._fold(members)

    def _fold(self, members: list[Use]) -> None:
        first = members[0]
        folded = replace(
            first,
            expression=_folded([m.expression for m in members]) or first.expression,
            holds=_folded([m.holds for m in members]) or first.holds,
            pitfall=_folded([m.pitfall for m in members]),
            origin=_folded([m.origin for m in members]),
            repeats=sum(m.repeats for m in members),
        )
        at = next((i for i, row in enumerate(self.rows) if row in members or _same(row, folded)), None)
        self.rows = [row for row in self.rows if row not in members and not _same(row, folded)]
        if at is None:
            if len(self.rows) < self._most:
                self.rows.append(folded)
            else:
                self.left_out += 1
            return
        self.rows.insert(min(at, len(self.rows)), folded)

    def clear_origin(self, origin: str, rule: str | None) -> None:
        """The rows of a pitfall that started at ``origin`` under ``rule`` are no longer pitfalls."""
        self.rows = [
            replace(row, pitfall=None, rule=None, origin=None)
            if row.rule == rule
            and (row.origin == origin or (row.origin is None and row.expression == origin))
            else row
            for row in self.rows
        ]

    def clear_pitfall(self, expression: str) -> None:
        """The rows of ``expression`` are no longer pitfalls (joined, the halves were what was meant)."""
        self.rows = [
            replace(row, pitfall=None, rule=None, origin=None)
            if row.expression == expression and row.pitfall
            else row
            for row in self.rows
        ]


def _same(row: Use, folded: Use) -> bool:
    """A row folded before (its repeats counted in ``folded``)."""
    return (
        row.repeats > 1
        and _pattern(row.expression) == _pattern(folded.expression)
        and row.shape == folded.shape
    )
