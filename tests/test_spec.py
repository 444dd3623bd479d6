from __future__ import annotations

from typing import Any

import pytest

from gru_shapes.errors import OptionError
from gru_shapes.model.spec import DEFAULTS, make_spec


def test_defaults_are_the_notebook_first_cell() -> None:
    spec = make_spec()
    assert spec.config.keywords() == {
        "input_size": 10,
        "hidden_size": 32,
        "num_layers": 1,
        "bias": True,
        "batch_first": True,
        "dropout": 0.0,
        "bidirectional": False,
    }
    assert (spec.batch_size, spec.seq_len, spec.device, spec.dtype) == (1, 35, "cpu", "float32")


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("input_size", 0, "--input-size must be a whole number of at least 1, got 0"),
        ("hidden_size", -3, "--hidden-size must be a whole number of at least 1"),
        ("layers", 0, "--layers must be a whole number of at least 1"),
        ("layers", 2.0, "--layers must be a whole number"),
        ("layers", True, "--layers must be a whole number"),
        ("batch_size", -1, "--batch-size must be a whole number of at least 0"),
        ("seq_len", 0, "--seq-len must be a whole number of at least 1"),
        ("dropout", -0.1, "--dropout must be a number from 0 to 1"),
        ("dropout", 1.5, "--dropout must be a number from 0 to 1"),
        ("dropout", float("nan"), "--dropout must be a number from 0 to 1"),
        ("dropout", "0.5", "--dropout must be a number from 0 to 1"),
        ("device", "tpu", "--device must be cpu, cuda, cuda:N or auto"),
        ("device", "cuda:x", "--device must be cpu, cuda, cuda:N or auto"),
        ("dtype", "int8", "--dtype must be one of float32, float64, float16, bfloat16"),
        ("seed", 2**64, "--seed must be a whole number"),
        ("bidirectional", "yes", "--bidirectional must be true or false"),
    ],
    ids=lambda v: repr(v),
)
def test_refusals_name_the_option(option: str, value: Any, fragment: str) -> None:
    with pytest.raises(OptionError) as raised:
        make_spec(**{option: value})
    assert raised.value.option == option
    assert fragment in str(raised.value)
    assert raised.value.exit_code == 2


def test_unknown_option_is_refused_with_the_allowed_names() -> None:
    with pytest.raises(OptionError, match="unknown option 'num_layers'; allowed: module, input_size"):
        make_spec(num_layers=2)


@pytest.mark.parametrize("value", [0, 1, 0.5], ids=str)
def test_dropout_accepts_torchs_closed_range(value: float) -> None:
    assert make_spec(dropout=value).config.dropout == value


@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:3", "auto"])
def test_device_spellings(device: str) -> None:
    assert make_spec(device=device).device == device


def test_every_default_is_accepted_as_given() -> None:
    assert make_spec(**DEFAULTS) == make_spec()


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1024", 1024),
        ("1.5KiB", 1536),
        ("512MiB", 512 * 2**20),
        ("8GB", 8 * 10**9),
        ("2G", 2 * 2**30),
        ("3 tb", 3 * 10**12),
    ],
)
def test_memory_sizes(text: str, size: int) -> None:
    assert make_spec(max_memory=text).max_memory == size


@pytest.mark.parametrize("value", ["", "lots", "-5MB", "0", 0, -1, True, 1.5], ids=repr)
def test_bad_memory_sizes(value: Any) -> None:
    with pytest.raises(OptionError, match="--max-memory must be a size above 0"):
        make_spec(max_memory=value)


@pytest.mark.parametrize("name", ["gru", "Lstm", "RNNCELL", "lstmcell"])
def test_module_names_are_case_insensitive(name: str) -> None:
    assert make_spec(module=name).module.lower() == name.lower()


@pytest.mark.parametrize(
    ("options", "option", "fragment"),
    [
        (
            {"module": "GRUCell", "layers": 2},
            "layers",
            "--layers does not apply to nn.GRUCell: a cell takes one",
        ),
        (
            {"module": "RNNCell", "batch_first": False},
            "batch_first",
            "--batch-first/--seq-first does not apply",
        ),
        ({"module": "LSTMCell", "dropout": 0.1}, "dropout", "--dropout does not apply to nn.LSTMCell"),
        ({"module": "GRUCell", "seq_len": 5}, "seq_len", "--seq-len does not apply to nn.GRUCell"),
        ({"module": "GRUCell", "lengths": "3,2"}, "lengths", "--lengths does not apply to nn.GRUCell"),
        ({"module": "GRUCell", "bidirectional": True}, "bidirectional", "--bidirectional does not apply"),
        ({"proj_size": 4}, "proj_size", "--proj-size does not apply to nn.GRU: only nn.LSTM projects"),
        ({"module": "RNN", "proj_size": 0}, "proj_size", "--proj-size does not apply to nn.RNN"),
        (
            {"module": "LSTM", "nonlinearity": "relu"},
            "nonlinearity",
            "--nonlinearity does not apply to nn.LSTM",
        ),
        ({"nonlinearity": "tanh"}, "nonlinearity", "--nonlinearity does not apply to nn.GRU"),
        ({"c0_shape": "1,1,32"}, "c0_shape", "--c0-shape does not apply to nn.GRU: only LSTMs carry"),
        ({"module": "LSTM", "proj_size": 32}, "proj_size", "from 0 to hidden_size - 1 = 31, got 32"),
        ({"module": "RNN", "nonlinearity": "TANH"}, "nonlinearity", "must be tanh or relu (lower case)"),
        ({"module": "conv"}, "module", "--module must be one of GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell"),
        (
            {"unbatched": True, "batch_size": 2},
            "batch_size",
            "--batch-size cannot be combined with --unbatched",
        ),
        ({"lengths": "3,2", "seq_len": 3}, "seq_len", "--seq-len cannot be combined with --lengths"),
        ({"lengths": "3,2", "unbatched": True}, "unbatched", "--unbatched cannot be combined with --lengths"),
        ({"lengths": "3,0"}, "lengths", "--lengths must be one or more whole numbers of at least 1"),
        ({"lengths": ""}, "lengths", "--lengths must be one or more whole numbers"),
        ({"input_shape": "1,35,x"}, "input_shape", "--input-shape must be sizes of 0 or more"),
        ({"input_shape": "1,35,10", "unbatched": True}, "unbatched", "cannot be combined with --input-shape"),
        ({"h0_shape": "1,1,32", "dry_run": True}, "dry_run", "--dry-run cannot be combined with --h0-shape"),
    ],
    ids=lambda v: repr(v) if isinstance(v, dict) else "",
)
def test_options_a_module_does_not_take_are_refused(
    options: dict[str, Any], option: str, fragment: str
) -> None:
    with pytest.raises(OptionError) as raised:
        make_spec(**options)
    assert raised.value.option == option
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    ("text", "shape"), [("1,35,12", (1, 35, 12)), ("[4, 2]", (4, 2)), ("1x35x10", (1, 35, 10))]
)
def test_shape_spellings(text: str, shape: tuple[int, ...]) -> None:
    given = make_spec(input_shape=text).given
    assert given is not None and given.input == shape


@pytest.mark.parametrize(
    ("option", "text"),
    [
        ("lengths", "35,,7"),
        ("lengths", ",35"),
        ("lengths", "35,"),
        ("lengths", "35, ,7"),
        ("input_shape", "1,,35,10"),
        ("input_shape", "(,35)"),
        ("h0_shape", "1,1,32,"),
        ("c0_shape", ",1,1,32"),
    ],
)
def test_an_empty_item_is_refused_naming_the_option(option: str, text: str) -> None:
    # Read as fewer numbers, a typo would silently change the batch or a shape.
    options = {"module": "lstm", option: text}
    with pytest.raises(OptionError) as raised:
        make_spec(**options)
    assert raised.value.option == option
    assert str(raised.value).startswith(f"--{option.replace('_', '-')} has an empty item")


@pytest.mark.parametrize(
    ("text", "numbers"), [("(35,)", (35,)), ("[1, 35, 12,]", (1, 35, 12)), (" 35 , 7 ", (35, 7))]
)
def test_a_comma_before_a_closing_bracket_is_no_empty_item(text: str, numbers: tuple[int, ...]) -> None:
    assert make_spec(lengths=text).lengths == numbers


def test_false_flags_do_not_clash() -> None:
    # A batch line may spell out a flag as false; only a flag that is on excludes its rivals.
    assert make_spec(unbatched=False, batch_size=3).batch_size == 3
