"""``gru-shapes trace`` as a gate and as a guard: --strict, --timeout, a JSON document whatever the
forward did, and one line (status 1) for a model that calls exit(), raises an exception whose message
cannot be shown, or never returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.test_trace import check_schema

CASES = "tests/real_models"


@pytest.mark.parametrize(
    ("twin", "strict", "status"),
    [("buggy", False, 0), ("buggy", True, 1), ("fixed", True, 0)],
    ids=["pitfall", "pitfall-strict", "clean-strict"],
)
def test_strict_fails_on_a_pitfall(cli: Cli, twin: str, strict: bool, status: int) -> None:
    # https://github.com/graykode/nlp-tutorial/issues/38: a view that mixes sequences.
    options = ["--strict"] if strict else []
    result = cli("trace", f"{CASES}/mc_bilstm_attention.py:{twin}", *options, env={"COLUMNS": "100"})
    assert result.exit_code == status, result.output
    assert "verdict:" in result.stdout


def test_a_forward_that_never_returns_is_stopped_where_it_is(cli: Cli) -> None:
    result = cli("trace", f"{CASES}/ho_never_returns.py:buggy", "--timeout", "1")
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    line = result.stderr
    assert "--timeout 1 seconds" in line and "ho_never_returns.py:" in line and "recurrent call(s)" in line
    bounded = cli("trace", f"{CASES}/ho_never_returns.py:fixed", "--timeout", "1")
    assert bounded.exit_code == 0, bounded.output


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("ho_exit_in_forward", ("called exit()", "SystemExit", "ho_exit_in_forward.py:")),
        ("ho_str_raises", ("ShapeError", "cannot be shown", "AttributeError", "ho_str_raises.py:")),
    ],
)
def test_a_hostile_model_ends_on_one_line_and_status_1(cli: Cli, case: str, words: tuple[str, ...]) -> None:
    result = cli("trace", f"{CASES}/{case}.py:buggy")
    assert result.exit_code == 1, result.output
    own = [line for line in result.stderr.splitlines() if line.startswith("gru-shapes: error: ")]
    assert len(own) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(word in own[0] for word in words), own[0]


def test_json_says_the_forward_failed_even_before_any_recurrent_call(cli: Cli) -> None:
    # https://github.com/pytorch/text/issues/235: an id beyond the embedding, before the GRU.
    result = cli("trace", f"{CASES}/fb_embedding_oov.py:buggy", "--json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    check_schema(document)
    assert document["calls"] == [] and document["verdict"]["status"] == "failed"
    assert document["error"]["type"] == "IndexError" and "Embedding(24, 6" in document["error"]["consumer"]
    table = cli("trace", f"{CASES}/fb_embedding_oov.py:buggy", env={"COLUMNS": "100"})
    assert table.exit_code == 1 and "the model raised before any recurrent call" in table.stdout


def test_help_documents_strict_and_the_timeout_s_default(cli: Cli) -> None:
    result = cli("trace", "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--strict" in result.stdout and "--timeout" in result.stdout and "120" in result.stdout


def test_a_model_raising_a_base_exception_of_its_own_ends_on_one_line(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "odd.py"
    source.write_text(
        "import torch\n"
        "from torch import nn\n"
        "class Stop(BaseException):\n"
        "    pass\n"
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.rnn = nn.GRU(3, 4)\n"
        "    def forward(self, x):\n"
        "        self.rnn(x)\n"
        "        raise Stop()\n"
        "def build():\n"
        "    return M(), (torch.zeros(5, 2, 3),)\n"
    )
    result = cli("trace", f"{source}:build")
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and "Stop, which is not an Exception" in result.stderr
