"""--help: short, at the terminal's width, in the language asked for, with every default."""

from __future__ import annotations

import itertools

import pytest
from rich.cells import cell_len

from gru_shapes.cli import _help_values, app
from gru_shapes.i18n import _, language
from tests.conftest import Cli


def help_texts(lang: str) -> list[str]:
    """Every text --help shows for the main command, in ``lang``."""
    import typer.main

    command = typer.main.get_command(app)
    values = _help_values()
    with language(lang):
        texts = [_(command.help or "").format(**values)]
        shown = [p for p in command.params if getattr(p, "help", None) and p.name != "show_completion"]
        texts += [_(p.help or "").format(**values) for p in shown]
    return texts


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_help_keeps_every_word_whole_and_fits(cli: Cli, lang: str, width: int) -> None:
    result = cli("--lang", lang, "--help", env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    assert "…" not in result.stdout
    for text in help_texts(lang):
        for word in text.split():
            assert any(word in line for line in lines), (word, result.stdout)
    assert all(line == line.rstrip() for line in lines)


def test_help_is_one_screen_and_ends_with_the_examples(cli: Cli) -> None:
    text = cli("--help", env={"COLUMNS": "80"}).stdout
    lines = text.splitlines()
    assert len(lines) <= 62  # 60, and --encoder-bidirectional
    assert lines[-1].strip().startswith("gru-shapes --json")
    examples = lines.index("Examples:")
    assert all(line.startswith("  gru-shapes") for line in lines[examples + 1 :])
    for option, default in [("--proj-size", "[0]"), ("--nonlinearity", "[tanh]"), ("--layers", "[1]")]:
        start = next(i for i, line in enumerate(lines) if line.startswith(f"  {option} "))
        rows = [lines[start], *itertools.takewhile(lambda line: line.startswith("    "), lines[start + 1 :])]
        assert " ".join(rows).endswith(default), rows


def test_lang_ko_help_is_korean(cli: Cli) -> None:
    text = cli("--lang", "ko", "--help", env={"COLUMNS": "100", "LANG": "C"}).stdout
    assert "사용법:" in text and "예시:" in text and "대괄호 안은 기본값" in text
    assert "Usage:" not in text and "Examples:" not in text


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_parsing_errors_never_mix_two_languages_in_a_line(cli: Cli, lang: str) -> None:
    result = cli("--lang", lang, "--layers", "x")
    assert result.exit_code == 2
    assert result.stderr.strip() == "gru-shapes: error: Invalid value for '--layers': 'x' is not a valid int."


@pytest.mark.parametrize("command", ["batch", "trace"])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_subcommand_help_is_drawn_as_the_main_help_in_the_language_asked(
    cli: Cli, command: str, lang: str
) -> None:
    # Typer's own boxes padded every line with spaces, and batch --help stayed English under --lang ko.
    result = cli("--lang", lang, command, "--help", env={"COLUMNS": "80", "LANG": "C"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(line == line.rstrip() for line in lines)
    assert not any(character in result.stdout for character in "╭╮╰╯│")
    assert max(cell_len(line) for line in lines) <= 80
    usage, heading = (
        ("사용법:", "옵션 (대괄호 안은 기본값):")
        if lang == "ko"
        else ("Usage:", "Options (default in brackets):")
    )
    assert lines[0].startswith(f"{usage} gru-shapes {command} [OPTIONS]") and heading in lines
    if lang == "ko":
        assert "Show this message" not in result.stdout and "Answer JSON Lines" not in result.stdout
    if command == "trace":
        assert lines[0].endswith("TARGET")
