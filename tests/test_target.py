"""gru-shapes trace TARGET on the command line: formats, languages, and one-line refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.test_trace import check_schema

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_json_is_one_document_matching_the_schema(cli: Cli) -> None:
    result = cli("trace", str(EXAMPLES / "classifier.py") + ":build", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    check_schema(document)
    assert document["kind"] == "trace" and document["error"] is None
    (call,) = document["calls"]
    assert call["name"] == "rnn" and call["report"]["tensors"]["h_n"]["shape"] == [4, 4, 32]


def test_tables_show_the_calls_and_the_error_of_the_buggy_model(cli: Cli) -> None:
    result = cli("trace", str(EXAMPLES / "buggy.py") + ":build", env={"COLUMNS": "250"})
    assert result.exit_code == 1, result.output
    for fragment in [
        "lstm · call 1 of 1",
        "fc expects 32 features",
        "mat1 and mat2 shapes cannot be multiplied",
    ]:
        assert fragment in result.stdout, fragment


def test_markdown_and_korean(cli: Cli) -> None:
    result = cli("trace", str(EXAMPLES / "seq2seq.py") + ":build", "--format", "markdown", "--lang", "ko")
    assert result.exit_code == 0, result.output
    assert "> **gru-shapes trace: Seq2Seq**" in result.stdout
    assert "4번 중 1–3번째 호출" in result.stdout


def test_show_report_adds_the_standalone_tables(cli: Cli) -> None:
    short = cli("trace", str(EXAMPLES / "classifier.py") + ":build")
    full = cli("trace", str(EXAMPLES / "classifier.py") + ":build", "--show", "calls,report")
    assert short.exit_code == 0 and full.exit_code == 0, full.output
    assert "h_n index map" in full.stdout and "h_n index map" not in short.stdout


def test_a_model_name_takes_random_inputs(cli: Cli) -> None:
    result = cli("trace", str(EXAMPLES / "buggy.py") + ":model", "--input-shape", "2,5,8", "--json")
    assert result.exit_code == 1, result.output  # the deliberate bug
    document = json.loads(result.stdout)
    assert document["calls"][0]["input"]["shape"] == [2, 5, 8]
    assert document["error"]["expression"] == "torch.cat((h_n[-2], h_n[-1]), dim=1)"


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["nothing"], 2, "TARGET must be path/to/file.py:NAME or package.module:NAME"),
        (["missing.py:build"], 2, "no such file: missing.py"),
        (["no_such_package_here:build"], 2, "cannot load no_such_package_here: ModuleNotFoundError"),
        ([f"{EXAMPLES / 'classifier.py'}:absent"], 2, "has no absent"),
        ([f"{EXAMPLES / 'classifier.py'}:Classifier"], 2, "Classifier() must return (model, args)"),
        (
            [f"{EXAMPLES / 'buggy.py'}:model"],
            2,
            "model is a model: give its input with --input-shape, e.g. 4,12,8",
        ),
        ([f"{EXAMPLES / 'buggy.py'}:build", "--timeout", "-1"], 2, "--timeout must be 0 or more seconds"),
        (
            [f"{EXAMPLES / 'buggy.py'}:model", "--input-shape", "2,5,8", "--input-dtype", "int8"],
            2,
            "--input-dtype",
        ),
        (
            [f"{EXAMPLES / 'buggy.py'}:build", "--show", "nope"],
            2,
            "--show takes sections among calls, report",
        ),
        (["json:dumps"], 2, "calling dumps() raised TypeError"),
        (["os:getcwd"], 2, "getcwd() must return (model, args) or (model, args, kwargs), got str"),
    ],
    ids=lambda v: " ".join(Path(a).name if "/" in a else a for a in v) if isinstance(v, list) else str(v),
)
def test_refusals_are_one_line(cli: Cli, args: list[str], status: int, message: str) -> None:
    result = cli("trace", *args)
    assert result.exit_code == status, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("gru-shapes: error: "), result.stderr
    assert message in result.stderr


def test_a_recurrent_call_torch_refuses_is_shown_with_its_diagnosis(cli: Cli) -> None:
    result = cli("trace", f"{EXAMPLES / 'buggy.py'}:model", "--input-shape", "2,5,3", env={"COLUMNS": "250"})
    assert result.exit_code == 1, result.output
    assert "nothing: the call raised" in result.stdout
    assert "input.size(-1) must be equal to input_size. Expected 8, got 3" in result.stdout
    # The standalone checks ran at the shapes the module expects: not shown as if this call held them.
    assert "checks held" not in result.stdout and "torch refused these shapes" in result.stdout
    assert (
        "fix: lstm = nn.LSTM(input_size=3, hidden_size=32, batch_first=True, bidirectional=True)"
        in result.stdout
    )
    assert "verdict: the forward pass failed in lstm" in result.stdout


def test_the_installed_command_does_not_need_torch_for_help() -> None:
    code = "import sys, gru_shapes.cli; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "gru_shapes", "trace", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "--input-shape" in result.stdout


def test_the_docs_show_what_the_trace_of_the_buggy_example_prints(cli: Cli) -> None:
    page = (EXAMPLES.parent / "docs" / "trace.md").read_text()
    after = page.split("The shape bug of `examples/buggy.py`", 1)[1]
    shown = after.split("```\n", 2)[1]
    result = cli("trace", "examples/buggy.py:build", env={"COLUMNS": "100"})
    assert result.exit_code == 1, result.output
    assert result.stdout == shown
    # The README quotes the verdict alone: its lines, as printed.
    readme = (EXAMPLES.parent / "README.md").read_text()
    quoted = readme.split("gru-shapes trace examples/buggy.py:build", 1)[1].split("```\n", 3)[2]
    assert quoted.startswith("verdict: ") and quoted in result.stdout


def test_what_the_model_prints_goes_to_stderr_and_json_stays_alone(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "noisy.py"
    source.write_text(
        textwrap.dedent(
            """
            import sys
            import torch
            from torch import nn

            print("loading")


            class M(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.rnn = nn.GRU(3, 4)

                def forward(self, x):
                    print("in forward")
                    return self.rnn(x)[1][-1]


            def build():
                return M(), (torch.zeros(5, 2, 3),)


            def leaves():
                sys.exit(3)
            """
        )
    )
    result = cli("trace", f"{source}:build", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["calls"][0]["returned"]["h_n"] == [1, 2, 4]
    assert "loading" in result.stderr and "in forward" in result.stderr
    left = cli("trace", f"{source}:leaves")
    assert left.exit_code == 2 and "calling leaves() raised SystemExit: 3" in left.stderr


def test_lang_given_before_trace_reaches_it(cli: Cli) -> None:
    before = cli("--lang", "ko", "trace", "examples/classifier.py:build", "--json")
    after = cli("trace", "examples/classifier.py:build", "--lang", "ko", "--json")
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout)["lang"] == json.loads(after.stdout)["lang"] == "ko"
