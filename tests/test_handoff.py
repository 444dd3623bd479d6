"""Hand-off recipes: each one marked verified is accepted by a decoder this test builds itself."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gru_shapes.errors import OptionError
from gru_shapes.model.handoff import recipes
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from tests.conftest import Cli
from tests.oracle import input_shape, torch_module
from tests.strategies import SEQUENCE_MODULES, valid_options


@st.composite
def encoder_and_decoder(draw: st.DrawFn) -> dict[str, Any]:
    options = draw(valid_options(modules=SEQUENCE_MODULES))
    options.pop("lengths", None)  # the hand-off reads h_n, whatever fed it
    # At least one names the decoder (that asks for the hand-off); the others take their defaults.
    named = draw(
        st.sets(st.sampled_from(["decoder_layers", "decoder_hidden_size", "decoder_module"]), min_size=1)
    )
    values = {
        "decoder_layers": st.integers(1, 5),
        "decoder_hidden_size": st.integers(1, 70),
        "decoder_module": st.sampled_from(["GRU", "LSTM", "RNN", "gru"]),
    }
    return options | {name: draw(values[name]) for name in sorted(named)}


def decoder_of(options: dict[str, Any]) -> tuple[torch.nn.Module, int, int]:
    """The decoder as documented: by default the encoder's class and layers, D × h features."""
    h_features = options.get("proj_size") or options["hidden_size"]
    directions = 2 if options.get("bidirectional") else 1
    module = options.get("decoder_module", options["module"]).upper()
    hidden = options.get("decoder_hidden_size", directions * h_features)
    layers = options.get("decoder_layers", options.get("layers", 1))
    decoder = torch.nn.__dict__[module](
        options["input_size"], hidden, num_layers=layers, batch_first=options.get("batch_first", True)
    )
    return decoder.eval(), hidden, directions


@given(encoder_and_decoder())
def test_every_verified_recipe_is_accepted_by_a_decoder_built_here(options: dict[str, Any]) -> None:
    report = report_for(make_spec(**options))
    assert report.handoff
    encoder = torch_module(options).eval()
    decoder, hidden, directions = decoder_of(options)
    with torch.no_grad():
        _output, state = encoder(torch.randn(input_shape(options)))
    states = state if isinstance(state, tuple) else (state,)
    h_n = states[0]
    names: dict[str, Any] = {"torch": torch, "h_n": h_n, "__builtins__": {}}
    names["bridge"] = torch.nn.Linear(directions * h_n.shape[-1], hidden)
    if len(states) == 2:
        names["c_n"] = states[1]
        names["bridge_c"] = torch.nn.Linear(directions * states[1].shape[-1], hidden)
    step_shape = list(input_shape(options))
    step_shape[-2 if not options.get("unbatched") and options.get("batch_first", True) else 0] = 1
    step = torch.zeros(step_shape)
    assert any(row.verified for row in report.handoff)
    for row in report.handoff:
        scope = dict(names)
        with torch.no_grad():
            exec(row.expression, scope)
            assert tuple(scope["h_0"].shape) == row.shape, row.expression
            given_state = (scope["h_0"], scope["c_0"]) if "c_0" in scope else scope["h_0"]
            try:
                decoder(step, given_state)
                accepted = True
            except RuntimeError:
                accepted = False
        paired = True
        if row.name in ("concat", "concat_view") and accepted:
            made = scope["h_0"]
            half = made.shape[-1] // 2
            paired = all(
                torch.equal(made[layer][..., :half], h_n[2 * layer])
                and torch.equal(made[layer][..., half:], h_n[2 * layer + 1])
                for layer in range(made.shape[0])
            )
        # The common wrong recipe is named, never verified, even where a batch of 1 makes it pair up.
        wrong = row.name == "concat_view"
        assert row.verified == (accepted and paired and not wrong), (row.name, row.expression, row.note)
        assert row.verified or row.note, row.name


@pytest.mark.parametrize(
    ("options", "verified"),
    [
        ({"layers": 2, "bidirectional": True, "batch_size": 3, "decoder_layers": 2}, {"concat", "bridge"}),
        # A batch of 1 makes the bare view pair up; it is still the wrong recipe, never verified.
        ({"layers": 2, "bidirectional": True, "decoder_module": "GRU"}, {"concat", "bridge"}),
        ({"layers": 2, "bidirectional": True, "decoder_hidden_size": 32}, {"forward", "sum", "bridge"}),
        ({"layers": 3, "decoder_layers": 1}, {"last_layers"}),
        ({"decoder_layers": 3, "decoder_module": "LSTM"}, {"repeat_last"}),
        ({"module": "LSTM", "proj_size": 8, "bidirectional": True, "decoder_module": "LSTM"}, {"bridge"}),
    ],
    ids=["concat", "batch-of-one", "half-size", "fewer-layers", "more-layers", "projected-lstm"],
)
def test_which_recipes_fit(options: dict[str, Any], verified: set[str]) -> None:
    rows = report_for(make_spec(**options)).handoff
    assert rows is not None
    assert {row.name for row in rows if row.verified} == verified


def test_the_bare_view_is_explained_as_wrong() -> None:
    spec = make_spec(bidirectional=True, batch_size=4, decoder_hidden_size=64)
    rows = {r.name: r for r in report_for(spec).handoff or ()}
    assert rows["concat_view"].expression == "h_0 = h_n.view(1, 4, 64)"  # view(num_layers, batch, D * hidden)
    assert not rows["concat_view"].verified
    assert "pairs halves of different sequences" in rows["concat_view"].note


def test_the_recipes_are_real_python_for_each_layout() -> None:
    unbatched = {r.name: r.code for r in recipes(make_spec(bidirectional=True, unbatched=True))}
    assert unbatched["concat"] == "h_0 = h_n.view(1, 2, 32).reshape(1, 64)"
    lstm = {r.name: r.code for r in recipes(make_spec(module="LSTM", decoder_module="GRU"))}
    assert lstm["as_is"] == "h_0 = h_n"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"decoder_layers": 0}, "--decoder-layers must be a whole number of at least 1, got 0"),
        ({"decoder_module": "transformer"}, "--decoder-module must be one of GRU, LSTM, RNN"),
        ({"module": "GRUCell", "decoder_layers": 2}, "--decoder-layers does not apply to nn.GRUCell"),
        (
            {"dry_run": True, "decoder_hidden_size": 8},
            "--dry-run cannot be combined with --decoder-hidden-size",
        ),
    ],
    ids=["zero-layers", "unknown-module", "cell", "dry-run"],
)
def test_bad_decoder_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(OptionError, match=message.replace("[", r"\[")):
        make_spec(**options)


def test_the_hand_off_runs_only_when_a_decoder_is_named() -> None:
    # Building and feeding decoders is more than indexing the run's tensors: the default run skips it.
    assert report_for(make_spec()).handoff is None
    assert report_for(make_spec(decoder_layers=1)).handoff is not None
    assert report_for(make_spec(module="GRUCell")).handoff is None


@pytest.mark.parametrize(
    ("options", "decoders", "first_ok"),
    [
        (
            {"layers": 2, "bidirectional": True, "batch_size": 3},
            [
                "nn.GRU(10, 64, num_layers=2, batch_first=True)",
                "nn.GRU(10, 32, num_layers=2, batch_first=True)",
                "nn.GRU(10, 64, num_layers=1, batch_first=True)",
            ],
            "h_0 = h_n.view(2, 2, -1, 32).transpose(1, 2).reshape(2, -1, 64)",
        ),
        (
            {"module": "lstm", "layers": 2, "batch_size": 3, "batch_first": False},
            ["nn.LSTM(10, 32, num_layers=2)", "nn.LSTM(10, 32, num_layers=1)"],
            "h_0, c_0 = h_n, c_n",
        ),
    ],
    ids=["bidirectional-gru", "lstm"],
)
def test_show_handoff_without_a_decoder_checks_the_usual_ones(
    cli: Cli, options: dict[str, Any], decoders: list[str], first_ok: str
) -> None:
    # It showed no recipe at all, only which options to give.
    from dataclasses import replace

    args = [flag for key, value in options.items() for flag in _flags(key, value)]
    report = report_for(replace(make_spec(**options), handoff_shown=True))
    rows = report.handoff or ()
    assert list(dict.fromkeys(row.decoder for row in rows)) == decoders
    assert next(row for row in rows if row.verified).expression == first_ok
    assert not any(row.verified for row in rows if row.name == "concat_view")
    drawn = cli(*args, "--show", "handoff", env={"COLUMNS": "200"}).stdout
    assert first_ok in drawn and all(f"handing the final state to a decoder: {d}" in drawn for d in decoders)
    # JSON carries the same fields whatever is shown: the hand-off of a decoder the options name.
    assert cli.json(*args, "--show", "handoff")["handoff"] is None


def _flags(key: str, value: Any) -> list[str]:
    if value is True:
        return [f"--{key.replace('_', '-')}"]
    if key == "batch_first":
        return ["--batch-first" if value else "--seq-first"]
    return [f"--{key.replace('_', '-')}", str(value)]
