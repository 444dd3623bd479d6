"""The hand-off's live checks can fail: a wrong pairing and a wrong shape are caught."""

from __future__ import annotations

import torch

from gru_shapes.model.handoff import recipes
from gru_shapes.model.spec import make_spec
from gru_shapes.run.handoff import pairs_each_layer, run_recipe


def test_pairing_fails_when_the_halves_come_from_elsewhere() -> None:
    h_n = torch.randn(4, 3, 8)
    right = h_n.view(2, 2, 3, 8).transpose(1, 2).reshape(2, 3, 16)
    spec = make_spec(layers=2, bidirectional=True, hidden_size=8, batch_size=3)
    assert pairs_each_layer(spec, right, h_n)
    assert not pairs_each_layer(spec, h_n.view(2, 3, 16), h_n)
    swapped = torch.cat((right[..., 8:], right[..., :8]), dim=-1)
    assert not pairs_each_layer(spec, swapped, h_n)


def test_a_recipe_of_the_wrong_shape_is_refused_by_the_decoder() -> None:
    spec = make_spec(layers=2, bidirectional=True, batch_size=3)
    recipe = next(r for r in recipes(spec) if r.name == "sum")  # 32 features for a 64-wide decoder
    decoder = torch.nn.GRU(10, 64, num_layers=2, batch_first=True)
    names = {"torch": torch, "h_n": torch.randn(4, 3, 32), "__builtins__": {}}
    shape, refusal, _made = run_recipe(recipe, names, decoder, torch.zeros(3, 1, 10))
    assert shape == (2, 3, 32)
    assert refusal is not None and "Expected hidden size (2, 3, 64)" in refusal
    right = next(r for r in recipes(spec) if r.name == "concat")
    assert run_recipe(right, names, decoder, torch.zeros(3, 1, 10))[1] is None


def test_the_decoders_leave_the_callers_random_generator_alone() -> None:
    from gru_shapes.run.pipeline import report_for

    torch.manual_seed(5)
    before = torch.random.get_rng_state()
    report_for(make_spec(layers=2, bidirectional=True, decoder_layers=3, decoder_module="LSTM"))
    assert torch.equal(before, torch.random.get_rng_state())
