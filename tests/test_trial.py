"""Trials: the meta device's verdict is torch's own, and a fix's code runs on the tensors given."""

from __future__ import annotations

import subprocess
import sys
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
    # The meta device may let pass what only a kernel refuses, never refuse what torch runs; a cell's
    # miniature gets torch's own verdict and message, sizes renamed back.
    if on_meta is not None or spec.config.is_cell:
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


@pytest.mark.parametrize(
    ("options", "shapes"),
    [
        pytest.param(
            {"module": "LSTMCell", "input_size": 56},
            {"input": (3,), "h_0": (2, 32), "c_0": (2, 32)},
            id="lstmcell",
        ),
        pytest.param({"module": "GRUCell", "input_size": 3}, {"input": (3,), "h_0": (2, 32)}, id="grucell"),
        pytest.param(
            {"module": "GRUCell", "input_size": 3}, {"input": (3,), "h_0": (32, 5)}, id="h-rows-right"
        ),
        pytest.param(
            {"module": "LSTMCell", "input_size": 3, "hidden_size": 2},
            {"input": (3,), "h_0": (2, 2), "c_0": (1, 2)},
            id="c-rows-wrong",
        ),
    ],
)
def test_a_cell_that_refuses_a_1d_input_with_a_2d_state_gets_torchs_own_message(
    options: dict[str, Any], shapes: dict[str, tuple[int, ...]]
) -> None:
    # torch 2.13 raises a clean error for these ("inconsistent input_size", ...); only a misread
    # square state reaches the kernel.
    error = torch_error(options, shapes)
    assert error not in (None, CRASH)
    assert attempt(make_spec(**options), shapes) == error


_IN_CHILD = """
import sys, torch
module, features, hidden, x, h, c = sys.argv[1], *map(int, sys.argv[2:4]), *map(eval, sys.argv[4:7])
cell = getattr(torch.nn, module)(features, hidden)
hx = (torch.zeros(h), torch.zeros(c)) if c else torch.zeros(h)
try:
    cell(torch.zeros(x), hx)
except RuntimeError:
    sys.exit(3)
"""


@pytest.mark.parametrize(
    ("module", "hidden", "c_0", "ends"),
    [
        pytest.param("GRUCell", 1, None, "crash", id="grucell-1"),
        pytest.param("LSTMCell", 2, (2, 2), "crash", id="lstmcell-2"),
        pytest.param("LSTMCell", 2, (2,), "crash", id="lstmcell-2-c-1d"),
        pytest.param("GRUCell", 4, None, "refusal", id="grucell-4"),
    ],
)
def test_a_misread_square_state_is_not_called_and_torch_really_crashes_on_it(
    module: str, hidden: int, c_0: tuple[int, ...] | None, ends: str
) -> None:
    shapes = {"input": (3,), "h_0": (hidden, hidden), **({"c_0": c_0} if c_0 else {})}
    options = {"module": module, "input_size": 3, "hidden_size": hidden}
    answer = attempt(make_spec(**options), shapes)
    assert answer is not None and answer.startswith("not run: ") and "crashes the process" in answer
    assert torch_error(options, shapes) == CRASH
    # torch itself, in a process of its own: a signal, or for some sizes a broadcasting error.
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            _IN_CHILD,
            module,
            "3",
            str(hidden),
            "(3,)",
            repr((hidden, hidden)),
            repr(c_0),
        ],
        capture_output=True,
        check=False,
    )
    assert (child.returncode < 0) == (ends == "crash"), child.stderr[-300:]
    assert child.returncode in (-11, -6, -7, 3)


def test_a_cell_over_the_budget_is_judged_without_loading_torchs_compiler_stack() -> None:
    # On the meta device a cell's matrix products loaded about 80 MB of modules: 315 MB of RSS for a
    # 16 MiB budget, against 240 MB for the plain run.
    code = (
        "import sys; from gru_shapes.cli import main; sys.argv = ['gru-shapes', '--module', 'grucell', "
        "'--input-shape', '3,1500000', '--max-memory', '16MiB', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('torch._dynamo' in sys.modules, file=sys.stderr)"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert child.stderr.strip().splitlines()[-1] == "False", child.stderr[-500:]
    assert '"torch_error": "input has inconsistent input_size: got 1500000 expected 10"' in child.stdout
