"""A failed forward explained from its operands: the repair offered runs when the test applies it to
the forward's own tensors itself; a failure on the model's own tensors blames no recurrent result; an
exception the model caught itself is not the one explained; the tracer's own errors never become the
model's."""

from __future__ import annotations

import contextlib
import importlib
from typing import Any

import pytest
import torch
from torch import nn

from gru_shapes import trace
from gru_shapes.tracing import rows


def _case(name: str) -> Any:
    return importlib.import_module(f"tests.real_models.{name}")


@pytest.mark.parametrize(
    ("case", "replaced", "code"),
    [
        # https://github.com/gabrielloye/Attention_Seq2seq-Translation/issues/6
        ("ff_bahdanau_layers", "h_n", "h_n[-1].unsqueeze(1)"),
        # https://github.com/zy1996code/nlp_basic_model/issues/1
        ("ff_bmm_view_directions", "h_n.view(-1, 5, 1)", "torch.cat((h_n[-2], h_n[-1]), 1).unsqueeze(2)"),
        # https://github.com/AuCson/PyTorch-Batch-Attention-Seq2seq/issues/7
        ("ff_attn_repeat_layers", "h_n", "h_n[-1]"),
    ],
)
def test_the_repair_offered_makes_the_failing_line_run_on_the_real_tensors(
    case: str, replaced: str, code: str
) -> None:
    model, args = _case(case).buggy()
    traced = trace(model, *args, lang="en")
    error = traced.error
    assert error is not None and error.fix is not None and error.fix.verified
    assert (error.fix.code, error.fix.replaces) == (code, replaced)
    assert error.line is not None and "in " in error.line  # the model's own line
    assert error.consumer is not None
    # Independently of the tracer: the failing line as the trace wrote it raises on the real tensors,
    # and the same line with the repair runs.
    names = _real(model, case, args)
    with torch.inference_mode():
        with pytest.raises(RuntimeError) as refused:
            eval(error.consumer, names)
        assert str(refused.value) == error.message
        eval(error.fix.expression, names)


def _real(model: Any, case: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """The recurrent results the failing line read, computed by the test, and the modules it names."""
    model.eval()
    with torch.inference_mode():
        if case == "ff_bahdanau_layers":
            output, (h_n, _c_n) = model.encoder(args[0])
            return {"torch": torch, "decoder": model.decoder, "h_n": h_n, "output": output}
        if case == "ff_bmm_view_directions":
            output, (h_n, _c_n) = model.lstm(model.embedding(args[0]).permute(1, 0, 2))
            return {"torch": torch, "h_n": h_n, "output": output}
        output, h_n = model.encoder(model.embedding(args[0]))
        return {"torch": torch, "h_n": h_n, "output": output}


def test_the_buggy_example_gets_its_linear_rebuilt_for_the_width_it_got() -> None:
    from tests.test_trace import example

    model, args = example("buggy").build()
    error = trace(model, *args, lang="en").error
    assert error is not None and error.fix is not None
    assert error.fix.code == "nn.Linear(64, 4)" and error.fix.expression == "fc = nn.Linear(64, 4)"
    model.fc = nn.Linear(64, 4)
    model.eval()
    with torch.inference_mode():
        assert model(*args).shape == (4, 4)


class OwnTensors(nn.Module):
    """Fails on a tensor of its own after the recurrent call (LSTNet's float view)."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _output, h_n = self.rnn(x)
        return x.view(2, 2.5, -1) + h_n.sum()  # type: ignore[call-overload]


def test_a_failure_on_the_model_s_own_tensor_blames_no_recurrent_result() -> None:
    traced = trace(OwnTensors(), torch.zeros(5, 2, 3), lang="en")
    error = traced.error
    assert error is not None and error.type == "TypeError"
    assert error.expression is None and error.call is None and error.fix is None
    assert error.consumer is not None and ".view(2, 2.5, -1)" in error.consumer
    assert traced.status == "failed" and "failed" in traced.verdict()


class CatchesFirst(nn.Module):
    """Tries a view, catches torch's refusal, then fails elsewhere: the second failure is the one."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 4, num_layers=2)
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _output, h_n = self.rnn(x)
        with contextlib.suppress(RuntimeError):
            h_n.view(7, -1)
        return self.fc(h_n) + x.sum(0)  # [2, 2, 2] + [2, 3]


def test_an_exception_the_model_caught_is_not_the_one_explained() -> None:
    error = trace(CatchesFirst(), torch.zeros(5, 2, 3), lang="en").error
    assert error is not None and "must match" in error.message
    assert error.consumer is not None and "view" not in error.consumer and "+" in error.consumer


def test_the_tracer_s_own_error_is_a_note_never_the_model_s_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise ZeroDivisionError("the tracer's own")

    monkeypatch.setattr(rows, "hand_off", broken)
    model, args = _case("fd_fix_enc_hidden").fixed()
    traced = trace(model, *args, lang="en")
    assert traced.error is None and [c.name for c in traced.calls] == ["encoder.rnn", "decoder.rnn"]
    assert any("not the model's" in w and "ZeroDivisionError" in w for w in traced.warnings)


def test_pitfalls_print_their_rows_when_a_test_asserts_there_are_none() -> None:
    model, args = _case("mc_bilstm_attention").buggy()
    traced = trace(model, *args, lang="en")
    with pytest.raises(AssertionError) as failed:
        assert not traced.pitfalls, traced.pitfalls
    shown = str(failed.value)
    assert "h_n.view(-1, 10, 1) [3, 10, 1]" in shown and "[mixed-view]" in shown
    assert traced.pitfalls.rules == ("mixed-view",)
    assert len(traced.problems()) == 1 and traced.status == "pitfalls"
    model, args = _case("mc_bilstm_attention").fixed()
    clean = trace(model, *args, lang="en")
    assert not clean.pitfalls and repr(clean.pitfalls) == "Pitfalls()" and clean.passed
