"""The step equations: their text and shapes, and the live check that recomputes torch's first step."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import torch
from hypothesis import given

from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import Spec, make_spec
from gru_shapes.model.step import Apply, Equation, Ref, Sum, equations, show
from gru_shapes.run.pipeline import report_for
from gru_shapes.run.runner import _build, _initial_state
from gru_shapes.run.step import verify
from tests.strategies import valid_options


@given(valid_options())
def test_the_equations_recompute_torchs_first_step_for_any_configuration(options: dict[str, Any]) -> None:
    step = report_for(make_spec(**options)).observation.step  # type: ignore[union-attr]
    assert step is not None
    assert step.verified, (step.max_abs_diff, step.compared)
    config = make_spec(**options).config
    states = 2 if config.family == "LSTM" else 1
    assert len(step.compared) == states * config.num_directions


VARIANTS = {
    "gru": {"module": "GRU"},
    "gru-no-bias-bidirectional": {"module": "GRU", "bias": False, "bidirectional": True},
    "lstm": {"module": "LSTM", "bidirectional": True, "layers": 2},
    "lstm-projection": {"module": "LSTM", "proj_size": 8, "bidirectional": True},
    "lstm-projection-no-bias": {"module": "LSTM", "proj_size": 5, "bias": False},
    "rnn-relu": {"module": "RNN", "nonlinearity": "relu", "bidirectional": True},
    "rnn-no-bias-packed": {"module": "RNN", "bias": False, "lengths": "6,2,4", "bidirectional": True},
    "grucell": {"module": "GRUCell", "batch_size": 3},
    "lstmcell-unbatched": {"module": "LSTMCell", "unbatched": True},
    "rnncell-no-bias": {"module": "RNNCell", "bias": False, "nonlinearity": "relu"},
}


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_the_step_check_passes_for_every_module_and_dtype(options: dict[str, Any], dtype: str) -> None:
    step = report_for(make_spec(**options, dtype=dtype)).observation.step  # type: ignore[union-attr]
    assert step is not None and step.verified, (step, dtype)


def _run(spec: Spec) -> tuple[torch.nn.Module, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """The module, what it was fed and what it returned, as the runner builds them."""
    module, fed = _build(spec, {t.key: t.shape for t in predict(spec).tensors}, "cpu", torch.float32)
    with torch.inference_mode():
        if spec.config.is_cell:
            state = module(fed["input"], _initial_state(spec, fed))
            returned = dict(
                zip(("h_1", "c_1"), state if isinstance(state, tuple) else (state,), strict=False)
            )
        else:
            returned = {"output": module(fed["input"], _initial_state(spec, fed))[0]}
    return module, fed, returned


def _breaking(change: str) -> Any:
    """The module's equations, with one of them changed on purpose."""

    def written(spec: Spec, direction: str) -> tuple[Equation, ...]:
        found = list(equations(spec, direction))
        first = found[0]
        if change == "activation":  # σ where tanh belongs, or the other way round
            assert isinstance(first.expression, Apply)
            swapped = "tanh" if first.expression.function != "tanh" else "σ"
            found[0] = replace(first, expression=replace(first.expression, function=swapped))
        elif change == "rows":  # another gate's rows of the same parameter
            rows = f"[{spec.config.hidden_size}:{2 * spec.config.hidden_size}]"
            terms = tuple(
                replace(t, source=t.source.split("[")[0] + rows) if t.name.startswith("W_i") else t
                for t in first.terms
            )
            found[0] = replace(first, terms=terms)
        elif change == "missing-bias":  # one term left out of the sum
            assert isinstance(first.expression, Apply) and isinstance(first.expression.argument, Sum)
            parts = first.expression.argument.parts
            shorter = Sum(tuple(p for p in parts if not (isinstance(p, Ref) and p.name.startswith("b_h"))))
            found[0] = replace(first, expression=replace(first.expression, argument=shorter))
        elif change == "shape":  # a declared shape torch does not produce
            found[-1] = replace(found[-1], shape=(*found[-1].shape[:-1], found[-1].shape[-1] + 1))
        return tuple(found)

    return written


BROKEN = {
    "activation": ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell"],
    "rows": ["GRU", "LSTM", "GRUCell"],
    "missing-bias": ["GRU", "LSTM", "RNN", "LSTMCell"],
    "shape": ["GRU", "LSTM", "RNN", "RNNCell"],
}


@pytest.mark.parametrize(
    ("change", "module"),
    [(change, module) for change, modules in BROKEN.items() for module in modules],
    ids=lambda v: str(v),
)
def test_the_step_check_fails_when_an_equation_is_wrong(change: str, module: str) -> None:
    options: dict[str, Any] = {"module": module, "batch_size": 2}
    spec = make_spec(**options)
    module_, fed, returned = _run(spec)
    with torch.inference_mode():
        assert verify(spec, module_, fed, returned).verified  # the true equations hold
        broken = verify(spec, module_, fed, returned, written=_breaking(change))
    assert not broken.verified


def test_the_backward_step_is_checked_too() -> None:
    """Breaking only the backward direction's equations is caught."""
    spec = make_spec(bidirectional=True, batch_size=2)
    module, fed, returned = _run(spec)

    def written(spec: Spec, direction: str) -> tuple[Equation, ...]:
        found = equations(spec, direction)
        return found if direction == "forward" else _breaking("rows")(spec, direction)

    with torch.inference_mode():
        assert not verify(spec, module, fed, returned, written=written).verified


def test_the_gru_equations_read_as_torch_documents_them() -> None:
    texts = [e.text for e in equations(make_spec(batch_size=4))]
    assert texts == [
        "r_t = σ(W_ir x_t + b_ir + W_hr h_(t−1) + b_hr)",
        "z_t = σ(W_iz x_t + b_iz + W_hz h_(t−1) + b_hz)",
        "n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_(t−1) + b_hn))",
        "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)",
    ]


def test_a_projected_lstm_projects_h_with_weight_hr() -> None:
    found = {
        e.name: e for e in equations(make_spec(module="LSTM", proj_size=8, bidirectional=True), "backward")
    }
    assert show(found["h_t"].expression) == "W_hr (o_t ⊙ tanh(c_t))"
    assert found["h_t"].shape == (1, 8) and found["c_t"].shape == (1, 32)
    assert found["h_t"].terms[0].source == "weight_hr_l0_reverse"
    assert found["i_t"].terms[2].shape == (32, 8)  # W_hi reads the projected h


def test_a_dry_run_has_equations_but_no_verdict() -> None:
    step = report_for(make_spec(dry_run=True)).to_dict()["step"]
    assert step["verified"] is None and step["max_abs_diff"] is None
    assert [e["name"] for e in step["equations"]] == ["r_t", "z_t", "n_t", "h_t"]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_the_step_check_passes_on_cuda(options: dict[str, Any], dtype: str) -> None:
    step = report_for(make_spec(**options, dtype=dtype, device="cuda")).observation.step  # type: ignore[union-attr]
    assert step is not None and step.verified, (step, dtype)


def test_the_step_section_shows_the_verdict_in_the_reports_language() -> None:
    from gru_shapes.i18n import language
    from gru_shapes.show.diagram_view import step_section
    from gru_shapes.show.layout import Note, Table

    report = report_for(make_spec(module="LSTM", bidirectional=True, layers=2, lang="ko"))
    with language("ko"):
        parts = step_section(report)
    equations_table, terms_table = parts[0], parts[1]
    assert isinstance(equations_table, Table) and isinstance(terms_table, Table)
    assert [row[0].split(" = ")[0] for row in equations_table.rows] == [
        "i_t",
        "f_t",
        "g_t",
        "o_t",
        "c_t",
        "h_t",
    ]
    assert ("W_hg", "[32, 32]", "weight_hh_l0[64:96]") in terms_table.rows
    verdict = parts[-1]
    assert isinstance(verdict, Note) and verdict.tone == "good" and "역방향" in verdict.text
    assert report.observation is not None and report.observation.step is not None
    failed = replace(
        report, observation=replace(report.observation, step=replace(report.observation.step, verified=False))
    )
    with language("en"):
        verdict = step_section(failed)[-1]
    assert isinstance(verdict, Note) and verdict.tone == "bad" and verdict.text.startswith("FAILED")
