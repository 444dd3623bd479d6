"""The page's named slices hold the cells torch says they hold (tests/cells_oracle.py), for the fixed
configurations issue 23 names and for generated ones; a deliberately wrong source of truth fails."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_shapes.model.shapes import StateSlot
from gru_shapes.model.spec import make_spec
from gru_shapes.report import Report
from gru_shapes.run.pipeline import report_for
from gru_shapes.show import diagram
from gru_shapes.show.slices import mentions, named
from gru_shapes.show.symbolic import Unreadable, read
from tests.cells_oracle import Truth

SMALL = {"input_size": 4, "hidden_size": 6}
# The issue's configurations: GRU, LSTM with projection, RNN, 1 to 3 layers, both directions, packed
# lengths (sorted and not), both layouts, a decoder hand-off, an unbatched input.
CASES: dict[str, dict[str, Any]] = {
    "notebook-cell-1": {},
    "notebook-cell-2": {"layers": 2},
    "notebook-cell-3": {"layers": 2, "bidirectional": True},
    "lstm-proj-3-bi-seq-first": {
        "module": "LSTM",
        "proj_size": 3,
        "layers": 3,
        "bidirectional": True,
        "batch_first": False,
        "batch_size": 2,
        "seq_len": 4,
    },
    "rnn-bi-packed": {"module": "RNN", "bidirectional": True, "lengths": "7,4,2"},
    "lstm-proj-2-packed-unsorted": {"module": "LSTM", "proj_size": 2, "layers": 2, "lengths": "3,6,5"},
    "gru-3-bi-packed-hidden-seq-first": {
        "layers": 3,
        "bidirectional": True,
        "lengths": "3,1,4,2,5",
        "batch_first": False,
    },
    "gru-bi-handoff": {"layers": 2, "bidirectional": True, "batch_size": 3, "decoder_layers": 1},
    "lstm-bi-handoff-lstm": {
        "module": "LSTM",
        "bidirectional": True,
        "seq_len": 3,
        "decoder_module": "LSTM",
        "decoder_layers": 2,
    },
    "rnn-relu-unbatched-bi": {
        "module": "RNN",
        "nonlinearity": "relu",
        "bidirectional": True,
        "unbatched": True,
    },
}


def report_of(options: dict[str, Any]) -> Report:
    steps = {} if "lengths" in options or "seq_len" in options else {"seq_len": 6}
    return report_for(make_spec(**SMALL, **steps, **options))


def mismatches(report: Report) -> list[str]:
    """Every slice whose cells differ from torch's, with both sides."""
    truth = Truth(report.spec)
    decoder = int(report.handoff[0].shape[-1]) if report.handoff else None
    found = []
    for piece in named(report):
        expected = truth.cells(piece.expression, decoder)
        if set(piece.cells) != expected:
            found.append(f"{piece.expression}: page {sorted(piece.cells)}, torch {sorted(expected)}")
    return found


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_every_named_slice_holds_the_cells_torch_says(options: dict[str, Any]) -> None:
    report = report_of(options)
    pieces = named(report, mentioned=["h_n[-2]"] if report.spec.config.bidirectional else [])
    assert mismatches(report) == []
    # Every idiom and every hand-off row is linked: none is left out as unreadable.
    expressions = {p.expression for p in pieces}
    assert {i.expression for i in report.idioms} <= expressions
    assert {r.expression for r in report.handoff or ()} <= expressions
    assert {f"h_n[{s.index}]" for s in report.prediction.state_slots} <= expressions


@st.composite
def configurations(draw: st.DrawFn) -> dict[str, Any]:
    module = draw(st.sampled_from(["GRU", "LSTM", "RNN"]))
    options: dict[str, Any] = {
        "module": module,
        "layers": draw(st.integers(1, 3)),
        "bidirectional": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
    }
    if module == "LSTM" and draw(st.booleans()):
        options["proj_size"] = 3
    if draw(st.booleans()):
        options["lengths"] = draw(st.lists(st.integers(1, 7), min_size=1, max_size=5))
    else:
        options |= {"batch_size": draw(st.integers(1, 3)), "seq_len": draw(st.integers(1, 7))}
    return options


@settings(max_examples=12)
@given(configurations())
def test_generated_configurations_agree_with_torch(options: dict[str, Any]) -> None:
    assert mismatches(report_of(options)) == []


def test_a_final_state_taken_at_the_wrong_step_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The classic mistake, made in the one source of truth: a backward row's final state taken at
    the last step, as a forward row's. Drawing and map still agree; torch does not."""
    monkeypatch.setattr(diagram, "final_step", lambda direction, length: length - 1)
    wrong = {line.split(":")[0] for line in mismatches(report_of(CASES["rnn-bi-packed"]))}
    assert {"h_n[1]", "h_n[-1]", "torch.cat((h_n[-2], h_n[-1]), dim=1)"} <= wrong
    assert "h_n[0]" not in wrong and "output[:, 0]" not in wrong


def test_state_slots_laid_out_direction_major_fail() -> None:
    """h_n[i] as direction × num_layers + layer: the other layout people guess."""
    report = report_of(CASES["notebook-cell-3"])
    layers = report.spec.config.num_layers
    guessed = tuple(
        StateSlot(s.index, s.index % layers, "backward" if s.index >= layers else "forward")
        for s in report.prediction.state_slots
    )
    wrong = replace(report, prediction=replace(report.prediction, state_slots=guessed))
    broken = {line.split(":")[0] for line in mismatches(wrong)}
    assert {"h_n[1]", "h_n[2]"} <= broken and "h_n[0]" not in broken


def test_a_tall_stack_links_only_the_layers_it_draws() -> None:
    report = report_of({"layers": 6, "bidirectional": True, "decoder_layers": 1})
    expressions = {p.expression for p in named(report)}
    assert "h_n[11]" in expressions and "h_n[4]" not in expressions
    assert mismatches(report) == []


@pytest.mark.parametrize(
    "text",
    [
        "h_n.foo()",
        "h_n[None]",
        "output[..., ...]",
        "x + 1",
        "h_n[9]",
        "import os",
        "h_n[0] = 1; (",
        "h_n[1:2, 0, 0, 0]",
    ],
)
def test_what_the_reader_does_not_know_is_refused(text: str) -> None:
    report = report_of(CASES["notebook-cell-3"])
    from gru_shapes.show.slices import _names

    with pytest.raises(Unreadable):
        read(text, _names(report))


def test_prose_mentions_name_final_states_only() -> None:
    text = "pitfall: h_n[-1]: backward only; the forward one is h_n[-2], not x.h_n[0] or h_n[0][1]"
    assert mentions(text) == ["h_n[-1]", "h_n[-2]", "h_n[0]"]
