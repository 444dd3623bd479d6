"""Golden tables at a fixed width keep the rendering honest."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from gru_shapes.api import report_for
from gru_shapes.render import render
from gru_shapes.report import Report
from gru_shapes.sections import module_call
from gru_shapes.spec import make_spec

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GRU_SHAPES_UPDATE_GOLDEN") == "1"


def as_text(report: Report, width: int = 100) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(render(report))
    return console.file.getvalue()  # type: ignore[attr-defined]


def pinned(report: Report) -> Report:
    """Freeze the one fact that changes with the installed torch."""
    if report.observation is None:
        return report
    return replace(report, observation=replace(report.observation, torch_version="X.Y.Z"))


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("notebook-cell-3", {"layers": 2, "bidirectional": True}),
        ("seq-first-no-bias-dropout", {"batch_first": False, "bias": False, "dropout": 0.2, "batch_size": 3}),
        (
            "dry-run-huge",
            {
                "seq_len": 10**6,
                "hidden_size": 16384,
                "layers": 8,
                "bidirectional": True,
                "batch_size": 64,
                "dry_run": True,
            },
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_golden_tables(name: str, options: dict[str, object]) -> None:
    text = as_text(pinned(report_for(make_spec(**options))))
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(text)
    assert text == path.read_text()


def test_module_call_shows_only_what_differs_beyond_the_notebooks_arguments() -> None:
    assert module_call(report_for(make_spec())) == (
        "nn.GRU(input_size=10, hidden_size=32, num_layers=1, batch_first=True, bidirectional=False)"
    )
    assert module_call(report_for(make_spec(bias=False, dropout=0.5, layers=2))).endswith(
        "bidirectional=False, bias=False, dropout=0.5)"
    )


def test_markup_in_texts_is_shown_literally() -> None:
    # "[32:]" in a meaning would vanish if rich read it as markup.
    assert "[:32] forward h_t, [32:] backward h_t" in as_text(
        report_for(make_spec(bidirectional=True)), width=160
    )
