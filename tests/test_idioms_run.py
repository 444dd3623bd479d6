"""Every verdict of the run can fail: fed a wrong tensor, each one changes."""

from __future__ import annotations

import pytest
import torch

from gru_shapes.handoff import recipes
from gru_shapes.idioms_run import compare, pairs_each_layer, references, run_recipe, verdict
from gru_shapes.spec import make_spec


def returned_for(bidirectional: bool) -> dict[str, torch.Tensor]:
    module = torch.nn.GRU(10, 32, num_layers=2, bidirectional=bidirectional, batch_first=True).eval()
    with torch.no_grad():
        output, h_n = module(torch.randn(3, 7, 10))
    return {"output": output, "h_n": h_n}


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
def test_each_verdict_changes_when_the_tensor_is_wrong(bidirectional: bool) -> None:
    spec = make_spec(layers=2, bidirectional=bidirectional, batch_size=3, seq_len=7)
    returned = returned_for(bidirectional)
    quantities = references(spec, returned)
    assert verdict(returned["h_n"][-1], quantities, "float32") == (
        "h_last_backward" if bidirectional else "h_last_forward"
    )
    for key, right in quantities.items():
        assert verdict(right.clone(), quantities, "float32", key) == key
        assert verdict(right + 1e-3, quantities, "float32", key) is None, key
    # The first layer's state is a real state, but not a final one of the last layer.
    assert verdict(returned["h_n"][0], quantities, "float32") is None


def test_the_references_come_from_output_not_from_h_n() -> None:
    spec = make_spec(layers=2, bidirectional=True, batch_size=3, seq_len=7)
    returned = returned_for(True)
    wrong = {"output": returned["output"], "h_n": torch.zeros_like(returned["h_n"])}
    quantities = references(spec, wrong)
    assert verdict(wrong["h_n"][-1], quantities, "float32") is None


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


def test_the_chunk_comparison_fails_on_a_changed_tensor() -> None:
    whole = [torch.randn(2, 5, 4), torch.randn(1, 2, 4)]
    assert compare(whole, [t.clone() for t in whole], "float32") == (0.0, True)
    diff, equal = compare(whole, [whole[0] + 0.5, whole[1]], "float32")
    assert not equal and diff == pytest.approx(0.5)
