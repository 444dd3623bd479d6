"""Trials: the meta device's verdict is torch's own, and a fix's code runs on the tensors given."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from gru_shapes.model.spec import make_spec
from gru_shapes.run.trial import attempt
from tests.oracle import CRASH, torch_error
from tests.strategies import given_shapes


@given(given_shapes())
def test_a_refusal_on_the_meta_device_is_torchs_own_refusal(case: tuple[dict[str, Any], Any]) -> None:
    options, shapes = case
    spec = make_spec(**options)
    on_meta = attempt(spec, shapes, "", True)
    real = attempt(spec, shapes, "", False)
    if torch_error(options, shapes) == CRASH:  # not called for real: torch would crash, not refuse
        assert real is not None and real.startswith("not run: ")
        return
    assert real == torch_error(options, shapes)
    # The meta device may let pass what only a kernel refuses, never refuse what torch runs.
    if on_meta is not None:
        assert on_meta == real


@pytest.mark.parametrize(
    ("options", "shapes", "code", "refused"),
    [
        pytest.param({}, {"input": (35, 10)}, "x = x.unsqueeze(0)", False, id="unsqueeze"),
        pytest.param({}, {"input": (35, 12)}, "x = x.unsqueeze(0)", True, id="still-wrong-features"),
        pytest.param(
            {"module": "LSTMCell", "hx_form": "tensor"},
            {"input": (4, 10), "h_0": (4, 32)},
            "hx = (h_0, torch.zeros(4, 32))",
            False,
            id="hx-set-by-code",
        ),
        pytest.param(
            {"module": "LSTMCell", "hx_form": "tensor"},
            {"input": (4, 10), "h_0": (4, 32)},
            "",
            True,
            id="h-alone",
        ),
        pytest.param(
            {"input_dtype": "int64"},
            {"input": (4, 35)},
            "x = nn.Embedding(int(x.max()) + 1, 10)(x)",
            False,
            id="embedding",
        ),
        pytest.param({"input_dtype": "int64"}, {"input": (4, 35, 10)}, "", True, id="token-ids-as-they-are"),
        pytest.param({"lengths": "3,2"}, {"input": (2, 3, 10)}, "", False, id="packed"),
        pytest.param({"lengths": "3,2"}, {"input": (3, 2, 10)}, "", True, id="packed-wrong-layout"),
    ],
)
def test_code_call_form_dtype_and_packing_are_tried_as_given(
    options: dict[str, Any], shapes: dict[str, tuple[int, ...]], code: str, refused: bool
) -> None:
    assert (attempt(make_spec(**options), shapes, code) is not None) == refused
