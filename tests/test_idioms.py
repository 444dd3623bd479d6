"""Taking the final state: every expression the report shows is evaluated again here, on tensors
torch returns to this test, and judged against this test's own definitions of the final states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from gru_shapes.model.idioms import classify, idioms
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from tests.conftest import Cli
from tests.oracle import input_shape, torch_module
from tests.strategies import SEQUENCE_MODULES, valid_options


def run_as_a_user(options: dict[str, Any]) -> dict[str, Any]:
    """output, h_n (c_n) and lengths from this test's own module and random input."""
    module = torch_module(options).eval()
    x = torch.randn(input_shape(options))
    lengths = options.get("lengths")
    with torch.no_grad():
        if lengths:
            batch_first = options.get("batch_first", True)
            packed = pack_padded_sequence(
                x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False
            )
            packed_output, state = module(packed)
            output, _ = pad_packed_sequence(packed_output, batch_first=batch_first, total_length=max(lengths))
        else:
            output, state = module(x)
    names: dict[str, Any] = {"torch": torch, "output": output, "__builtins__": {"len": len}}
    states = state if isinstance(state, tuple) else (state,)
    names.update(zip(("h_n", "c_n"), states, strict=False))
    if lengths:
        names["lengths"], names["B"] = torch.tensor(lengths), len(lengths)
    return names


def final_states(options: dict[str, Any], names: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The final states by torch's documented layout of h_n: (num_layers, D, batch, features)."""
    layers = options.get("layers", 1)
    directions = 2 if options.get("bidirectional") else 1
    found: dict[str, torch.Tensor] = {}
    for kind in ("h", "c"):
        state = names.get(f"{kind}_n")
        if state is None:
            continue
        by_layer = state.reshape(layers, directions, *state.shape[1:])[-1]
        found[f"{kind}_last_forward"] = by_layer[0]
        if directions == 2:
            found[f"{kind}_last_backward"] = by_layer[1]
            found[f"{kind}_last_both"] = torch.cat((by_layer[0], by_layer[1]), dim=-1)
        if kind == "h":
            found["h_last_stacked"] = by_layer
    return found


def matching(value: torch.Tensor, states: dict[str, torch.Tensor]) -> set[str]:
    return {
        key
        for key, state in states.items()
        if state.shape == value.shape and torch.allclose(state, value, rtol=1e-5, atol=1e-6)
    }


@given(valid_options(modules=SEQUENCE_MODULES))
def test_each_idiom_has_the_shape_and_verdict_torch_gives_here(options: dict[str, Any]) -> None:
    report = report_for(make_spec(**options))
    names = run_as_a_user(options)
    states = final_states(options, names)
    assert report.idioms
    for row in report.idioms:
        value = eval(row.expression, dict(names))  # the very text the report shows
        assert tuple(value.shape) == row.shape, row.expression
        found = matching(value, states)
        if value.numel() == 0:  # an empty batch equals every state of its shape
            assert row.equals is None or row.equals in found
        elif row.equals is None:
            assert not found, (row.expression, found)
        else:
            assert row.equals in found, (row.expression, row.equals, found)


@given(valid_options(modules=("GRUCell", "LSTMCell", "RNNCell")))
def test_a_cell_has_no_idioms(options: dict[str, Any]) -> None:
    assert report_for(make_spec(**options)).idioms == ()


@pytest.mark.parametrize(
    ("options", "expression", "equals"),
    [
        ({"bidirectional": True, "batch_size": 3}, "h_n[-1]", "h_last_backward"),
        ({"bidirectional": True, "batch_size": 3}, "output[:, -1]", None),
        ({"bidirectional": True, "batch_size": 3}, "output[:, -1, :32]", "h_last_forward"),
        ({"lengths": [5, 2, 3]}, "output[:, -1]", None),
        ({"lengths": [5, 2, 3]}, "output[torch.arange(B), lengths - 1]", "h_last_forward"),
        (
            {"lengths": [5, 2, 3], "batch_first": False},
            "output[lengths - 1, torch.arange(B)]",
            "h_last_forward",
        ),
        ({"module": "LSTM", "proj_size": 4, "layers": 3}, "c_n[-1]", "c_last_forward"),
        (
            {"layers": 2, "bidirectional": True, "unbatched": True},
            "torch.cat((h_n[-2], h_n[-1]), dim=0)",
            "h_last_both",
        ),
    ],
    ids=[
        "h_n-1-bi",
        "last-step-bi",
        "forward-half",
        "last-step-packed",
        "gather",
        "gather-seq-first",
        "c_n-proj",
        "cat-unbatched",
    ],
)
def test_the_known_pitfalls_and_their_fixes(
    options: dict[str, Any], expression: str, equals: str | None
) -> None:
    row = next(r for r in report_for(make_spec(**options)).idioms if r.expression == expression)
    assert row.equals == equals
    assert (row.pitfall is not None) == (equals is None or expression == "h_n[-1]")


def test_projection_sets_h_features_and_leaves_c_alone() -> None:
    rows = {r.expression: r for r in report_for(make_spec(module="LSTM", proj_size=8, batch_size=2)).idioms}
    assert rows["h_n[-1]"].shape == (2, 8)
    assert rows["output[:, -1]"].shape == (2, 8)
    assert rows["c_n[-1]"].shape == (2, 32)
    assert "32" in rows["c_n[-1]"].holds


@pytest.mark.parametrize(
    ("options", "expression", "holds", "expected"),
    [
        ({"bidirectional": True}, "output[:, -1, :]", "forward final state beside", None),
        (
            {"bidirectional": True},
            " h_n[ -1 ] ",
            "the last layer, backward direction only",
            "h_last_backward",
        ),
        ({"layers": 3, "bidirectional": True}, "h_n[2]", "layer 1, forward", None),
        ({"layers": 3, "bidirectional": True}, "h_n[-2]", "layer 2, forward", "h_last_forward"),
        ({"module": "LSTM", "layers": 2}, "c_n[1]", "layer 1, forward", "c_last_forward"),
    ],
    ids=["trailing-colon", "spaces", "middle-layer", "last-forward", "c_n"],
)
def test_classify_names_what_an_expression_holds(
    options: dict[str, Any], expression: str, holds: str, expected: str | None
) -> None:
    idiom = classify(make_spec(**options), expression)
    assert idiom is not None
    assert idiom.holds.startswith(holds) and idiom.expected == expected


@pytest.mark.parametrize("expression", ["h_n[4]", "h_n[-5]", "output.mean(1)", "x[-1]"])
def test_classify_knows_what_it_does_not_know(expression: str) -> None:
    assert classify(make_spec(layers=2, bidirectional=True), expression) is None


def test_idioms_speak_korean() -> None:
    from gru_shapes.i18n import language

    with language("ko"):
        first = idioms(make_spec(bidirectional=True))[0]
    assert first.holds == "마지막 층, 역방향만"
    assert first.pitfall is not None and "h_n[-2]" in first.pitfall


def test_the_documented_example_is_what_the_tool_prints(cli: Cli) -> None:
    page = (Path(__file__).parent.parent / "docs" / "after.md").read_text()
    command = "jq -c '.idioms[] | [.expression, .shape, .equals]'\n```\n\n```\n"
    shown = page.split(command, 1)[1].split("```")[0]
    report = cli.json("--layers", "2", "--bidirectional", "--batch-size", "3")
    printed = [
        json.dumps([r["expression"], r["shape"], r["equals"]], separators=(",", ":"))
        for r in report["idioms"]
    ]
    assert shown.splitlines() == printed


def test_the_view_idiom_is_listed_for_one_direction_and_one_layer_too() -> None:
    from gru_shapes.run.pipeline import report_for

    rows = {row.expression: row for row in report_for(make_spec(batch_size=3)).idioms}
    row = rows["h_n.view(1, 1, -1, 32)[-1]"]
    assert row.shape == (1, 3, 32) and row.equals == "h_last_stacked"
