"""English and Korean: one catalogue, complete, compiled, and tables that stay aligned."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from gru_shapes.i18n import default_lang
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.render import render
from gru_shapes.show.sections import names
from tests.conftest import Cli

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import catalogue  # noqa: E402  (the maintenance script is the single definition of extraction)

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def test_every_message_has_its_korean_with_the_same_placeholders() -> None:
    used = {message.id for message in catalogue.extract() if message.id}
    translated = {message.id: message.string for message in catalogue.read() if message.id}
    assert len(used) > 150
    assert sorted(used - set(translated)) == [], "run: python scripts/catalogue.py update"
    assert sorted(set(translated) - used) == [], "strings no longer used: python scripts/catalogue.py update"
    for english, korean in translated.items():
        assert korean and korean != "", english
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(korean)), english


def test_the_compiled_catalogue_is_the_current_one() -> None:
    assert catalogue.MO.read_bytes() == catalogue.compiled(catalogue.read()), (
        "run: python scripts/catalogue.py compile"
    )


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LC_MESSAGES": "ko_KR", "LANG": "en_US"}, "ko"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "ko"}, "ko"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_follows_the_locale(environ: dict[str, str], lang: str) -> None:
    assert default_lang(environ) == lang


def lines_of_tables(text: str) -> list[list[str]]:
    """Each table of the output as its lines, from its header row (ruled with ┃) to its last row
    (ruled with │); each panel from its top border to its bottom border."""
    tables: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if current is None and (line.startswith("╭") or "┃" in line):
            current = [line]
        elif current is not None and (line.startswith(("│", "╰")) or set(line) & set("┃━│")):
            current.append(line)
            if line.startswith("╰"):
                tables.append(current)
                current = None
        elif current is not None:
            tables.append(current)
            current = None
    if current is not None:
        tables.append(current)
    return tables


KOREAN_CASES = [
    {"layers": 2, "bidirectional": True},
    {"module": "LSTM", "proj_size": 8, "lengths": "35,20,7", "bidirectional": True},
    {"module": "GRUCell", "batch_size": 3},
    {"input_shape": "35,4,10", "h0_shape": "1,4,32"},
    {"seq_len": 10**6, "hidden_size": 4096, "dry_run": True},
]


@pytest.mark.parametrize("width", [72, 100, 140])
@pytest.mark.parametrize("options", KOREAN_CASES, ids=lambda o: ",".join(o))
def test_korean_tables_keep_their_columns_aligned(options: dict[str, Any], width: int) -> None:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    # The diagram's boxes are not table rows: test_diagram checks that they line up in Korean.
    shown = [name for name in names() if name != "diagram"]
    console.print(render(report_for(make_spec(lang="ko", **options)), show=shown))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "차원" in text and "의미" in text
    tables = lines_of_tables(text)
    assert len(tables) >= 3
    for table in tables:
        assert max(cell_len(line) for line in table) <= width
        if table[0].startswith("╭"):
            assert len({cell_len(line) for line in table}) == 1, table  # a panel: its sides stay straight
            continue
        # The rules of the header, its underline and every body row stand at the same columns.
        rule = next(line for line in table if "╇" in line)
        joints = {cell_len(rule[:i]) for i, c in enumerate(rule) if c == "╇"}
        assert {cell_len(table[0][:i]) for i, c in enumerate(table[0]) if c == "┃"} == joints, table
        for line in table:
            if "│" in line:
                assert {cell_len(line[:i]) for i, c in enumerate(line) if c == "│"} == joints, line


def test_lang_ko_explains_everything_in_korean_but_keeps_json_keys_english(cli: Cli) -> None:
    report = cli.json("--layers", "2", "--bidirectional", "--lang", "ko")
    assert report["lang"] == "ko"
    h_n = report["tensors"]["h_n"]
    assert [d["name"] for d in h_n["dims"]] == ["layer_direction", "batch", "hidden"]
    assert h_n["dims"][0]["meaning"] == "층 우선: i = 층 × 2 + 방향"
    assert report["checks"][0]["name"] == "output의 shape가 예측과 같음"
    assert report["h_n_index"][1]["direction"] == "backward"


def test_the_locale_alone_gives_korean_and_lc_all_overrides_it() -> None:
    def run(**environ: str) -> str:
        env = {**os.environ, **environ}
        result = subprocess.run(
            [sys.executable, "-m", "gru_shapes", "--dry-run", "--layers", "2", "--bidirectional"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "드라이 런" in run(LANG="ko_KR.UTF-8")
    assert "Dry run" in run(LANG="ko_KR.UTF-8", LC_ALL="C")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layers", "0"], "gru-shapes: 오류: --layers는 1 이상의 정수여야 합니다. 받은 값: 0"),
        (["--module", "grucell", "--layers", "2"], "--layers는 nn.GRUCell에 쓸 수 없습니다"),
        (["--max-memory", "1KiB"], "예산 1.0 KiB(--max-memory)을 넘습니다"),
    ],
)
def test_korean_refusals(cli: Cli, args: list[str], message: str) -> None:
    result = cli("--lang", "ko", *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_a_bad_language_is_refused(cli: Cli) -> None:
    result = cli("--lang", "fr")
    assert result.exit_code == 2
    assert "--lang must be en or ko, got 'fr'" in result.stderr


def test_batch_lines_choose_their_language(cli: Cli) -> None:
    from gru_shapes.cli import app

    lines = '{"lang": "ko", "layers": 0}\n{"lang": "ko", "dry_run": true}\n{"layers": 0}\n'
    result = cli.runner.invoke(app, ["batch"], input=lines)
    korean_error, korean_report, english_error = (json.loads(line) for line in result.stdout.splitlines())
    assert korean_error["error"]["message"].startswith("--layers는")
    assert korean_report["tensors"]["input"]["dims"][1]["meaning"] == "스텝 수, 순서대로 읽음"
    assert english_error["error"]["message"].startswith("--layers must be")
