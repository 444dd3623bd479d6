"""The idioms, hand-off and chunks sections, drawn on their own: aligned, whole words, both languages."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from gru_shapes.i18n import language
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.idioms_view import chunks_section, handoff_section, idioms_section
from gru_shapes.show.layout import Note, Panel, Section, Table
from gru_shapes.show.markdown import block
from gru_shapes.show.render import draw
from tests.test_i18n import lines_of_tables

BUILDERS = (idioms_section, handoff_section, chunks_section)
CASES = [
    {"layers": 2, "bidirectional": True, "batch_size": 3, "chunks": 3, "decoder_module": "GRU"},
    {"module": "LSTM", "proj_size": 8, "lengths": "35,20,7", "bidirectional": True, "decoder_layers": 1},
    {"module": "RNN", "unbatched": True, "chunks": 2, "decoder_layers": 3, "decoder_module": "LSTM"},
    {"batch_first": False, "batch_size": 2, "chunks": 4, "decoder_hidden_size": 8},
]


def sections_of(options: dict[str, Any], lang: str) -> list[Section]:
    report = report_for(make_spec(lang=lang, **options))
    with language(lang):
        return [section for build in BUILDERS for section in build(report)]


def texts(section: Section) -> list[str]:
    if isinstance(section, Table):
        return [section.title, *(cell for row in section.rows for cell in row)]
    if isinstance(section, Panel):
        return [section.title, *(line.label + line.text for line in section.lines)]
    return [section.text]


@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("options", CASES, ids=lambda o: ",".join(o))
def test_sections_stay_aligned_and_break_no_word(options: dict[str, Any], lang: str, width: int) -> None:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    parts = sections_of(options, lang)
    assert any(isinstance(part, Table) for part in parts)
    for part in parts:
        console.print(draw(part))
    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    tables = lines_of_tables(drawn)
    assert tables
    for table in tables:
        widths = {cell_len(line) for line in table}
        assert len(widths) == 1, table
        assert widths.pop() <= width
    # Every word of every text is drawn whole somewhere: none is cut at a line's end.
    flat = re.sub(r"[│┃║]", " ", drawn)
    for text in (t for part in parts for t in texts(part)):
        for word in text.split():
            assert word in flat, (word, text)


def test_the_idioms_table_is_compact_and_names_each_verdict() -> None:
    (table, *pitfalls) = idioms_section(report_for(make_spec(layers=2, bidirectional=True)))
    assert isinstance(table, Table) and len(table.columns) == 3
    assert table.rows[0] == (
        "h_n[-1]",
        "[1, 32]",
        "the last layer, backward direction only · equals: final h, backward",
    )
    assert all(isinstance(p, Note) for p in pitfalls)
    assert [p.text.split(": ")[1] for p in pitfalls if isinstance(p, Note)] == ["h_n[-1]", "output[:, -1]"]
    assert len(table.rows) == 7


def test_korean_sections() -> None:
    parts = sections_of({"bidirectional": True, "chunks": 2, "batch_size": 2}, "ko")
    drawn = "\n".join(t for part in parts for t in texts(part))
    for korean in ("최종 상태 꺼내기", "함정:", "디코더", "청크를 넘어 상태 이어 가기", "고치는 방법: "):
        assert korean in drawn


def test_markdown_keeps_code_as_code_and_rows_whole() -> None:
    parts = sections_of({"bidirectional": True, "chunks": 2, "batch_size": 2}, "en")
    blocks = [block(part) for part in parts]
    idioms_table = blocks[0].splitlines()
    assert idioms_table[2] == "| expression | shape | holds |"
    assert all(line.count(" | ") == 2 for line in idioms_table[4:])
    chunks_panel = blocks[-1]
    assert "> **fix:** `h = h[:, :x.size(0)]`" in chunks_panel
    assert "`h = x.new_zeros(2, x.size(0), 32)  (torch ran both)`" in chunks_panel


def test_sections_not_asked_for_say_how_to_ask() -> None:
    report = report_for(make_spec())
    (handoff,) = handoff_section(report)
    (chunks,) = chunks_section(report)
    assert isinstance(handoff, Note) and "--decoder-layers" in handoff.text
    assert isinstance(chunks, Note) and "--chunks K" in chunks.text


def test_nothing_to_show_for_a_cell_or_a_dry_run() -> None:
    for options in ({"module": "GRUCell"}, {"dry_run": True}):
        report = report_for(make_spec(**options))
        assert [build(report) for build in BUILDERS] == [[], [], []]
