"""The documentation stays true: the notebook walkthrough's commands return what it shows, the sample output
in the README and on the docs pages is the tool's own, every README link into docs/ resolves, every docs page is in
the site's navigation, and the reference pages name every option, batch key and keyword the tool takes."""

from __future__ import annotations

import inspect
import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import Cli

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
NOTEBOOK = DOCS / "notebook.md"
# A shown command, then (a few lines on) the call line it printed.
RUN = re.compile(
    r"^\$ gru-shapes(?P<args>[^\n]*)\n(?:[^\n]*\n){0,3}?[│ ]*outputs, hidden_state = gru\(inputs\)\s+"
    r"(?:returns|반환)\s+(?P<output>\[[\d, ]+\]), (?P<hidden>\[[\d, ]+\])",
    re.MULTILINE,
)


RUNS = list(RUN.finditer(NOTEBOOK.read_text()))


def test_the_walkthrough_shows_the_three_cells_in_both_languages() -> None:
    assert len(RUNS) == 6


@pytest.mark.parametrize("run", RUNS, ids=lambda run: "gru-shapes" + run["args"])
def test_every_command_of_the_walkthrough_returns_what_it_shows(cli: Cli, run: re.Match[str]) -> None:
    report = cli.json(*shlex.split(run["args"]))
    shapes = report["tensors"]["output"]["shape"], report["tensors"]["h_n"]["shape"]
    assert shapes == (json.loads(run["output"]), json.loads(run["hidden"]))
    assert report["lang"] == ("ko" if "--lang ko" in run["args"] else "en")


README = ROOT / "README.md"


@pytest.mark.parametrize(
    ("lang", "page", "marker"),
    [
        ("en", "README.md", "## What it shows"),
        ("ko", "README.md", "## Korean and English"),
        ("en", "docs/report.md", "# What a report shows"),
        ("ko", "docs/languages.md", "# Korean and English"),
    ],
)
def test_the_sample_output_is_the_tools_own(lang: str, page: str, marker: str) -> None:
    from gru_shapes.model.spec import make_spec
    from gru_shapes.run.pipeline import report_for
    from gru_shapes.show.render import text

    section = (ROOT / page).read_text().split(marker, 1)[1]
    sample = section.split("```\n", 2)[1].rstrip("\n")
    if lang == "ko":
        sample = sample.split("\n", 1)[1]  # the command line shown above the output
    drawn = text(report_for(make_spec(layers=2, bidirectional=True, lang=lang)), 100, styled=False)

    # Regenerate with: COLUMNS=100 gru-shapes --layers 2 --bidirectional [--lang ko]. Only torch's
    # version may differ (and the panel's padding after it).
    def pinned(output: str) -> str:
        return re.sub(r"torch \S+ *│", "torch X │", output)

    assert pinned(sample) == pinned(drawn.rstrip("\n"))


# [text](target) and ![alt](target), outside code; a target ends at the first space or closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(markdown: str) -> str:
    """The Markdown without fenced code blocks and code spans, where a link is not a link."""
    without_fences = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`]*`", "", without_fences)


def test_every_readme_link_into_the_repository_resolves() -> None:
    targets = LINK.findall(_prose(README.read_text()))
    local = [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert any(t.startswith("docs/") for t in local), targets
    for target in local:
        path = ROOT / target.split("#", 1)[0]
        assert path.exists(), f"README links to {target}, which does not exist"
        assert path.resolve().is_relative_to(ROOT.resolve()), target
    # Every docs page is reachable from the README.
    linked = {target.split("#", 1)[0] for target in local}
    assert {f"docs/{page.name}" for page in DOCS.glob("*.md")} <= linked


def _nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists, in order (read as text: the test extra has no YAML parser)."""
    config = (ROOT / "mkdocs.yml").read_text()
    nav = config.split("\nnav:\n", 1)[1]
    lines = []
    for line in nav.splitlines():
        if line and not line.startswith(" "):
            break  # the next top-level key
        lines.append(line)
    return re.findall(r"^\s+- (?:[^:\n]+:\s*)?(\S+\.md)\s*$", "\n".join(lines), flags=re.MULTILINE)


def test_every_docs_page_is_in_the_nav_once() -> None:
    pages = _nav_pages()
    assert len(pages) == len(set(pages)), pages
    assert sorted(pages) == sorted(page.name for page in DOCS.glob("*.md"))
    assert pages[0] == "index.md"


def test_the_cli_reference_names_every_option_of_every_command() -> None:
    import typer.main

    from gru_shapes.cli import app

    reference = (DOCS / "cli.md").read_text()
    main = typer.main.get_command(app)
    commands = {"gru-shapes": main, **{f"gru-shapes {name}": c for name, c in main.commands.items()}}
    assert set(commands) == {"gru-shapes", "gru-shapes batch", "gru-shapes trace"}
    for name, command in commands.items():
        assert f"## {name}" in reference, name
        for param in command.params:
            for option in [*param.opts, *param.secondary_opts]:
                if option.startswith("-"):
                    named = re.search(rf"`[^`\n]*(?<![\w-]){re.escape(option)}(?![\w-])[^`\n]*`", reference)
                    assert named, f"{name} {option} is not in docs/cli.md"


def test_the_batch_keys_listed_are_the_tools() -> None:
    from gru_shapes.model.spec import DEFAULTS

    reference = (DOCS / "cli.md").read_text()
    flowing = " ".join(reference.split())
    listed = flowing.split("whose keys are the long option names with `_` for `-` (", 1)[1].split(");", 1)[0]
    assert re.findall(r"`(\w+)`", listed) == list(DEFAULTS)


def test_the_documented_signature_of_explain_is_its_own() -> None:
    from gru_shapes import explain

    page = (DOCS / "python.md").read_text()
    shown = page.split("Its signature is\n\n```python\n", 1)[1].split("```", 1)[0]
    parameters = inspect.signature(explain).parameters.values()
    written = []
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not any(w == "*" for w in written):
            written.append("*")
        default = parameter.default
        written.append(
            parameter.name if default is inspect.Parameter.empty else f"{parameter.name}={default!r}"
        )
    expected = "explain(" + ", ".join(written) + ")"
    assert " ".join(shown.split()).replace("'", '"') == expected.replace("'", '"')


@pytest.mark.parametrize(
    ("args", "panel_title"),
    [
        (["--input-shape", "35,4,10", "--h0-shape", "1,4,32"], "torch refuses these shapes"),
        (["--input-shape", "64,150,125", "--seq-first", "--input-size", "125"], "torch accepts, but reads"),
    ],
    ids=["refused", "suspect"],
)
def test_the_diagnosis_panels_shown_are_the_tools_own(cli: Cli, args: list[str], panel_title: str) -> None:
    printed = cli(*args, env={"COLUMNS": "100"}).stdout
    start = printed.index(f"╭─ {panel_title}")
    panel = printed[start : printed.index("╯\n", start) + 2]
    page = (DOCS / "diagnosis.md").read_text()
    assert panel in page
    if panel_title == "torch refuses these shapes":
        # The README quotes some of its lines.
        quoted = README.read_text().split(" ".join(["gru-shapes", *args]), 1)[1].split("```\n", 3)[2]
        assert quoted.count("\n") >= 3
        assert set(quoted.splitlines()) <= set(panel.splitlines())
