"""One call's rows: each use once, a loop over the steps folded into one row naming the indices it
ran over (never past the most rows kept, whose excess is counted), and a pitfall cleared where it
started and where it reached."""

from __future__ import annotations

from gru_shapes.tracing.traced import Use
from gru_shapes.tracing.uses import Uses


def _step(t: int, pitfall: str | None = None) -> Use:
    return Use(f"out(output[:, {t}, :])", (1, 8), f"h_t of the last layer at step {t}", pitfall)


def test_a_loop_over_the_steps_folds_into_one_row_with_its_indices() -> None:
    rows = Uses()
    for t in range(3):
        rows.add(_step(t))
    assert [r.expression for r in rows.rows] == [f"out(output[:, {t}, :])" for t in range(3)]
    for t in range(3, 10):
        rows.add(_step(t))
    (folded,) = rows.rows
    assert folded.expression == "out(output[:, 0…9, :])" and folded.repeats == 10
    assert folded.holds == "h_t of the last layer at step 0…9"


def test_uses_alike_but_for_a_pitfall_are_not_folded_together() -> None:
    rows = Uses()
    for t in range(6):
        rows.add(_step(t, "padding" if t == 5 else None))
    assert [r.repeats for r in rows.rows] == [6 - 1, 1] and rows.rows[1].pitfall == "padding"


def test_past_the_most_rows_the_excess_is_counted() -> None:
    rows = Uses(most=2)
    for name in ("h_n[0]", "h_n[1]", "h_n[2]", "c_n[0]"):
        rows.add(Use(name, (3,), name, None))
        rows.add(Use(name, (3,), name, None))  # each use once
    assert len(rows.rows) == 2 and rows.left_out == 2


def test_a_pitfall_is_cleared_where_it_started_and_where_it_reached() -> None:
    rows = Uses()
    rows.add(Use("h_n[:2]", (2, 3, 4), "layer 0", "not the last layer", "not-last-layer"))
    rows.add(Use("fc(h_n[:2])", (2, 3, 4), "layer 0", "not the last layer", "not-last-layer", "h_n[:2]"))
    rows.add(Use("h_n[0]", (3, 4), "layer 0", "not the last layer", "not-last-layer"))
    rows.clear_origin("h_n[:2]", "not-last-layer")
    assert [r.pitfall is None for r in rows.rows] == [True, True, False]
