"""Every verdict of the run can fail: fed a wrong tensor, each one changes."""

from __future__ import annotations

import pytest
import torch

from gru_shapes.model.spec import make_spec
from gru_shapes.run.idioms import references, verdict


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


def test_an_empty_batch_keeps_to_the_expected_state() -> None:
    spec = make_spec(bidirectional=True, batch_size=0)
    module = torch.nn.GRU(10, 32, bidirectional=True, batch_first=True).eval()
    with torch.no_grad():
        output, h_n = module(torch.randn(0, 35, 10))
    quantities = references(spec, {"output": output, "h_n": h_n})
    assert verdict(output[:, -1], quantities, "float32") is None
    assert verdict(h_n[-1], quantities, "float32", "h_last_backward") == "h_last_backward"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
@pytest.mark.parametrize(
    "options",
    [
        {"layers": 2, "bidirectional": True, "batch_size": 3, "chunks": 4, "decoder_layers": 2},
        {"module": "LSTM", "proj_size": 8, "lengths": [20, 3, 9], "decoder_module": "LSTM"},
        {"module": "RNN", "unbatched": True, "chunks": 5, "decoder_hidden_size": 16},
    ],
    ids=["gru", "lstm-packed", "rnn-unbatched"],
)
def test_on_cuda_the_verdicts_are_the_cpus(options: dict[str, object]) -> None:
    from gru_shapes.run.pipeline import report_for

    gpu, cpu = (report_for(make_spec(device=device, **options)) for device in ("cuda", "cpu"))
    assert [(r.expression, r.shape, r.equals) for r in gpu.idioms] == [
        (r.expression, r.shape, r.equals) for r in cpu.idioms
    ]
    assert [(r.name, r.verified) for r in gpu.handoff or ()] == [
        (r.name, r.verified) for r in cpu.handoff or ()
    ]
    assert (gpu.chunks is None) == (cpu.chunks is None)
    if gpu.chunks is not None and cpu.chunks is not None:
        assert gpu.chunks.equal == cpu.chunks.equal
