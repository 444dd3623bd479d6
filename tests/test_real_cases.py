"""The diagnosis against public questions: for each thread of ``tests/real_cases/diagnosis.py`` the first
fix is the one its answer gave, and every fix offered runs in torch when re-applied as a user would.

The ranking rules of :mod:`gru_shapes.diagnose.states` each come with a twin pair of threads: the same
kind of mistake, told apart only by what the shapes show (or what the user says), getting opposite
first fixes.
"""

from __future__ import annotations

from typing import Any

import pytest

from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from tests.real_cases.diagnosis import CASES, RealCase
from tests.test_diagnose import apply


def _options(case: RealCase) -> dict[str, Any]:
    return {key: ",".join(map(str, v)) if isinstance(v, list) else v for key, v in case.options.items()}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_first_fix_is_the_one_the_thread_gave(case: RealCase) -> None:
    diagnosis = report_for(make_spec(**_options(case), lang="en")).diagnosis
    assert diagnosis is not None
    assert case.holds(diagnosis.to_dict()), (case.expected(), case.source, diagnosis.fixes[:1])
    plain = {k: v for k, v in _options(case).items() if k not in ("lengths",)}
    if "lengths" not in case.options:
        for fix in diagnosis.fixes:
            assert apply(fix, plain, diagnosis.fed) is None, fix


# (rule, the thread where the state is fixed, the thread where the module is, options taken away from
# the first): the same kind of mistake, told apart only by what the shapes show or the user says.
TWINS = [
    ("features", "bilstm-crf-init-hidden-full-width", "decoder-built-with-hidden-size-1", ()),
    # A decoder fed an encoder state of more layer slots: with its input given and fitting, the decoder
    # keeps its layers (the answer adds the directions); with nothing but the state, it takes them.
    (
        "layers",
        "bidirectional-four-layer-encoder-summed-for-decoder",
        "decoder-fed-two-layer-concat-state",
        ("encoder_bidirectional",),
    ),
    (
        "direction sum",
        "bidirectional-four-layer-encoder-summed-for-decoder",
        "decoder-fed-two-layer-concat-state",
        (),
    ),
]


@pytest.mark.parametrize(
    ("rule", "state_side", "module_side", "unsaid"), TWINS, ids=[rule for rule, *_ in TWINS]
)
def test_each_ranking_rule_has_a_twin_pair_of_public_threads(
    rule: str, state_side: str, module_side: str, unsaid: tuple[str, ...]
) -> None:
    by_id = {case.id: case for case in CASES}
    firsts = {}
    for key in (state_side, module_side):
        case = by_id[key]
        assert case.source.startswith("https://")
        options = {k: v for k, v in _options(case).items() if not (key == state_side and k in unsaid)}
        diagnosis = report_for(make_spec(**options, lang="en")).diagnosis
        assert diagnosis is not None and diagnosis.fixes
        firsts[key] = diagnosis.fixes[0].kind
    assert firsts[state_side] in ("state", "shape") and firsts[module_side] == "module", firsts
