"""The interactive page as text: one self-contained document, every named slice mapped onto cells
the drawing has, the map held to the drawing's own labels, and the same body in a notebook.
What it does in a browser is tests/test_page_browser.py's."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings

from gru_shapes.api import explain
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.diagram import unrolled
from gru_shapes.show.page import document, external_references, fragment
from gru_shapes.show.page_map import slice_map
from gru_shapes.show.slices import Slice, named
from tests.conftest import Cli
from tests.strategies import valid_options

# What a browser could fetch, spelled out, beside external_references' pattern.
FETCHING = ("http:", "https:", "//cdn", "@import", "url(", "@font-face", " src=", '<link rel="stylesheet')


class _Page(HTMLParser):
    """The page's elements that matter here: slices, cells, gaps, ids, and the map's JSON."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.slices: list[str] = []
        self.cells: set[str] = set()
        self.gaps: set[str] = set()
        self.ids: list[str] = []
        self.scripts: list[str] = []
        self._in_map = False
        self.feed(text)
        self.close()
        self.map: dict[str, Any] = json.loads(self.scripts[0])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        seq = found.get("data-seq")
        at = "" if seq is None else f"@{seq}"
        if "data-slice" in found:
            self.slices.append(found["data-slice"] or "")
        if "data-cell" in found and tag == "g":
            self.cells.add(f"{found['data-cell']}{at}")
        if "data-gap" in found:
            self.gaps.add(f"{found['data-gap']}{at}")
        if "id" in found:
            self.ids.append(found["id"] or "")
        self._in_map = tag == "script" and found.get("class") == "gs-map"

    def handle_data(self, data: str) -> None:
        if self._in_map:
            self.scripts.append(data)
            self._in_map = False


def test_format_html_writes_one_self_contained_page(cli: Cli) -> None:
    result = cli("--layers", "2", "--bidirectional", "--format", "html")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert external_references(page) == []
    assert [needle for needle in FETCHING if needle in page] == []
    assert "<svg" in page and "xmlns" not in page  # inline vector shapes, with no namespace URL to read
    parsed = _Page(page)
    assert parsed.ids == []  # no id: two reports in one notebook cannot clash
    assert {"h_n[0]", "h_n[1]", "h_n[2]", "h_n[3]", "output[:, -1]", "h_n[-1]"} <= set(parsed.slices)
    assert parsed.cells >= {"0,1,0", "1,1,0", "1,0,34", "0,0,34"} and parsed.gaps == {
        f"{layer},{d}" for layer in (0, 1) for d in (0, 1)
    }


@pytest.mark.parametrize(
    "options",
    [
        {"layers": 2, "bidirectional": True},
        {"module": "LSTM", "proj_size": 4, "layers": 3, "bidirectional": True, "lengths": "5,2,7,3,6"},
        {"module": "RNN", "unbatched": True, "seq_len": 3},
        {"module": "LSTMCell"},
        {"batch_size": 0},
        {"layers": 6, "bidirectional": True},
        {"input_shape": "1,35,12"},
    ],
    ids=["gru-2-bi", "lstm-packed-hidden", "rnn-unbatched", "lstm-cell", "empty-batch", "tall", "refused"],
)
def test_every_slice_on_the_page_is_mapped_onto_cells_it_draws(options: dict[str, Any]) -> None:
    report = report_for(make_spec(**options))
    parsed = _Page(document(report, ("index", "idioms", "handoff", "diagram")))
    mapped = {entry["x"]: entry for entry in parsed.map["slices"]}
    assert set(parsed.slices) <= set(mapped)
    for entry in mapped.values():
        assert set(entry["cells"]) <= parsed.cells and set(entry["gaps"]) <= parsed.gaps, entry["x"]
        assert entry["cells"] or entry["gaps"] or entry["hidden"], entry["x"]


def test_a_packed_batch_counts_the_cells_of_the_sequences_it_does_not_draw() -> None:
    report = report_for(make_spec(lengths="5,2,7,3,6,4", dry_run=True))
    mapped = {e["x"]: e for e in _Page(document(report)).map["slices"]}
    assert mapped["h_n[0]"]["hidden"] == 2 and len(mapped["h_n[0]"]["cells"]) == 4
    assert mapped["output[:, 0]"]["cells"] == ["0,0,0@0", "0,0,0@1", "0,0,0@2", "0,0,0@3"]
    assert all(re.fullmatch(r"\d+,\d+,\d+@[0-3]", key) for e in mapped.values() for key in e["cells"])


def test_the_diagram_is_drawn_once_linked_and_svg_stays_static(cli: Cli) -> None:
    page = cli("--all", "--format", "html").stdout
    assert page.count('<figure class="gs-figure">') == 1 and page.count("<svg") == 1
    image = cli("--all", "--format", "svg").stdout
    assert "data-cell" not in image and "<script" not in image


def test_a_map_that_disagrees_with_the_drawing_is_refused() -> None:
    report = report_for(make_spec(layers=2, bidirectional=True, dry_run=True))
    slices = [
        replace(piece, cells=((0, 1, 34),)) if piece.expression == "h_n[1]" else piece
        for piece in named(report)
    ]
    with pytest.raises(
        ValueError, match=r"h_n\[1\]: the drawing labels cells \['0,1,0'\], the map lights \['0,1,34'\]"
    ):
        slice_map(unrolled(report), slices, packed=False)
    with pytest.raises(ValueError, match="no cell"):
        slice_map(unrolled(report), [Slice("h_n[9]", ((2, 0, 0),))], packed=False)
    with pytest.raises(ValueError, match=r"must be \(layer, direction, step, seq\)"):
        slice_map(unrolled(report), [Slice("h_n[0]", ((0, 0, 34),))], packed=True)


def test_the_page_speaks_the_reports_language() -> None:
    report = report_for(make_spec(layers=2, bidirectional=True, dry_run=True, lang="ko"))
    page = document(report)
    assert page.startswith('<!doctype html>\n<html lang="ko">') and "1층 ←" in page
    assert "슬라이스를 가리키거나" in page and "Point at a slice" not in page
    assert _Page(page).map["ui"]["cells"] == "{n}칸"


def test_the_map_cannot_end_its_script_early(monkeypatch: pytest.MonkeyPatch) -> None:
    import gru_shapes.show.page as page_module

    report = report_for(make_spec(dry_run=True))
    piece = Slice("h_n[0]", ((0, 0, 34),), holds="</script><script>alert(1)</script><!--")
    monkeypatch.setattr(page_module, "named", lambda report, mentioned: (piece,))
    page = fragment(report)
    assert page.count("<script") == 2 and "alert(1)</script>" not in page
    assert _Page(page).map["slices"][0]["holds"] == piece.holds


def test_a_notebook_shows_the_page_body() -> None:
    report = explain(num_layers=2, bidirectional=True, dry_run=True, lang="en")
    assert report._repr_html_() == fragment(report)
    shown = report.show("cost")._repr_html_()
    assert "cost of one forward pass" in shown and 'data-slice="h_n[1]"' in shown


@settings(max_examples=30)
@given(valid_options())
def test_any_configuration_makes_a_page_whose_slices_are_all_mapped(options: dict[str, Any]) -> None:
    report = report_for(make_spec(**options, dry_run=True))
    page = document(report, ("index", "idioms"))
    parsed = _Page(page)
    assert set(parsed.slices) <= {entry["x"] for entry in parsed.map["slices"]}
    assert external_references(page) == []


def test_a_very_long_sequence_links_what_it_can_without_labelling_every_step() -> None:
    """Ten million steps: the final states and the ends of output are linked at once; the halves of
    output (ten million cells each) are not, as no drawing of five columns needs them."""
    report = report_for(make_spec(seq_len=10_000_000, bidirectional=True, dry_run=True))
    mapped = {e["x"]: e for e in _Page(document(report)).map["slices"]}
    assert mapped["h_n[1]"]["cells"] == ["0,1,0"] and mapped["output[:, -1]"]["cells"] == [
        "0,0,9999999",
        "0,1,9999999",
    ]
    assert "output[..., :32]" not in mapped and "output[:, -1, :32]" in mapped
