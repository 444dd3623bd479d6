"""Output formats and terminal manners: Markdown, SVG, colour only for terminals, fitting the width."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from gru_shapes.cli import _draw
from gru_shapes.i18n import language
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.layout import Note, Panel, Table
from gru_shapes.show.render import text
from gru_shapes.show.sections import names, sections
from tests.conftest import Cli

ROOT = Path(__file__).parent.parent
ANSI = "\x1b["


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Each pipe table as its rows of cells (escaped pipes stay inside their cell)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            if current is None:
                current = []
                tables.append(current)
            current.append(cells)
        else:
            current = None
    return tables


@pytest.mark.parametrize(
    "args",
    [
        ["--layers", "2", "--bidirectional"],
        ["--module", "lstm", "--proj-size", "4", "--lengths", "5,2"],
        ["--input-shape", "1,35,12", "--lang", "ko"],
    ],
    ids=" ".join,
)
def test_markdown_pastes_as_well_formed_tables(cli: Cli, args: list[str]) -> None:
    result = cli("--format", "markdown", "--all", *args)
    assert result.exit_code in (0, 1), result.output
    text = result.stdout
    assert ANSI not in text
    tables = markdown_tables(text)
    assert len(tables) >= 5
    for table in tables:
        header, rule, *rows = table
        assert all(re.fullmatch(r"-{3,}:?", cell) for cell in rule), rule
        assert all(len(row) == len(header) for row in [rule, *rows]), table
    assert text.startswith("> **gru-shapes**")
    # Gate layouts hold pipes: escaped so that they do not split the cell.
    assert re.search(r"gates (r\\\|z\\\|n|i\\\|f\\\|g\\\|o)", text) or "--input-shape" in " ".join(args)


def test_svg_is_an_image_of_the_tables(cli: Cli) -> None:
    result = cli("--format", "svg", "--layers", "2", "--bidirectional")
    assert result.exit_code == 0
    root = ElementTree.fromstring(result.stdout)
    assert root.tag.endswith("svg")
    text = "".join(root.itertext()).replace("\xa0", " ")
    assert "nn.GRU(input_size=10," in text and "[4, 1, 32]" in text


def test_json_is_the_shorthand_of_format_json(cli: Cli) -> None:
    shorthand = json.loads(cli("--json", "--layers", "2").stdout)
    spelled = json.loads(cli("--format", "json", "--layers", "2").stdout)
    assert shorthand == spelled


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "--format must be one of table, json, markdown, svg, html, got 'pdf'"),
        (["--json", "--format", "markdown"], "--json is short for --format json and cannot be combined"),
    ],
)
def test_format_refusals(cli: Cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""


class _Terminal:
    """Stands in for stdout attached to a terminal."""

    def isatty(self) -> bool:
        return True


def test_colour_only_for_a_terminal_and_never_under_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    report = report_for(make_spec())
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ANSI in _draw(report, "table")
    monkeypatch.setenv("NO_COLOR", "1")
    assert ANSI not in _draw(report, "table")


def test_piped_output_has_no_escape_codes() -> None:
    result = subprocess.run([sys.executable, "-m", "gru_shapes"], capture_output=True, text=True)
    assert result.returncode == 0 and ANSI not in result.stdout


@pytest.mark.parametrize("columns", [60, 80, 160])
@pytest.mark.parametrize(
    "options", [{"layers": 2, "bidirectional": True}, {"module": "LSTM", "proj_size": 8, "lengths": "9,4"}]
)
def test_tables_fit_the_width_and_never_cut_a_number(cli: Cli, columns: int, options: dict[str, Any]) -> None:
    args = [word for name, value in options.items() for word in (f"--{name.replace('_', '-')}", str(value))]
    args = [a for a in args if a != "True"]
    result = cli("--all", *args, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= columns
    assert "…" not in result.stdout  # rich marks a cut cell with an ellipsis
    # Every size of every tensor appears whole in its row.
    for tensor in report_for(make_spec(**options)).tensors:
        for dim in tensor.dims:
            assert re.search(rf"│\s+{dim.size}\s+│", result.stdout), (tensor.key, dim)


def test_help_shows_examples(cli: Cli) -> None:
    text = cli("--help", env={"COLUMNS": "120"}).stdout
    assert "Examples:" in text
    assert "gru-shapes --input-shape 1,35,12" in text
    assert "--format" in text and "--lang" in text


def test_the_screenshot_script_draws_the_readme_image(tmp_path: Path) -> None:
    target = tmp_path / "screenshot.svg"
    subprocess.run([sys.executable, "scripts/screenshot.py", str(target)], cwd=ROOT, check=True)
    for image in (target, ROOT / "docs" / "screenshot.svg"):
        root = ElementTree.fromstring(image.read_text())
        text = "".join(root.itertext()).replace("\xa0", " ")
        assert "gru-shapes --layers 2 --bidirectional" in text
        assert "h_n (hidden_state)" in text and "[4, 1, 32]" in text
        assert "✓ all 8 checks held" in text
        # Right offline: no web font to fetch.
        assert "@font-face" not in image.read_text() and "cdnjs" not in image.read_text()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_svg_text_run_is_as_wide_as_its_cells(cli: Cli, lang: str) -> None:
    result = cli("--format", "svg", "--layers", "2", "--bidirectional", "--all", "--lang", lang)
    assert result.exit_code == 0, result.output
    root = ElementTree.fromstring(result.stdout)
    runs = [e for e in root.iter() if e.tag.endswith("text") and e.get("textLength")]
    assert len(runs) > 50
    widths = {float(e.get("textLength", 0)) / cell_len(e.text or "") for e in runs if (e.text or "").strip()}
    assert max(widths) - min(widths) < 0.01, widths  # one cell width for every run, Korean ones too
    assert "차원" in result.stdout if lang == "ko" else "dim" in result.stdout
    assert "@font-face" not in result.stdout and "https://" not in result.stdout.split("<style")[1]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "options",
    [
        {"layers": 2, "bidirectional": True},
        {"module": "LSTM", "proj_size": 8, "layers": 2, "lengths": "35,20,7", "bidirectional": True},
        {"module": "GRUCell", "batch_size": 3},
        {"module": "RNN", "nonlinearity": "relu", "unbatched": True},
        {"input_shape": "35,4,10", "h0_shape": "1,4,32"},
        {"seq_len": 10**6, "hidden_size": 4096, "dry_run": True},
    ],
    ids=lambda o: ",".join(o),
)
def test_no_word_is_broken_at_60_columns(options: dict[str, Any], lang: str) -> None:
    report = report_for(make_spec(lang=lang, **options))
    drawn = text(report, 60, styled=False, show=names())
    lines = drawn.splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    with language(lang):
        parts = sections(report, names())
    for part in parts:
        texts = [part.text] if isinstance(part, Note) else []
        if isinstance(part, Table):
            texts = [
                part.title,
                part.caption,
                *(c.header for c in part.columns),
                *(c for r in part.rows for c in r),
            ]
        if isinstance(part, Panel):
            texts = [part.title, *(line.label + line.text for line in part.lines)]
        for word in {w for t in texts for w in t.split()}:
            assert any(word in line for line in lines), (word, drawn)


def test_markdown_follows_the_selection(cli: Cli) -> None:
    default = cli("--format", "markdown", "--layers", "2").stdout
    more = cli("--format", "markdown", "--layers", "2", "--show", "parameters").stdout
    assert "weight_ih_l0" not in default and "weight_ih_l0" in more
    assert "h_n (hidden_state)" in default and default.rstrip().endswith("(--show checks)")


def test_korean_in_notebook_html_takes_two_columns_a_syllable() -> None:
    # What a notebook shows of a renderable drawn by rich (a trace); a report is the page instead.
    from gru_shapes.show.notebook import html_of
    from gru_shapes.show.render import render

    page = html_of(render(report_for(make_spec(lang="ko", layers=2, bidirectional=True))))
    text = re.sub(r"<[^>]*>", "", page)
    assert "차원" in text
    # Every Korean syllable sits in a box two columns wide, whatever font the browser has.
    syllables = re.findall(r"[\uac00-\ud7a3]", text)
    boxed = re.findall(r'<span style="display:inline-block;width:2ch">[\uac00-\ud7a3]</span>', page)
    assert len(boxed) == len(syllables) > 20


@pytest.mark.parametrize(
    "args",
    [
        ["--layers", "2", "--bidirectional"],
        ["--all", "--layers", "2", "--bidirectional"],
        ["--all", "--module", "lstm", "--proj-size", "4", "--lengths", "5,2", "--lang", "ko"],
        ["--all", "--input-shape", "1,35,12", "--h0-shape", "2,1,32"],
    ],
    ids=" ".join,
)
def test_markdown_has_no_trailing_spaces_and_renders_its_line_breaks(
    cli: Cli, args: list[str], tmp_path: Path
) -> None:
    # Panels ended each line in two spaces (3 lines by default, more with --all): a linter's
    # trailing-space rule failed, and editors strip them, joining the lines.
    from markdown_it import MarkdownIt
    from pymarkdown.api import PyMarkdownApi

    text = cli("--format", "markdown", *args).stdout
    assert [line for line in text.splitlines() if line != line.rstrip()] == []
    path = tmp_path / "report.md"
    path.write_text(text)
    scan = PyMarkdownApi().set_boolean_property("plugins.md009.strict", True).scan_path(str(path))
    assert [f for f in scan.scan_failures if f.rule_id == "MD009"] == []
    # A backslash hard break renders as the two trailing spaces did, in CommonMark (GitHub's Markdown).
    with_spaces = re.sub(r"\\\n(?=> )", "  \n", text)
    assert with_spaces != text
    render = MarkdownIt("commonmark").render
    assert render(text) == render(with_spaces)
    assert "<br />" in render(text)


_BORDERS = re.compile(r"[│┃╭╮╰╯─━╇┏┓┗┛]")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"layers": 2, "bidirectional": True},
        {"module": "LSTM", "proj_size": 8, "layers": 2, "bidirectional": True},
        {"lengths": "35,20,7", "bidirectional": True, "batch_first": False},
        {"module": "GRUCell", "batch_size": 3},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default",
)
def test_at_60_columns_no_formula_or_phrase_is_broken(options: dict[str, Any], lang: str) -> None:
    # "D × num_layers" / "= 1 × 1", "hidden_size =" / "32", "2 × proj_size" / "= 16 features" and
    # "time steps, read" / "in order" were broken at 60 columns.
    report = report_for(make_spec(lang=lang, **options))
    lines = [_BORDERS.sub(" ", line) for line in text(report, 60, styled=False, show=names()).splitlines()]
    cells = [part.strip() for line in lines for part in re.split(r"\s{2,}", line) if part.strip()]
    for cell in cells:  # a formula too wide for its column breaks after "=" or "×", never before
        assert not re.match(r"^(=|×)\s", cell), cell
    for tensor in report.tensors:
        for dim in tensor.dims:  # and one that fits a column of the table at this width stays whole
            assert len(dim.formula) > 24 or any(dim.formula in line for line in lines), dim.formula
    if lang == "en":
        assert not any(cell.endswith("time steps, read") for cell in cells)


def test_the_header_shows_the_state_a_packed_call_is_given(cli: Cli) -> None:
    # gru(packed) was shown whatever states were given.
    result = cli("--module", "lstm", "--lengths", "5,3", "--h0-shape", "1,2,32", env={"COLUMNS": "120"})
    assert "packed_output, (h_n, c_n) = lstm(packed, (h_0, c_0))" in result.stdout
    gru = cli("--lengths", "5,3", "--input-shape", "2,5,10", "--h0-shape", "1,2,32", env={"COLUMNS": "120"})
    assert "packed_output, h_n = gru(packed, h_0)" in gru.stdout
