"""Asking for the ONNX export through every door: the command line's formats and languages, batch lines
and the Python API; each says the same thing and refuses the same things in one line."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import rich
from rich.console import Console

from gru_shapes import OptionError, explain
from gru_shapes.batch import run_batch
from gru_shapes.model.onnx_plan import exporting
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from tests.conftest import Cli

SMALL = ["--hidden-size", "4", "--seq-len", "5"]


def test_show_onnx_draws_the_section_after_the_answer(cli: Cli) -> None:
    result = cli("--show", "onnx", "--layers", "2", "--bidirectional", *SMALL, env={"COLUMNS": "120"})
    assert result.exit_code == 0 and result.stderr == "", result.output
    text = result.stdout
    for fragment in [
        "ONNX export, read back from the file: torch.onnx.export (TorchScript exporter, dynamo=False)",
        "ONNX ops in the file, one per torch layer",
        "[2, 12, 10]",
        "gate order: torch r|z|n, ONNX z|r|h",
        "weight_ih_l0[4:8] (z)",
        "linear_before_reset=1",
        "✓ onnxruntime",
        "the static-batch pitfall",
        "Got invalid dimensions for input: input",
        '"h_0": {1: "batch"},',
        "the file was made in memory; --onnx-out PATH keeps it",
    ]:
        assert fragment in text, fragment
    assert text.index("h_n (hidden_state)") < text.index("ONNX export") < text.index("✓ all 12 checks held")


def test_the_export_is_not_made_unless_asked_for_by_name(cli: Cli) -> None:
    assert "onnx" not in cli.json()
    everything = cli("--all", *SMALL, env={"COLUMNS": "120"})
    assert everything.exit_code == 0 and "ONNX" not in everything.stdout


def test_markdown_and_svg_draw_the_same_section(cli: Cli) -> None:
    markdown = cli("--format", "markdown", "--show", "onnx", *SMALL)
    assert markdown.exit_code == 0, markdown.output
    assert "| `GRU` | `X` | `[seq, batch, 10]` | input → Transpose(perm=[1, 0, 2]) |" in markdown.stdout
    assert "**gate order: torch r\\|z\\|n, ONNX z\\|r\\|h**" in markdown.stdout
    svg = cli("--format", "svg", "--show", "onnx", *SMALL)
    assert svg.exit_code == 0 and "static-batch" in svg.stdout and "onnxruntime" in svg.stdout


def test_korean_explains_the_export_in_korean(cli: Cli) -> None:
    result = cli("--lang", "ko", "--show", "onnx", "--module", "lstm", *SMALL, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    for fragment in [
        "ONNX 내보내기, 파일에서 다시 읽음",
        "게이트 순서: torch i|f|g|o, ONNX i|o|f|c",
        "고정 batch의 함정",
    ]:
        assert fragment in result.stdout, fragment
    report = cli.json("--lang", "ko", "--show", "onnx", "--layers", "2", *SMALL)
    assert report["onnx"]["ops"][1]["maps"]["X"]["torch"] == "0층의 Y"


def test_a_dry_run_draws_the_prediction(cli: Cli) -> None:
    result = cli(
        "--dry-run", "--show", "onnx", "--module", "lstm", "--proj-size", "8", env={"COLUMNS": "120"}
    )
    assert result.exit_code == 0
    assert "ONNX export, predicted: torch's exporter refuses an LSTM with proj_size" in result.stdout
    shown = cli("--dry-run", "--show", "onnx", "--layers", "6", env={"COLUMNS": "120"})
    assert "ONNX ops the exporter writes" in shown.stdout
    assert "layers 2 to 4 are left out: each is like layer 1" in shown.stdout


def test_batch_lines_ask_by_show(tmp_path: Path) -> None:
    kept = tmp_path / "line.onnx"
    lines = [
        {"show": "onnx", "hidden_size": 4},
        {"show": ["cost", "onnx"], "module": "RNN", "hidden_size": 4, "onnx_out": str(kept)},
        {"show": "cost", "hidden_size": 4},
        {"show": 5},
        {"show": "charts"},
        {"onnx_out": str(tmp_path / "no" / "x.onnx")},
    ]
    out = io.StringIO()
    assert run_batch([json.dumps(line) for line in lines], out) == 1
    answers = [json.loads(text) for text in out.getvalue().splitlines()]
    assert answers[0]["onnx"]["ops"][0]["op"] == "GRU"
    assert answers[0] == json.loads(json.dumps(report_for(exporting(make_spec(hidden_size=4))).to_dict()))
    assert answers[1]["onnx"]["path"] == str(kept) and kept.exists()
    assert "onnx" not in answers[2]
    for answer, option, says in zip(
        answers[3:],
        ["show", "show", "onnx_out"],
        ["got 5", "got 'charts'", "there is no folder"],
        strict=True,
    ):
        assert answer["error"]["option"] == option and answer["error"]["exit_code"] == 2
        assert says in answer["error"]["message"]


def test_explain_takes_show_like_the_command_line(cli: Cli) -> None:
    report = explain(hidden_size=4, show=("onnx",))
    assert report.onnx is not None and report.onnx.proof is not None
    assert json.loads(json.dumps(report.to_dict())) == cli.json("--show", "onnx", "--hidden-size", "4")
    console = Console(file=io.StringIO(), width=120)
    console.print(report)
    assert "the static-batch pitfall" in console.file.getvalue()  # type: ignore[attr-defined]


def test_explain_draws_the_sections_it_was_given(capsys: pytest.CaptureFixture[str]) -> None:
    report = explain(show="cost")
    assert report.drawn == ("index", "cost")
    rich.print(report)
    assert "cost of one forward pass" in capsys.readouterr().out
    assert report.show("checks").names == ("index", "checks", "cost")


def test_a_report_made_without_the_export_says_how_to_ask_for_it() -> None:
    with pytest.raises(OptionError) as refused:
        explain().show("onnx")
    assert refused.value.option == "show" and 'explain(..., show=("onnx",))' in str(refused.value)
    assert explain().show(everything=True).names[-1] == "onnx"  # every section: drawn if made


def test_explain_refuses_an_unknown_section_naming_its_keyword() -> None:
    with pytest.raises(OptionError) as refused:
        explain(show=("onnx", "charts"))
    assert refused.value.option == "show" and str(refused.value).startswith("show takes")


def test_the_pages_sample_is_the_tools_own(cli: Cli) -> None:
    page = (Path(__file__).parent.parent / "docs" / "onnx.md").read_text()
    sample = page.split("## What it shows", 1)[1].split("```\n", 2)[1].rstrip("\n")
    drawn = cli("--show", "onnx", env={"COLUMNS": "100"}).stdout
    section = drawn[drawn.index("ONNX export") :].split("\nparameters ", 1)[0]

    # Regenerate with: COLUMNS=100 gru-shapes --show onnx. Versions, the file's size and the differences may
    # vary, and with their lengths where lines wrap: compared word by word.
    def pinned(text: str) -> str:
        text = " ".join(text.split())
        text = re.sub(r"opset \d+, [\d,]+ bytes", "opset X, N bytes", text)
        text = re.sub(r"onnxruntime \S+ =", "onnxruntime X =", text)
        return re.sub(r"largest difference [-+.e\d]+", "largest difference D", text)

    assert pinned(sample) == pinned(section)
