"""The notebook walkthrough (docs/notebook.md) stays true: every command it shows returns what it says."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import Cli

NOTEBOOK = Path(__file__).parent.parent / "docs" / "notebook.md"
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


README = Path(__file__).parent.parent / "README.md"


@pytest.mark.parametrize(("lang", "marker"), [("en", "## What it shows"), ("ko", "## Korean and English")])
def test_the_readmes_sample_output_is_the_tools_own(lang: str, marker: str) -> None:
    from gru_shapes.model.spec import make_spec
    from gru_shapes.run.pipeline import report_for
    from gru_shapes.show.render import text

    section = README.read_text().split(marker, 1)[1]
    sample = section.split("```\n", 2)[1].rstrip("\n")
    if lang == "ko":
        sample = sample.split("\n", 1)[1]  # the command line shown above the output
    drawn = text(report_for(make_spec(layers=2, bidirectional=True, lang=lang)), 100, styled=False)

    # Regenerate with: COLUMNS=100 gru-shapes --layers 2 --bidirectional [--lang ko]. Only torch's
    # version may differ (and the panel's padding after it).
    def pinned(output: str) -> str:
        return re.sub(r"torch \S+ *│", "torch X │", output)

    assert pinned(sample) == pinned(drawn.rstrip("\n"))
