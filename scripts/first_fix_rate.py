"""How often the diagnosis's first fix is the one a real thread gave.

    python scripts/first_fix_rate.py            # every case, then the rates
    python scripts/first_fix_rate.py --failing  # only the cases whose first fix is not the expected one

Runs each case of ``tests/real_cases/diagnosis.py`` through the public API (:func:`gru_shapes.explain`,
in English) and prints, per case, what was expected and what the diagnosis gave (its verdict and its
first fix: kind, change, code), PASS or FAIL; then the rate per class and overall. A second tally does the
same for the real-style ``CASES`` of ``tests/test_diagnose.py`` (the text before ": " of the first
fix's change, as that test compares it). Exits 0 whatever the rates: it measures, it does not judge.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gru_shapes import explain  # noqa: E402
from tests.real_cases.diagnosis import CASES, CLASSES  # noqa: E402

# explain() takes torch's name where the command line (and make_spec) has its own.
_KEYWORDS = {"layers": "num_layers"}


def diagnose(options: Mapping[str, Any]) -> dict[str, Any]:
    """The report's JSON ``diagnosis`` for options named as make_spec names them."""
    keywords = {_KEYWORDS.get(name, name): value for name, value in options.items()}
    diagnosis = explain(**keywords, lang="en").to_dict()["diagnosis"]
    assert diagnosis is not None, options
    return dict(diagnosis)


def got(diagnosis: Mapping[str, Any]) -> str:
    """The verdict and the first fix, in one line."""
    fixes = diagnosis["fixes"]
    if not fixes:
        return f"{diagnosis['verdict']}, no fix"
    first = fixes[0]
    code = (first["code"] or "").replace("\n", "; ")
    shown = f"{diagnosis['verdict']}, {first['kind']} {first['change'].split(': ')[0]!r}"
    return shown + (f" code={code!r}" if code and code not in first["change"] else "")


def rate(passed: int, total: int) -> str:
    return f"{passed}/{total} = {100 * passed / total:.0f}%" if total else "0/0"


def real_cases(only_failing: bool) -> tuple[int, int]:
    print("Real cases (tests/real_cases/diagnosis.py)")
    tally: Counter[tuple[str, bool]] = Counter()
    for case in CASES:
        diagnosis = diagnose(case.options)
        ok = case.holds(diagnosis)
        tally[(case.cls, ok)] += 1
        if ok and only_failing:
            continue
        print(f"  {'PASS' if ok else 'FAIL'}  {case.id}  [{case.cls}]")
        print(f"        expected: {case.expected()}")
        print(f"        got:      {got(diagnosis)}")
        if not ok:
            if diagnosis["fixes"]:
                print(f"        why:      {diagnosis['fixes'][0]['why']}")
            print(f"        source:   {case.source}")
    print("\n  first-fix rate per class:")
    for cls in CLASSES:
        passed, total = tally[(cls, True)], tally[(cls, True)] + tally[(cls, False)]
        if total:
            print(f"    {cls:<55} {rate(passed, total)}")
    passed = sum(count for (_cls, ok), count in tally.items() if ok)
    total = len(CASES)
    print(f"  overall (real cases): {rate(passed, total)}")
    return passed, total


def existing_cases(only_failing: bool) -> tuple[int, int]:
    """The real-style CASES of tests/test_diagnose.py, judged as that test judges them."""
    from tests.test_diagnose import CASES as STYLED

    print("\nReal-style cases (tests/test_diagnose.py CASES)")
    passed = 0
    for param in STYLED:
        options, verdict, first = param.values
        diagnosis = diagnose(options)
        shown = [fix["change"].split(": ")[0] for fix in diagnosis["fixes"]]
        ok = diagnosis["verdict"] == verdict and (shown[0] if shown else None) == first
        passed += ok
        if ok and only_failing:
            continue
        print(f"  {'PASS' if ok else 'FAIL'}  {param.id}")
        print(f"        expected: {verdict}, {first!r}")
        print(f"        got:      {got(diagnosis)}")
    print(f"  overall (real-style cases): {rate(passed, len(STYLED))}")
    return passed, len(STYLED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failing", action="store_true", help="list only the cases that fail")
    args = parser.parse_args()
    import torch

    import gru_shapes

    print(f"gru-shapes {gru_shapes.__version__}, torch {torch.__version__}\n")
    real = real_cases(args.failing)
    styled = existing_cases(args.failing)
    overall = (real[0] + styled[0], real[1] + styled[1])
    print(
        f"\nfirst fix as expected: real {rate(*real)}; real-style {rate(*styled)}; overall {rate(*overall)}"
    )


if __name__ == "__main__":
    main()
