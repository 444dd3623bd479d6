"""Tracing a user's model: the calls recorded agree with forward hooks the test registers itself,
each call's report agrees with the standalone tool, and the summary up to an error holds."""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from referencing import Registry, Resource
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from gru_shapes import explain, trace, trace_call
from gru_shapes.model.idioms import classify
from gru_shapes.tracing.traced import Trace

EXAMPLES = Path(__file__).parent.parent / "examples"
NAMES = ["classifier", "tagger", "seq2seq", "language_model", "buggy"]


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _schema() -> tuple[dict[str, Any], Registry]:
    files = resources.files("gru_shapes")
    report = json.loads(files.joinpath("report.schema.json").read_text())
    document = json.loads(files.joinpath("trace.schema.json").read_text())
    registry = Registry().with_resource(report["$id"], Resource.from_contents(report))
    return document, registry


def check_schema(document: dict[str, Any]) -> None:
    schema, registry = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, registry=registry).validate(document)


class Hooked:
    """The test's own forward hooks: module name, input shape, and returned shapes of each call."""

    def __init__(self, model: nn.Module) -> None:
        self.seen: list[tuple[str, tuple[int, ...], list[tuple[int, ...]]]] = []
        for name, module in model.named_modules():
            if isinstance(module, (nn.RNNBase, nn.RNNCellBase)):
                module.register_forward_hook(self._hook(name or "model"))

    def _hook(self, name: str) -> Any:
        def hook(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
            x = args[0]
            shape = tuple((x.data if isinstance(x, torch.nn.utils.rnn.PackedSequence) else x).shape)
            self.seen.append((name, shape, _shapes(output)))

        return hook


def _shapes(output: Any) -> list[tuple[int, ...]]:
    found: list[tuple[int, ...]] = []
    for item in output if isinstance(output, tuple) else (output,):
        if isinstance(item, torch.nn.utils.rnn.PackedSequence):
            found.append(tuple(item.data.shape))
        elif isinstance(item, tuple):
            found.extend(tuple(t.shape) for t in item)
        else:
            found.append(tuple(item.shape))
    return found


def recorded(traced: Trace) -> list[tuple[str, tuple[int, ...], list[tuple[int, ...]]]]:
    return [(c.name, c.fed.shape, list(c.returned.values())) for c in traced.calls]


@pytest.mark.parametrize("name", NAMES)
def test_every_example_is_traced_as_its_hooks_see_it(name: str) -> None:
    model, args = example(name).build()
    hooks = Hooked(model)
    traced = trace(model, *args, lang="en")
    successful = [c for c in recorded(traced) if c[2]]
    assert successful == hooks.seen
    check_schema(traced.to_dict())


def test_the_classifier_reads_both_directions_of_the_last_layer() -> None:
    model, args = example("classifier").build()
    traced = trace(model, *args, lang="en")
    call = traced.calls[0]
    uses = {u.expression: u for u in call.uses}
    # In the idioms' own words, for this call's configuration.
    for expression in ("torch.cat((h_n[-2], h_n[-1]), dim=1)", "h_n[-1]"):
        idiom = classify(call.spec, expression)
        assert idiom is not None and uses[expression].holds == idiom.holds
    assert uses["h_n[-2]"].holds == "layer 1, forward"
    # h_n[-1] alone is the backward half; joined with h_n[-2] nothing is missing.
    assert uses["h_n[-1]"].pitfall is None and traced.passed


def test_the_tagger_unpacks_a_padded_output() -> None:
    model, args = example("tagger").build()
    traced = trace(model, *args, lang="en")
    (call,) = traced.calls
    assert call.fed.kind == "packed" and call.fed.lengths == (6, 3, 5)
    padded = call.uses[0]
    assert padded.expression.startswith("pad_packed_sequence(packed_output")
    assert padded.shape == (3, 6, 32)
    # A tagger reads every step: no pitfall for the whole padded output.
    assert all(u.pitfall is None for u in call.uses)


def test_the_seq2seq_decoder_loop_is_one_entry_per_step() -> None:
    model, args = example("seq2seq").build()
    traced = trace(model, *args, lang="en")
    groups = traced.by_module()
    assert [len(calls) for calls in groups.values()] == [1, model.steps]
    assert [c.index for c in groups["decoder"]] == list(range(model.steps))
    assert all(c.fed.hx == "tensor" for c in groups["decoder"])


def test_the_language_model_carries_its_state_as_a_tuple() -> None:
    model, args = example("language_model").build()
    traced = trace(model, *args, lang="en")
    assert [c.fed.hx for c in traced.calls] == ["none", "tuple"]


def test_the_buggy_model_stops_at_its_linear_with_the_shape_explained() -> None:
    model, args = example("buggy").build()
    traced = trace(model, *args, lang="en")
    error = traced.error
    assert error is not None and error.type == "RuntimeError"
    with pytest.raises(RuntimeError) as raised:
        model.eval()
        with torch.inference_mode():
            model(*args)
    assert error.message == str(raised.value)
    assert error.call == 0 and error.expression == "torch.cat((h_n[-2], h_n[-1]), dim=1)"
    assert error.shape == (4, 64)
    assert error.consumer is not None and "in_features=32" in error.consumer
    assert error.why is not None and error.why.startswith("fc expects 32 features; torch.cat(")
    assert "comes from lstm's h_n [2, 4, 32]" in error.why
    assert any("fc expects 32 features" in (u.pitfall or "") for u in traced.calls[0].uses)


class FailsBefore(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.project = nn.Linear(5, 8)
        self.rnn = nn.GRU(8, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rnn(self.project(x))[0]


def test_a_model_failing_before_its_recurrent_call_records_no_call() -> None:
    traced = trace(FailsBefore(), torch.zeros(3, 2, 6), lang="en")
    assert traced.calls == ()
    assert traced.error is not None and "mat1 and mat2" in traced.error.message
    assert traced.error.expression is None


class WrongHandOff(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.GRU(4, 8, num_layers=2, bidirectional=True)
        self.decoder = nn.GRU(4, 8, num_layers=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _output, h_n = self.encoder(x)
        return self.decoder(x, h_n)[0]


def test_a_recurrent_call_that_raises_is_recorded_and_diagnosed() -> None:
    traced = trace(WrongHandOff(), torch.zeros(5, 3, 4), lang="en")
    assert [c.name for c in traced.calls] == ["encoder", "decoder"]
    decoder = traced.calls[1]
    assert decoder.failed and decoder.fed.hx_shapes == ((4, 3, 8),)
    assert decoder.report.diagnosis is not None and not decoder.report.diagnosis.compatible
    assert traced.error is not None and traced.error.expression == "h_n" and traced.error.call == 0
    check_schema(traced.to_dict())


def test_modes_and_rng_are_restored() -> None:
    model, args = example("classifier").build()
    model.train()
    model.rnn.eval()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    trace(model, *args, lang="en")
    assert model.training and not model.rnn.training and model.fc.training
    assert torch.equal(torch.get_rng_state(), state)
    assert not torch.is_inference_mode_enabled()


def test_train_and_autograd_when_asked() -> None:
    seen: list[tuple[bool, bool]] = []
    model, args = example("classifier").build()
    model.rnn.register_forward_hook(
        lambda m, a, o: seen.append((m.training, torch.is_inference_mode_enabled()))
    )
    trace_call(model, args, train=True, inference_mode=False, lang="en")
    trace(model, *args, lang="en")
    assert seen == [(True, False), (False, True)]


# A family of small models around each recurrent module ------------------------------------------


class Wrapper(nn.Module):
    """A model around one recurrent module: packed or not, hx given or not, a cell stepped in a loop."""

    def __init__(self, rnn: nn.Module, packed: bool, give_hx: bool, steps: int) -> None:
        super().__init__()
        self.rnn, self.packed, self.give_hx, self.steps = rnn, packed, give_hx, steps

    def forward(self, x: torch.Tensor, lengths: list[int]) -> Any:
        if isinstance(self.rnn, nn.RNNCellBase):
            state: Any = None
            if self.give_hx:
                zeros = torch.zeros(x.shape[1], self.rnn.hidden_size)
                state = (zeros, zeros.clone()) if isinstance(self.rnn, nn.LSTMCell) else zeros
            for step in range(self.steps):
                state = self.rnn(x[step], state)
            return state
        hx = None
        if self.give_hx:
            layers = self.rnn.num_layers * (2 if self.rnn.bidirectional else 1)
            batch = x.shape[0] if self.rnn.batch_first else x.shape[1]
            h_size = getattr(self.rnn, "proj_size", 0) or self.rnn.hidden_size
            h0 = torch.zeros(layers, batch, h_size)
            hx = (
                (h0, torch.zeros(layers, batch, self.rnn.hidden_size))
                if isinstance(self.rnn, nn.LSTM)
                else h0
            )
        if self.packed:
            x = pack_padded_sequence(
                x, torch.tensor(lengths), batch_first=self.rnn.batch_first, enforce_sorted=False
            )
        _output, state = self.rnn(x, hx)
        h_n = state[0] if isinstance(state, tuple) else state
        return h_n[-1]


@st.composite
def wrapped(draw: st.DrawFn) -> tuple[Wrapper, torch.Tensor, list[int], dict[str, Any]]:
    kind = draw(st.sampled_from(["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]))
    input_size, hidden = draw(st.integers(1, 6)), draw(st.integers(2, 8))
    batch = draw(st.integers(1, 4))
    if kind.endswith("Cell"):
        rnn = getattr(nn, kind)(input_size, hidden)
        steps = draw(st.integers(1, 3))
        model = Wrapper(rnn, False, draw(st.booleans()), steps)
        return model, torch.randn(steps, batch, input_size), [], {"module": kind, "batch_size": batch}
    keywords: dict[str, Any] = {
        "num_layers": draw(st.integers(1, 2)),
        "bidirectional": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
    }
    if kind == "LSTM" and draw(st.booleans()):
        keywords["proj_size"] = draw(st.integers(1, hidden - 1))
    rnn = getattr(nn, kind)(input_size, hidden, **keywords)
    packed = draw(st.booleans())
    lengths = draw(st.lists(st.integers(1, 6), min_size=batch, max_size=batch))
    seq = max(lengths)
    shape = (batch, seq, input_size) if keywords["batch_first"] else (seq, batch, input_size)
    model = Wrapper(rnn, packed, draw(st.booleans()), 1)
    options = {"module": kind, "input_size": input_size, "hidden_size": hidden, **keywords}
    options |= {"lengths": lengths} if packed else {"batch_size": batch, "seq_len": seq}
    return model, torch.randn(shape), lengths, options


@given(wrapped())
def test_a_family_of_models_is_traced_as_their_hooks_see_them(
    case: tuple[Wrapper, torch.Tensor, list[int], dict[str, Any]],
) -> None:
    model, x, lengths, options = case
    hooks = Hooked(model)
    traced = trace(model, x, lengths, lang="en")
    assert traced.error is None, traced.error
    assert recorded(traced) == hooks.seen
    assert [c.fed.hx != "none" for c in traced.calls] == [
        model.give_hx or step > 0 for step in range(len(traced.calls))
    ]
    # The standalone tool, asked the same question, gives the same report.
    call = traced.calls[0]
    keywords = {k: v for k, v in options.items() if k not in ("module",)}
    keywords = {("num_layers" if k == "layers" else k): v for k, v in keywords.items()}
    standalone = explain(options["module"], **_explain_args(call, keywords), lang="en")
    assert call.report.to_dict() == standalone.to_dict()
    returned = [tuple(t.shape) for t in call.report.tensors if t.key in call.returned]
    assert sorted(returned) == sorted(call.returned.values())


def _explain_args(call: Any, keywords: dict[str, Any]) -> dict[str, Any]:
    config = dict(call.config)
    found = {
        k: config[k]
        for k in (
            "input_size",
            "hidden_size",
            "num_layers",
            "bias",
            "batch_first",
            "dropout",
            "bidirectional",
            "proj_size",
            "nonlinearity",
        )
        if k in config
    }
    for key in ("lengths", "batch_size", "seq_len"):
        if key in keywords:
            found[key] = keywords[key]
    return found


class LastStep(nn.Module):
    """Unpacks a packed batch, then takes the last padded step, or each sequence's real end."""

    def __init__(self, gather: bool) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 5, batch_first=True)
        self.gather = gather

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        output, _lengths = torch.nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], batch_first=True)
        if self.gather:
            return output[torch.arange(len(lengths)), lengths - 1]
        return output[:, -1]


@pytest.mark.parametrize("gather", [False, True], ids=["last-padded-step", "each-real-end"])
def test_the_last_step_of_a_padded_batch_is_padding_for_the_shorter_sequences(gather: bool) -> None:
    model, lengths = LastStep(gather), torch.tensor([6, 2, 4])
    x = torch.randn(3, 6, 3)
    traced = trace(model, x, lengths, lang="en")
    taken = traced.calls[0].uses[-1]
    with torch.inference_mode():
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _output, h_n = model.rnn(packed)
        result = model(x, lengths)
    # torch as the oracle: which rows are zeros (padding), which equal the final state.
    padding = [b for b in range(3) if not torch.equal(result[b], h_n[-1][b])]
    assert all(torch.count_nonzero(result[b]) == 0 for b in padding)
    if gather:
        assert padding == [] and taken.pitfall is None
    else:
        assert len(padding) == 2
        assert taken.expression == "output[:, -1]"
        assert taken.pitfall is not None and taken.pitfall.startswith("padding for 2 of 3 sequences")


class Halves(nn.Module):
    """Splits a bidirectional output into its directions, and takes each direction's final state."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        output, _h_n = self.rnn(x)
        forward, backward = output.chunk(2, dim=-1)
        return forward[:, -1], backward[:, 0]


def test_chunked_directions_are_followed_to_each_final_state() -> None:
    model, x = Halves(), torch.randn(3, 5, 3)
    uses = {u.expression: u for u in trace(model, x, lang="en").calls[0].uses}
    with torch.inference_mode():
        _output, h_n = model.rnn(x)
        first, second = model(x)
    # torch as the oracle: these are the last layer's forward and backward final states.
    assert torch.allclose(first, h_n[-2]) and torch.allclose(second, h_n[-1])
    assert uses["output.chunk(2, dim=-1)[0]"].holds == "forward h_t of the last layer at every step"
    taken = uses["output.chunk(2, dim=-1)[1][:, 0]"]
    assert taken.holds == "backward h_t of the last layer at step 0" and taken.pitfall is None


class SortedTagger(nn.Module):
    """Packs a batch sorted by length, then reorders the padded output itself."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(3, 4, batch_first=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=True)
        output, _lengths = torch.nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], batch_first=True)
        return output.index_select(0, torch.tensor([2, 0, 1]))[:, -1]


def test_a_batch_packed_sorted_keeps_the_model_s_own_reordering() -> None:
    traced = trace(SortedTagger(), torch.randn(3, 5, 3), torch.tensor([5, 3, 2]), lang="en")
    expressions = [u.expression for u in traced.calls[0].uses]
    assert "output.index_select(0, tensor([2, 0, 1]))" in expressions[1]
    last = traced.calls[0].uses[-1]
    # Sequences 2 and 1 (lengths 2 and 3) are padding at step 4; sequence 0 is not.
    assert last.pitfall is not None and last.pitfall.startswith("padding for 2 of 3 sequences")
