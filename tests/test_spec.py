from __future__ import annotations

from typing import Any

import pytest

from gru_shapes.errors import OptionError
from gru_shapes.spec import DEFAULTS, make_spec


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
    with pytest.raises(OptionError, match="unknown option 'num_layers'; allowed: input_size"):
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
