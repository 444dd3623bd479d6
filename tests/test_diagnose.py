"""Diagnosing given shapes: torch's own verdict, plain words, and ranked fixes that really run.

Every fix is re-applied here as a user would: its code is run on tensors of the given shapes, the
module is rebuilt with its options, and torch is fed the result.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gru_shapes.diagnose import Diagnosis, Fix
from gru_shapes.model.spec import make_spec
from gru_shapes.model.validate import DTYPES
from gru_shapes.model.validate import module as module_name
from gru_shapes.run.pipeline import report_for
from tests.conftest import Cli
from tests.oracle import CRASH, torch_error, torch_module
from tests.strategies import given_shapes, valid_options
from tests.test_report import validate

SHAPE_OPTIONS = {"input": "input_shape", "h_0": "h0_shape", "c_0": "c0_shape"}
# Options that describe the call or the tensors rather than the module.
CALL_OPTIONS = {
    *SHAPE_OPTIONS.values(),
    *("hx_form", "input_dtype", "batch_size", "seq_len", "dtype", "encoder_bidirectional"),
}


def as_options(shapes: dict[str, tuple[int, ...]]) -> dict[str, Any]:
    return {SHAPE_OPTIONS[key]: list(shape) for key, shape in shapes.items()}


def diagnosis_of(**options: Any) -> Diagnosis:
    diagnosis = report_for(make_spec(**options)).diagnosis
    assert diagnosis is not None
    return diagnosis


def apply(fix: Fix, options: dict[str, Any], fed: dict[str, tuple[int, ...]]) -> str | None:
    """Run the fix's code on zeros of the shapes fed, rebuild the module with its options, call it
    as the fix says; torch's message, or None when it runs. The shapes the code leaves must be the
    ones the fix's options name."""
    module_dtype = options.get("dtype", "float32")
    dtype = getattr(torch, fix.options.get("input_dtype", options.get("input_dtype", module_dtype)))
    start_dtype = getattr(torch, options.get("input_dtype", module_dtype))
    state_dtype = getattr(torch, module_dtype)
    names: dict[str, Any] = {
        "x": torch.zeros(fed["input"], dtype=start_dtype),
        "h_0": torch.zeros(fed["h_0"], dtype=state_dtype) if "h_0" in fed else None,
        "c_0": torch.zeros(fed["c_0"], dtype=state_dtype) if "c_0" in fed else None,
    }
    if fix.code:
        exec(fix.code, {"torch": torch, "nn": torch.nn}, names)
    for key, option in SHAPE_OPTIONS.items():
        if option in fix.options and key != "c_0":
            assert tuple(names["x" if key == "input" else key].shape) == tuple(fix.options[option]), fix
    assert names["x"].dtype == dtype, fix
    module_options = {k: v for k, v in {**options, **fix.options}.items() if k not in CALL_OPTIONS}
    module_options["module"] = module_name(module_options.get("module", "GRU"))
    module_options.pop("dtype", None)
    module = torch_module(module_options).to(state_dtype).eval()
    tuple_form = {**options, **fix.options}.get("hx_form", "tuple") == "tuple"
    if "hx" in names:
        hx = names["hx"]
    elif names["h_0"] is None:
        hx = None
    elif str(module_options.get("module", "GRU")).startswith("LSTM") and tuple_form:
        hx = (names["h_0"], names["c_0"])
    else:
        hx = names["h_0"]
    try:
        with torch.no_grad():
            module(names["x"], hx)
    except (ValueError, RuntimeError, TypeError, IndexError) as error:
        return str(error).strip()
    return None


@given(given_shapes(), st.sampled_from(DTYPES))
def test_the_verdict_is_torchs_and_every_fix_runs_in_torch(
    case: tuple[dict[str, Any], Any], dtype: str
) -> None:
    options, shapes = case
    options = {**options, "dtype": dtype}
    report = report_for(make_spec(**options, **as_options(shapes)))
    diagnosis = report.diagnosis
    assert diagnosis is not None
    error = torch_error(options, shapes)
    assert diagnosis.compatible == (error is None), (error, diagnosis)
    if error == CRASH:  # said in the tool's own words, never passed off as torch's
        assert diagnosis.torch_error is None and diagnosis.explanation.startswith("torch gave no answer")
        return
    if error is None:
        assert report.passed and diagnosis.verdict in ("accepted", "suspect")
        # nn.RNNCell also runs a 2-D state with a 1-D input (torch unsqueezes it); the tables then show
        # the documented unbatched state, so only the input is compared there.
        quirk = options["module"] == "RNNCell" and len(shapes["input"]) == 1
        for key, shape in shapes.items():
            if key == "input" or not quirk:
                assert report.tensor(key).shape == shape
    else:
        assert not report.passed and diagnosis.verdict == "refused"
        assert diagnosis.torch_error == error
        assert diagnosis.explanation
    assert [fix.rank for fix in diagnosis.fixes] == list(range(1, len(diagnosis.fixes) + 1))
    assert len(diagnosis.fixes) <= 3
    for fix in diagnosis.fixes:
        assert fix.verified and fix.why and fix.change.endswith(fix.why)
        assert apply(fix, options, diagnosis.fed) is None, fix
        assert "bidirectional" not in fix.options
        assert fix.options.get("layers", 0) <= 4 * max(options.get("layers", 1), 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        {"input_shape": "4,35,10", "h0_shape": "1,3,32"},
        {"module": "GRUCell", "input_size": 65, "hidden_size": 42, "input_shape": "3,65", "h0_shape": "2,42"},
        {"module": "lstm", "hx_form": "tensor", "input_shape": "4,35,10", "h0_shape": "1,4,32"},
        {"input_dtype": "int64", "input_shape": "4,35"},
    ],
    ids=["gru-h0-batch", "grucell-h0-batch", "lstm-h-alone", "token-ids"],
)
def test_a_fix_is_built_and_tried_in_the_runs_dtype(options: dict[str, Any], dtype: str) -> None:
    # A fresh state of the default float32 was refused by a float64 module: no fix outside float32.
    found = diagnosis_of(**options, dtype=dtype).fixes
    assert found, dtype
    for fix in found:
        assert apply(fix, {**options, "dtype": dtype}, diagnosis_of(**options, dtype=dtype).fed) is None
        if "torch.zeros" in (fix.code or "") and dtype != "float32":
            assert f"dtype=torch.{dtype}" in (fix.code or "")


@given(given_shapes(), st.sampled_from([d for d in DTYPES if d != "float32"]))
def test_the_fixes_found_in_float32_are_found_in_every_dtype(
    case: tuple[dict[str, Any], Any], dtype: str
) -> None:
    options, shapes = case
    in_float32 = diagnosis_of(**options, **as_options(shapes)).fixes
    other = diagnosis_of(**options, **as_options(shapes), dtype=dtype).fixes
    spelled = [
        fix.change.replace(f", dtype=torch.{dtype}", "").replace(f".to(torch.{dtype})", ".float()")
        for fix in other
    ]
    assert spelled == [fix.change for fix in in_float32]


def torch_call_error(options: dict[str, Any], shapes: dict[str, tuple[int, ...]]) -> str | None:
    """torch's message for the module called as the options say: the input in ``input_dtype``, an
    LSTM's state as ``(h_0, c_0)`` or, with ``hx_form="tensor"``, as ``h_0`` alone."""
    module_options = {k: v for k, v in options.items() if k not in CALL_OPTIONS}
    state_dtype = getattr(torch, options.get("dtype", "float32"))
    module = torch_module(module_options).to(state_dtype).eval()
    dtype = getattr(torch, options.get("input_dtype", options.get("dtype", "float32")))
    x = torch.zeros(shapes["input"], dtype=dtype)
    hx: Any = None
    if "h_0" in shapes:
        h_0 = torch.zeros(shapes["h_0"], dtype=state_dtype)
        hx = (h_0, torch.zeros(shapes["c_0"], dtype=state_dtype)) if "c_0" in shapes else h_0
    try:
        with torch.no_grad():
            module(x, hx)
    except (ValueError, RuntimeError, TypeError, IndexError, AttributeError) as error:
        return str(error).strip()
    return None


@given(
    given_shapes(),
    st.sampled_from([None, "int64", "float64", "float32"]),
    st.booleans(),
    st.sampled_from(DTYPES),
)
def test_the_call_form_and_the_dtype_get_torchs_verdict_and_fixes_that_run(
    case: tuple[dict[str, Any], Any], input_dtype: str | None, h_alone: bool, dtype: str
) -> None:
    options, shapes = case
    options = {**options, "dtype": dtype}
    shapes = dict(shapes)
    if input_dtype:
        options["input_dtype"] = input_dtype
    lstm = options["module"].startswith("LSTM")
    if lstm and h_alone and "h_0" in shapes:
        options["hx_form"] = "tensor"
        shapes.pop("c_0", None)
    diagnosis = diagnosis_of(**options, **as_options(shapes))
    if lstm and options.get("hx_form") == "tensor":
        assert "c_0" not in diagnosis.fed
    # torch is fed what the diagnosis fed: the shapes given, and any state supplied as its notes say.
    assert set(diagnosis.supplied) == set(diagnosis.fed) - set(shapes)
    if torch_error(options, dict(diagnosis.fed)) == CRASH:
        assert diagnosis.torch_error is None
        return
    error = torch_call_error(options, dict(diagnosis.fed))
    assert diagnosis.compatible == (error is None), (error, diagnosis)
    assert diagnosis.torch_error == error
    for fix in diagnosis.fixes:
        assert apply(fix, options, diagnosis.fed) is None, fix


@given(valid_options(modules=("GRU", "LSTM", "RNN")), st.integers(1, 6), st.integers(1, 6))
def test_a_stated_batch_and_length_are_checked_against_torchs_reading(
    options: dict[str, Any], batch: int, seq: int
) -> None:
    for mode in ("unbatched", "lengths", "batch_size", "seq_len", "seed"):
        options.pop(mode, None)
    first, second = (batch, seq) if options.get("batch_first", True) else (seq, batch)
    shape = (first, second, options["input_size"])
    meant = {"batch_size": second, "seq_len": first} if options.get("batch_first", True) else {}
    meant = meant or {"batch_size": first, "seq_len": second}
    diagnosis = diagnosis_of(**options, input_shape=list(shape), **meant)
    assert diagnosis.compatible and torch_error(options, {"input": shape}) is None
    read_as_meant = (batch, seq) == (meant["batch_size"], meant["seq_len"])
    assert diagnosis.verdict == ("accepted" if read_as_meant else "suspect"), diagnosis
    if not read_as_meant:
        assert diagnosis.explanation.startswith("torch accepts, but reads your input")
        assert diagnosis.fixes, diagnosis
        for fix in diagnosis.fixes:
            assert apply(fix, options, diagnosis.fed) is None, fix


# Shapes people post, with torch's verdict and the fix they were given (the text before ": ").
CASES = [
    pytest.param({"input_shape": "1,35,12"}, "refused", "--input-size 12", id="wrong-input-size"),
    pytest.param(
        {"module": "lstm", "input_size": 128, "input_shape": "32,50,300"},
        "refused",
        "--input-size 300",
        id="embedding-dim-not-input-size",
    ),
    pytest.param(
        {"input_shape": "35,4,10", "h0_shape": "1,4,32"},
        "refused",
        "--seq-first",
        id="seq-major-data-with-h0",
    ),
    pytest.param(
        {"module": "lstm", "batch_first": False, "input_size": 125, "input_shape": "64,150,125"},
        "suspect",
        "--batch-first",
        id="batch-major-data-to-seq-first-lstm",
    ),
    pytest.param(
        {"batch_first": False, "input_shape": "20,64,10", "batch_size": 20},
        "suspect",
        "--batch-first",
        id="stated-batch-read-as-seq",
    ),
    pytest.param(
        {"input_shape": "35,4,10", "seq_len": 35}, "suspect", "--seq-first", id="stated-seq-read-as-batch"
    ),
    pytest.param({"input_shape": "4,35,10", "batch_size": 4}, "accepted", None, id="read-as-stated"),
    pytest.param(
        {"layers": 2, "input_shape": "4,35,10", "h0_shape": "4,2,32"},
        "refused",
        "h_0 = h_0.transpose(0, 1).contiguous()",
        id="batch-first-h0",
    ),
    pytest.param(
        {"input_shape": "20,35,10", "h0_shape": "1,32,32"},
        "refused",
        "h_0 = h_0[:, :20]",
        id="smaller-last-batch",
    ),
    pytest.param(
        {"module": "lstm", "input_shape": "20,35,10", "h0_shape": "1,32,32", "c0_shape": "1,32,32"},
        "refused",
        "h_0 = h_0[:, :20]; c_0 = c_0[:, :20]",
        id="smaller-last-batch-lstm",
    ),
    pytest.param(
        {"module": "GRUCell", "input_shape": "20,10", "h0_shape": "32,32"},
        "refused",
        "h_0 = h_0[:20]",
        id="smaller-last-batch-cell",
    ),
    pytest.param({"layers": 2, "h0_shape": "1,1,32"}, "refused", "--layers 1", id="h0-of-fewer-layers"),
    # With no input given, the state is the only real tensor: the module is rebuilt to its layers
    # (IBM/pytorch-seq2seq#101); an input that fits the module confirms it, and the state is cut.
    pytest.param({"h0_shape": "3,1,32"}, "refused", "--layers 3", id="h0-of-three-layers-to-one"),
    pytest.param(
        {"input_shape": "1,35,10", "h0_shape": "3,1,32"},
        "refused",
        "h_0 = h_0[-1:]",
        id="h0-of-three-layers-to-one-confirmed-by-input",
    ),
    # Adding the directions is right for a bidirectional encoder's state, which the shape alone
    # cannot tell from a deeper encoder's: first when the user says so.
    pytest.param(
        {"h0_shape": "2,1,32", "encoder_bidirectional": True},
        "refused",
        "h_0 = h_0.view(1, 2, 1, 32).sum(1)",
        id="bidirectional-state-to-decoder",
    ),
    pytest.param({"h0_shape": "2,1,32"}, "refused", "--layers 2", id="two-slot-state-to-decoder-unsaid"),
    pytest.param(
        {"layers": 2, "h0_shape": "4,1,32", "encoder_bidirectional": True},
        "refused",
        "h_0 = h_0.view(2, 2, 1, 32).sum(1)",
        id="two-layer-bidirectional-state-to-decoder",
    ),
    pytest.param(
        {"layers": 2, "h0_shape": "4,1,32"}, "refused", "--layers 4", id="four-slot-state-to-decoder-unsaid"
    ),
    pytest.param(
        {"input_size": 4, "hidden_size": 5, "layers": 2, "batch_first": False}
        | {"input_shape": "10,3,4", "h0_shape": "20000,3,5"},
        "refused",
        "h_0 = h_0[-2:]",
        id="h0-of-20000-layers",
    ),
    pytest.param({"h0_shape": "2000,1,32"}, "refused", "h_0 = h_0[-1:]", id="h0-of-2000-layers"),
    pytest.param(
        {"hidden_size": 1, "input_shape": "16,7,10", "h0_shape": "1,16,256"},
        "refused",
        "--hidden-size 256",
        id="module-built-with-hidden-size-1",
    ),
    pytest.param(
        {"input_shape": "4,35,10", "h0_shape": "4,32"},
        "refused",
        "h_0 = h_0.unsqueeze(0)",
        id="h0-without-dim-0",
    ),
    pytest.param(
        {"input_shape": "35,10", "h0_shape": "1,1,32"},
        "refused",
        "h_0 = h_0.squeeze(0)",
        id="batched-h0-unbatched-x",
    ),
    pytest.param(
        {"module": "lstm", "input_shape": "5,100,10,10"},
        "refused",
        "x = x.reshape(5, 1000, 10)",
        id="4d-input",
    ),
    pytest.param(
        {"input_size": 28, "input_shape": "8,1,28,28"},
        "refused",
        "x = x.squeeze(1)",
        id="4d-image-with-channel",
    ),
    pytest.param(
        {"input_size": 1, "input_shape": "1,3"}, "refused", "x = x.unsqueeze(-1)", id="2d-window-one-feature"
    ),
    pytest.param(
        {"input_shape": "32,10", "batch_size": 32},
        "suspect",
        "x = x.unsqueeze(1)",
        id="2d-batch-of-feature-rows",
    ),
    pytest.param({"input_shape": "35,10"}, "accepted", "x = x.unsqueeze(0)", id="2d-one-sequence"),
    pytest.param({"input_shape": "10,35"}, "refused", "x = x.transpose(0, 1)", id="2d-features-first"),
    pytest.param({"input_shape": "10"}, "refused", "x = x.unsqueeze(0)", id="1d-one-step"),
    pytest.param(
        {"input_shape": "4,10,35"}, "refused", "x = x.transpose(1, 2)", id="channels-first-batch-feature-seq"
    ),
    pytest.param(
        {"module": "GRUCell", "input_shape": "1,3,10"}, "refused", "x = x.squeeze(0)", id="3d-to-cell"
    ),
    pytest.param(
        {"module": "GRUCell", "input_shape": "5,3,10"}, "refused", "--module GRU", id="sequence-to-cell"
    ),
    pytest.param(
        {"module": "LSTMCell", "hx_form": "tensor", "input_shape": "4,10", "h0_shape": "4,32"},
        "refused",
        "hx = (h_0, torch.zeros(4, 32))",
        id="lstmcell-h-without-c",
    ),
    pytest.param(
        {"module": "lstm", "hx_form": "tensor", "input_shape": "4,35,10", "h0_shape": "1,4,32"},
        "refused",
        "hx = (h_0, torch.zeros(1, 4, 32))",
        id="lstm-h-without-c",
    ),
    pytest.param(
        {"module": "lstm", "hx_form": "tensor"},
        "refused",
        "hx = (h_0, torch.zeros(1, 1, 32))",
        id="lstm-h-without-c-no-shapes",
    ),
    pytest.param(
        {"input_dtype": "int64", "input_shape": "4,35"},
        "refused",
        "x = nn.Embedding(int(x.max()) + 1, 10)(x)",
        id="token-ids",
    ),
    pytest.param(
        {"input_dtype": "int64", "input_shape": "4,35,10"}, "refused", "x = x.float()", id="integer-data"
    ),
    pytest.param(
        {"input_dtype": "float64", "input_shape": "4,35,10"}, "refused", "x = x.float()", id="double-data"
    ),
    pytest.param(
        {"module": "lstm", "proj_size": 8, "h0_shape": "1,1,32", "c0_shape": "1,1,32"},
        "refused",
        "h_0 = torch.zeros(1, 1, 8)",
        id="projected-lstm-h0-of-hidden-size",
    ),
    pytest.param(
        {"bidirectional": True, "input_shape": "4,35,10", "h0_shape": "1,4,32"},
        "refused",
        "h_0 = torch.zeros(2, 4, 32)",
        id="one-direction-state-to-bidirectional",
    ),
    pytest.param(
        {"module": "lstm", "lengths": "3,2", "input_shape": "3,2,10"},
        "refused",
        "--seq-first",
        id="packed-seq-major",
    ),
    pytest.param({"lengths": "3,2", "input_shape": "2,3,10"}, "accepted", None, id="packed-as-meant"),
    pytest.param(
        {"input_shape": "1,1,2000000", "max_memory": "10MiB"},
        "refused",
        None,
        id="huge-input-size-over-budget",
    ),
    pytest.param(
        {"h0_shape": "1,1,250000000", "max_memory": "10MiB"}, "refused", None, id="huge-h0-over-budget"
    ),
    pytest.param(
        {"h0_shape": "1,1,100000"}, "refused", "h_0 = torch.zeros(1, 1, 32)", id="h0-of-100000-features"
    ),
]


@pytest.mark.parametrize(("options", "verdict", "first"), CASES)
def test_real_style_cases(options: dict[str, Any], verdict: str, first: str | None) -> None:
    diagnosis = diagnosis_of(**options)
    assert diagnosis.verdict == verdict, diagnosis
    shown = [fix.change.split(": ")[0] for fix in diagnosis.fixes]
    assert (shown[0] if shown else None) == first, shown
    # Every fix re-applied to tensors of the given shapes runs in torch.
    plain = {k: v for k, v in options.items() if k not in CALL_OPTIONS | {"lengths", "max_memory"}}
    if "lengths" not in options:
        for fix in diagnosis.fixes:
            assert (
                apply(
                    fix,
                    plain | {k: options[k] for k in ("input_dtype", "hx_form") if k in options},
                    diagnosis.fed,
                )
                is None
            ), fix


def test_candidates_over_the_budget_are_not_built_and_said_so() -> None:
    diagnosis = diagnosis_of(input_shape="1,1,2000000", max_memory="10MiB")
    assert diagnosis.fixes == () and diagnosis.allocated
    assert diagnosis.unbuilt[0].options == {"input_size": 2000000}
    assert diagnosis.unbuilt[0].total_bytes > 10 * 2**20
    assert any(
        note.startswith("--input-size 2000000 passes torch's shape checks but was not built")
        for note in diagnosis.notes
    )


def test_given_tensors_over_the_budget_are_judged_without_allocating() -> None:
    diagnosis = diagnosis_of(h0_shape="1,1,250000000", max_memory="10MiB")
    assert not diagnosis.allocated
    # torch's message for the same mistake at a size the test can allocate, with the size put back.
    small = torch_error({}, {"input": (1, 35, 10), "h_0": (1, 1, 33)})
    assert small is not None and diagnosis.torch_error == small.replace("33", "250000000")
    assert "meta device" in diagnosis.notes[0]


def test_a_better_change_over_the_budget_is_said_beside_the_fixes_that_run() -> None:
    diagnosis = diagnosis_of(h0_shape="1,1,100000")
    assert [fix.change.split(": ")[0] for fix in diagnosis.fixes] == ["h_0 = torch.zeros(1, 1, 32)"]
    assert diagnosis.unbuilt[0].options == {"hidden_size": 100000}
    assert any(
        note.startswith("--hidden-size 100000 passes torch's shape checks") for note in diagnosis.notes
    )


def test_no_module_past_the_layer_bound_is_proposed() -> None:
    for fix in diagnosis_of(h0_shape="5,1,32").fixes:
        assert "layers" not in fix.options
    assert "--layers 4" in [fix.change.split(": ")[0] for fix in diagnosis_of(h0_shape="4,1,32").fixes]


def test_a_supplied_state_is_said() -> None:
    diagnosis = diagnosis_of(module="LSTM", layers=2, h0_shape="1,1,32")
    assert diagnosis.fed == {"input": (1, 35, 10), "h_0": (1, 1, 32), "c_0": (2, 1, 32)}
    assert diagnosis.supplied == ("c_0",)
    assert diagnosis.torch_error == "Expected hidden[0] size (2, 1, 32), got [1, 1, 32]"
    assert "c_0 [2, 1, 32] was not given: gru-shapes supplied it" in " ".join(diagnosis.notes)


def test_a_packed_input_is_said_to_be_packed_at_its_lengths() -> None:
    diagnosis = diagnosis_of(lengths="3,2", input_shape="2,5,10")
    assert diagnosis.verdict == "accepted"
    assert diagnosis.explanation.startswith(
        "torch accepts these shapes; input [2, 5, 10] is packed as 2 sequences of lengths [3, 2]"
    )
    assert any("pad_packed_sequence each take their own batch_first" in note for note in diagnosis.notes)


def test_the_2d_rule_is_said_whenever_a_2d_input_is_given() -> None:
    for shape in ("35,10", "10,35"):
        notes = diagnosis_of(input_shape=shape).notes
        assert any(
            "is one unbatched sequence" in note and "whatever batch_first says" in note for note in notes
        )


def test_the_readme_example() -> None:
    report = report_for(make_spec(input_shape="35,4,10", h0_shape="1,4,32"))
    assert report.diagnosis is not None
    assert report.diagnosis.explanation.endswith(
        "dim 1 (batch) is 4, not 35; batch is read from input dim 0 because batch_first=True."
    )
    assert [fix.change for fix in report.diagnosis.fixes] == [
        "--seq-first: the input reads as (seq, batch, feature)",
        "x = x.transpose(0, 1): swap batch and seq in the tensor",
        "h_0 = torch.zeros(1, 35, 32): start from zeros: h_0 must be "
        "(D × num_layers, batch_size, hidden_size) = (1, 35, 32)",
    ]
    assert report.tensor("input").shape == (35, 4, 10)


def test_the_command_line_diagnosis(cli: Cli) -> None:
    result = cli("--input-shape", "1,35,12", env={"COLUMNS": "160"})
    assert result.exit_code == 1
    assert result.stderr == ""
    for fragment in [
        "torch refuses these shapes",
        "input.size(-1) must be equal to input_size. Expected 10, got 12",
        "1. --input-size 12: build the module",
    ]:
        assert fragment in result.stdout, fragment
    document = json.loads(cli("--json", "--input-shape", "1,35,12").stdout)
    validate(document)
    assert document["diagnosis"]["fixes"] == [
        {
            "change": "--input-size 12: build the module for the input's features (its last dim)",
            "options": {"input_size": 12},
            "verified": True,
            "rank": 1,
            "kind": "module",
            "code": None,
            "why": "build the module for the input's features (its last dim)",
        }
    ]
    assert cli("--input-shape", "1,35,10").exit_code == 0


@pytest.mark.parametrize(
    ("args", "status", "fragment"),
    [
        pytest.param(
            ["--module", "lstmcell", "--hx-form", "tensor", "--input-shape", "4,10"],
            1,
            "must be tuple of Tensors, not Tensor",
            id="hx-form",
        ),
        pytest.param(
            ["--input-dtype", "int64", "--input-shape", "4,35"], 1, "nn.Embedding", id="input-dtype"
        ),
        pytest.param(
            ["--seq-first", "--input-size", "125", "--input-shape", "64,150,125"],
            0,
            "torch accepts, but reads your input [64, 150, 125] as (seq=64, batch=150, feature=125)",
            id="suspect",
        ),
    ],
)
def test_the_new_options_on_the_command_line(cli: Cli, args: list[str], status: int, fragment: str) -> None:
    result = cli(*args, env={"COLUMNS": "200"})
    assert result.exit_code == status, result.output
    assert fragment in result.stdout
    validate(json.loads(cli("--json", *args).stdout))


@pytest.mark.parametrize(
    ("options", "option"),
    [
        pytest.param({"hx_form": "tensor"}, "hx_form", id="hx-form-on-gru"),
        pytest.param({"module": "lstm", "hx_form": "list"}, "hx_form", id="hx-form-value"),
        pytest.param({"input_dtype": "int8"}, "input_dtype", id="input-dtype-value"),
        pytest.param(
            {"module": "lstm", "hx_form": "tensor", "c0_shape": "1,1,32"}, "c0_shape", id="h-alone-and-c0"
        ),
        pytest.param({"input_shape": "1,35,10", "unbatched": True}, "unbatched", id="shape-and-unbatched"),
    ],
)
def test_the_new_options_are_refused_by_name(options: dict[str, Any], option: str) -> None:
    from gru_shapes.errors import OptionError

    with pytest.raises(OptionError) as raised:
        make_spec(**options)
    assert raised.value.option == option


@pytest.mark.parametrize(
    ("options", "largest_layers", "largest_hidden", "real_trials"),
    [
        pytest.param(
            {"input_size": 4, "hidden_size": 5, "layers": 2, "batch_first": False}
            | {"input_shape": "10,3,4", "h0_shape": "20000,3,5"},
            8,
            5,
            None,
            id="h0-of-20000-layers",
        ),
        pytest.param({"h0_shape": "2000,1,32"}, 4, 32, None, id="h0-of-2000-layers"),
        pytest.param({"h0_shape": "1,1,100000"}, 1, 32, None, id="h0-of-100000-features"),
        pytest.param({"h0_shape": "1,1,250000000", "max_memory": "10MiB"}, 1, 32, 0, id="h0-over-the-budget"),
        pytest.param(
            {"input_shape": "1,1,2000000", "max_memory": "10MiB"}, 1, 32, 1, id="input-over-the-budget"
        ),
    ],
)
def test_candidates_are_screened_and_guarded_before_they_are_built(
    options: dict[str, Any], largest_layers: int, largest_hidden: int, real_trials: int | None
) -> None:
    from gru_shapes.diagnose import diagnose, reading
    from gru_shapes.run.trial import attempt

    built: list[tuple[int, int, bool]] = []

    def spy(spec: Any, shapes: Any, code: str = "", meta: bool = False) -> str | None:
        built.append((spec.config.num_layers, spec.config.hidden_size, meta))
        return attempt(spec, shapes, code, meta)

    spec = make_spec(**options)
    budget = spec.max_memory or 2**30
    diagnose(spec, reading(spec), spy, budget)
    real = [(layers, hidden) for layers, hidden, meta in built if not meta]
    assert max(layers for layers, _hidden, _meta in built) <= largest_layers
    assert all(hidden <= largest_hidden for _layers, hidden in real)
    if real_trials is not None:
        assert len(real) == real_trials


def test_a_stated_batch_read_as_time_ends_on_a_warning_and_the_batch_first_fix(cli: Cli) -> None:
    # torch accepts (exit 0) but reads 64 sequences of 150 steps as 64 steps of 150: say so last too.
    result = cli(
        "--module", "lstm", "--seq-first", "--input-size", "125",
        "--batch-size", "64", "--seq-len", "150", "--input-shape", "64,150,125",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1. --batch-first" in result.stdout
    last = result.stdout.strip().splitlines()[-2:]
    assert " ".join(last).startswith("! torch runs the shapes given but reads the input otherwise than meant")


@settings(max_examples=150)
@given(given_shapes(), st.sampled_from(DTYPES))
def test_every_refusal_gets_a_verified_fix_or_says_why_none_exists(
    case: tuple[dict[str, Any], Any], dtype: str
) -> None:
    # An RNNCell of input_size 40 given a 1-D input of 35 once got neither a fix nor a word.
    options, shapes = case
    diagnosis = diagnosis_of(**options, **as_options(shapes), dtype=dtype)
    if diagnosis.compatible:
        return
    said = [note for note in diagnosis.notes if note.startswith("No fix: ")]
    assert diagnosis.fixes or diagnosis.unbuilt or not diagnosis.allocated or said, diagnosis
    assert not (diagnosis.fixes and said)
    if said and 0 not in diagnosis.fed["input"]:
        assert "changes tried" in said[0]


@pytest.mark.parametrize(
    ("options", "first"),
    [
        ({"module": "rnncell", "input_size": 40, "input_shape": "35"}, "--input-size 35"),
        ({"module": "gru", "input_shape": "12"}, "x = x.unsqueeze(0) with --input-size 12"),
        ({"module": "grucell", "input_shape": "2,4,3,10"}, "x = x.reshape(24, 10)"),
    ],
    ids=["rnncell-1d", "gru-1d-other-features", "cell-fed-4d"],
)
def test_shapes_that_used_to_get_no_fix(options: dict[str, Any], first: str) -> None:
    diagnosis = diagnosis_of(**options)
    assert diagnosis.fixes and diagnosis.fixes[0].change.split(": ")[0] == first, diagnosis.fixes
