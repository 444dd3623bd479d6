"""Golden tables at a fixed width keep the rendering honest."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from rich.cells import cell_len

from gru_shapes.model.spec import make_spec
from gru_shapes.report import Check, Report
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.header import module_call
from gru_shapes.show.render import text
from gru_shapes.show.sections import names

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GRU_SHAPES_UPDATE_GOLDEN") == "1"


def as_text(report: Report, width: int = 100, show: tuple[str, ...] | None = None) -> str:
    return text(report, width, styled=False, show=show)


def pinned(report: Report) -> Report:
    """Freeze the facts that change with the installed torch: its version, and its warnings, some
    of which torch gives once per process only."""
    if report.observation is None:
        return report
    return replace(report, observation=replace(report.observation, torch_version="X.Y.Z", warnings=()))


def check_golden(name: str, drawn: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(drawn)
    assert drawn == path.read_text()


@pytest.mark.parametrize(
    ("name", "options"),
    [
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
def test_golden_tables_of_every_section(name: str, options: dict[str, object]) -> None:
    check_golden(name, as_text(pinned(report_for(make_spec(**options))), show=names()))


# The default view answers on one screen: (name, options, most lines at 60, 80 and 120 columns). Two
# directions add where the backward final state is in output (3 lines at 60 columns), proj_size the
# weights it changes.
BUDGETS: list[tuple[str, dict[str, object], tuple[int, int, int]]] = [
    ("notebook-cell-1", {}, (35, 30, 30)),
    ("notebook-cell-2", {"layers": 2}, (35, 30, 30)),
    ("notebook-cell-3", {"layers": 2, "bidirectional": True}, (46, 40, 40)),
    ("lstm-projection", {"module": "LSTM", "proj_size": 8, "layers": 2, "bidirectional": True}, (62, 52, 50)),
    ("packed", {"lengths": "35,20,7", "bidirectional": True}, (54, 50, 50)),
    ("refused", {"input_shape": "35,4,10", "h0_shape": "1,4,32"}, (55, 50, 50)),
]


@pytest.mark.parametrize(("name", "options", "budgets"), BUDGETS, ids=[case[0] for case in BUDGETS])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_default_view_fits_its_line_budget(
    name: str, options: dict[str, object], budgets: tuple[int, int, int], width: int
) -> None:
    drawn = as_text(pinned(report_for(make_spec(**options))), width=width)
    check_golden(f"{name}-{width}", drawn)
    budget = dict(zip((60, 80, 120), budgets, strict=True))[width]
    assert len(drawn.splitlines()) <= budget
    assert max(cell_len(line) for line in drawn.splitlines()) <= width


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


def test_a_failed_check_is_shown_and_is_the_last_word() -> None:
    report = report_for(make_spec(layers=2))
    wrong = Check("shape of h_n as predicted", False, "predicted [2, 1, 32], torch [3, 1, 32]")
    failing = replace(report, checks=(*report.checks, wrong))
    drawn = as_text(failing, width=100)
    assert "predicted [2, 1, 32], torch [3, 1, 32]" in drawn
    assert drawn.splitlines()[-1].startswith(f"✗ 1 of {len(failing.checks)} checks FAILED")
    assert "✓" not in drawn
