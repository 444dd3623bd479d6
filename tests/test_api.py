"""The Python API: explain() returns the Report the command line renders, and it draws itself."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest
import rich
from rich.console import Console

import gru_shapes
from gru_shapes import GruShapesError, OptionError, Report, explain
from tests.conftest import Cli

SAME_QUESTIONS = [
    ({}, []),
    ({"num_layers": 2, "bidirectional": True}, ["--layers", "2", "--bidirectional"]),
    (
        {"module": "LSTM", "proj_size": 4, "lengths": [6, 2]},
        ["--module", "LSTM", "--proj-size", "4", "--lengths", "6,2"],
    ),
    (
        {"module": "GRUCell", "batch_size": 3, "lang": "ko"},
        ["--module", "GRUCell", "--batch-size", "3", "--lang", "ko"],
    ),
    ({"input_shape": "1,35,12"}, ["--input-shape", "1,35,12"]),
]


@pytest.mark.parametrize(("keywords", "args"), SAME_QUESTIONS, ids=lambda v: str(v))
def test_explain_equals_the_command_lines_json(cli: Cli, keywords: dict[str, Any], args: list[str]) -> None:
    from gru_shapes.cli import app

    result = cli.runner.invoke(app, ["--json", *args])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(json.dumps(explain(**keywords).to_dict())) == json.loads(result.stdout)


def test_the_documented_one_liner() -> None:
    code = "import gru_shapes; print(gru_shapes.explain(num_layers=2, bidirectional=True).to_dict())"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    cli = subprocess.run(
        [sys.executable, "-m", "gru_shapes", "--json", "--layers", "2", "--bidirectional"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import ast

    assert ast.literal_eval(printed) == json.loads(cli)


def test_a_report_draws_itself(capsys: pytest.CaptureFixture[str]) -> None:
    report = explain(num_layers=2, bidirectional=True)
    rich.print(report)
    text = capsys.readouterr().out
    assert "h_n index map (layer-major)" in text and "D × hidden_size = 2 × 32" in text
    html = report._repr_html_()
    assert html.startswith('<div class="gru-shapes"') and "h_n (hidden_state)" in html
    assert 'data-cell="0,1,0"' in html and 'data-slice="h_n[1]"' in html  # the page's body, linked
    assert repr(report).startswith("<Report nn.GRU: input [1, 35, 10], h_0 [4, 1, 32]")


def test_a_korean_report_draws_itself_in_korean() -> None:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(explain(lang="ko"))
    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    assert "차원" in drawn and "검사" in drawn.splitlines()[-1]


@pytest.mark.parametrize(
    ("keywords", "option"),
    [
        ({"num_layers": 0}, "num_layers"),
        ({"module": "GRUCell", "num_layers": 1}, "num_layers"),
        ({"proj_size": 2}, "proj_size"),
        ({"lang": "fr"}, "lang"),
        ({"unbatched": True, "batch_size": 2}, "batch_size"),
    ],
)
def test_errors_are_the_packages_own(keywords: dict[str, Any], option: str) -> None:
    with pytest.raises(OptionError) as raised:
        explain(**keywords)
    assert isinstance(raised.value, GruShapesError) and raised.value.option == option


def test_options_a_module_does_not_take_default_to_not_given() -> None:
    # None means "not given", so a cell is not refused for num_layers it never received.
    report = explain(module="LSTMCell")
    assert isinstance(report, Report) and report.passed
    assert report.to_dict()["config"] == {"input_size": 10, "hidden_size": 32, "bias": True}


def test_the_package_exports_a_typed_api() -> None:
    assert set(gru_shapes.__all__) >= {"explain", "Report", "GruShapesError", "OptionError", "RunFailure"}
    assert (
        gru_shapes.__file__ and __import__("pathlib").Path(gru_shapes.__file__).with_name("py.typed").exists()
    )
    assert explain.__doc__ and ">>> report = explain(" in explain.__doc__


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"num_layers": 0}, "num_layers must be a whole number of at least 1, got 0"),
        ({"module": "GRUCell", "batch_first": False}, "batch_first does not apply to nn.GRUCell"),
        ({"lengths": [3, 2], "batch_size": 2}, "batch_size cannot be combined with lengths"),
        ({"seq_len": 10**6, "hidden_size": 4096, "max_memory": "1MiB"}, "(max_memory); add dry_run=True"),
        ({"dropout": 2, "lang": "ko"}, "dropout 값은"),
    ],
    ids=["num-layers", "batch-first", "lengths", "guard", "korean"],
)
def test_errors_name_the_keywords_the_caller_used(keywords: dict[str, Any], message: str) -> None:
    with pytest.raises(GruShapesError) as raised:
        explain(**keywords)
    assert message in str(raised.value)
    assert "--" not in str(raised.value)


def test_explain_takes_the_decoder_and_the_chunks() -> None:
    report = explain(
        module="LSTM", num_layers=2, decoder_layers=1, decoder_hidden_size=16, chunks=3, lang="en"
    )
    assert report.chunks is not None and report.chunks.equal and report.chunks.lengths == (12, 12, 11)
    assert report.handoff is not None
    assert {row.decoder for row in report.handoff} == {"nn.LSTM(10, 16, num_layers=1, batch_first=True)"}
    assert [row.name for row in report.handoff if row.verified] == ["last_layers"]
    assert [row.expression for row in report.idioms] == [
        "h_n[-1]",
        "h_n.view(2, 1, -1, 32)[-1]",
        "output[:, -1]",
        "c_n[-1]",
    ]
