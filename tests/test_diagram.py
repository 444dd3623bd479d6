"""The unrolled network: its labels and marks against the index map and torch, and its three drawings."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from rich.cells import cell_len
from rich.console import Console

from gru_shapes.i18n import language
from gru_shapes.model.spec import make_spec
from gru_shapes.report import Report
from gru_shapes.run.pipeline import report_for
from gru_shapes.run.runner import _build, _initial_state
from gru_shapes.show.diagram import Unrolled, columns, unrolled
from gru_shapes.show.diagram_svg import COLUMN, PAD, document
from gru_shapes.show.diagram_text import plain
from gru_shapes.show.diagram_view import diagram_section
from gru_shapes.show.layout import Drawing, Note
from gru_shapes.show.markdown import block
from gru_shapes.show.render import draw
from gru_shapes.show.svg import svg_document
from tests.strategies import SEQUENCE_MODULES, valid_options

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).parent.parent
SCRIPT = "scripts/diagrams.py"


def _drawing(report: Report, lang: str = "en") -> Drawing:
    with language(lang):
        (drawing,) = diagram_section(report)
    assert isinstance(drawing, Drawing)
    return drawing


def _labelled(picture: Unrolled) -> list[tuple[int, int, str, int, str]]:
    """(grid, layer, direction, step, label) for every final-state label drawn."""
    return [
        (g, row.layer, row.direction, cell.step, label)
        for g, grid in enumerate(picture.grids)
        for row in grid.rows
        for cell in row.cells
        if cell
        for label in cell.labels
    ]


@settings(max_examples=40)
@given(valid_options(SEQUENCE_MODULES))
def test_each_h_n_label_sits_where_torch_takes_h_n(options: dict[str, Any]) -> None:
    """The cell labelled h_n[i] at step t holds torch's h_n[i]: a module of the layers up to that
    row's, with the same weights, outputs exactly h_n[i] at step t in that direction's half."""
    options.pop("dropout", None)  # dropout between layers would make the truncated stack differ
    spec = make_spec(**options)
    report = report_for(spec)
    picture = unrolled(report)
    config = spec.config
    d, h = config.num_directions, config.h_size
    slots = {f"h_n[{s.index}]": s for s in report.prediction.state_slots}
    labelled = [entry for entry in _labelled(picture) if entry[4].startswith("h_n")]
    # The labels are the index map's rows, each once per grid, in the slot's own row.
    assert sorted(label for _g, *_rest, label in labelled) == sorted(
        label for label in slots for _grid in picture.grids
    )
    module, fed = _build(spec, {t.key: t.shape for t in report.prediction.tensors}, "cpu", torch.float32)
    keywords = config.keywords()
    with torch.inference_mode():
        h_n = _run(spec, module, fed)[1]
        if spec.unbatched:
            h_n = h_n.unsqueeze(1)
        for g, layer, direction, step, label in labelled:
            slot = slots[label]
            assert (slot.layer, slot.direction) == (layer, direction)
            stack = getattr(torch.nn, config.module)(**{**keywords, "num_layers": layer + 1})
            stack.load_state_dict(
                {k: v for k, v in module.state_dict().items() if int(k.split("_l")[1][0]) <= layer}
            )
            stack.eval()
            part = {**fed, "h_0": fed["h_0"][: (layer + 1) * d]}
            if "c_0" in fed:
                part["c_0"] = fed["c_0"][: (layer + 1) * d]
            output = _run(spec, stack, part)[0]
            if spec.unbatched:
                output = output.unsqueeze(0)
            elif not config.batch_first:
                output = output.transpose(0, 1)
            half = 0 if direction == "forward" else 1
            at_step = output[:, step, half * h : (half + 1) * h]
            batch = slice(g, g + 1) if spec.lengths else slice(None)
            assert torch.allclose(at_step[batch], h_n[slot.index][batch], atol=1e-6), (label, step)


def _run(
    spec: Any, module: torch.nn.Module, fed: dict[str, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """output (padded back for a packed batch) and h_n, straight from torch."""
    state = _initial_state(spec, fed)
    if spec.lengths:
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            fed["input"],
            torch.tensor(spec.lengths),
            batch_first=spec.config.batch_first,
            enforce_sorted=False,
        )
        out, final = module(packed, state)
        output = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=spec.config.batch_first)[0]
    else:
        output, final = module(fed["input"], state)
    return output, final[0] if isinstance(final, tuple) else final


@settings(max_examples=60)
@given(valid_options(SEQUENCE_MODULES))
def test_output_and_final_marks_follow_the_index_map(options: dict[str, Any]) -> None:
    report = report_for(make_spec(**options, dry_run=True))
    spec, picture = report.spec, unrolled(report)
    config = spec.config
    lengths = spec.lengths[: len(picture.grids)] if spec.lengths else (spec.seq_len,)
    assert len(picture.grids) == len(lengths)
    lstm = config.family == "LSTM"
    for grid, length in zip(picture.grids, lengths, strict=True):
        assert grid.steps == columns(length)
        assert [(row.layer, row.direction) for row in grid.rows] == sorted(
            ((s.layer, s.direction) for s in report.prediction.state_slots),
            key=lambda key: (-key[0], key[1] != "forward"),
        )
        for row in grid.rows:
            slot = next(
                s
                for s in report.prediction.state_slots
                if (s.layer, s.direction) == (row.layer, row.direction)
            )
            final = length - 1 if row.direction == "forward" else 0
            expected = (f"h_n[{slot.index}]", f"c_n[{slot.index}]")[: 1 + lstm]
            assert row.start == (f"h_0[{slot.index}]", f"c_0[{slot.index}]")[: 1 + lstm]
            for cell in row.cells:
                if cell is None:
                    continue
                # output: the top layer, every step, in both directions; nothing below it.
                assert cell.output == (row.layer == config.num_layers - 1)
                assert cell.labels == (expected if cell.step == final else ())


@pytest.mark.parametrize("module", ["GRUCell", "LSTMCell", "RNNCell"])
def test_a_cell_is_one_step_with_its_state_in_and_out(module: str) -> None:
    picture = unrolled(report_for(make_spec(module=module, dry_run=True)))
    ((row,),) = [grid.rows for grid in picture.grids]
    lstm = module == "LSTMCell"
    assert row.start == ("h_0", "c_0")[: 1 + lstm]
    assert [cell.labels for cell in row.cells if cell] == [("h_1", "c_1")[: 1 + lstm]]


def test_a_long_packed_batch_draws_a_few_sequences_and_counts_the_rest() -> None:
    report = report_for(make_spec(lengths="9,8,7,6,5,4", dry_run=True))
    picture = unrolled(report)
    assert len(picture.grids) == 4 and picture.hidden == 2
    assert any("2" in line for line in _drawing(report).legend)


CASES = {
    "notebook-cell-3": {"layers": 2, "bidirectional": True},
    "packed-lstm": {"module": "LSTM", "lengths": "35,20,7", "bidirectional": True},
    "short-rnn": {"module": "RNN", "seq_len": 3, "layers": 3},
    "lstm-cell": {"module": "LSTMCell"},
}


def _every_label(drawing: Drawing) -> set[str]:
    found = {drawing.title, *drawing.legend}
    for grid in drawing.picture.grids:
        found |= {grid.title} if grid.title else set()
        for row in grid.rows:
            found |= {row.label, *row.start}
            found |= {label for cell in row.cells if cell for label in cell.labels}
    return found


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_the_svg_is_valid_xml_whose_texts_hold_every_label(options: dict[str, Any], lang: str) -> None:
    drawing = _drawing(report_for(make_spec(**options, dry_run=True)), lang)
    root = ET.fromstring(document(drawing))
    texts = {element.text for element in root.iter(f"{SVG}text")}
    assert _every_label(drawing) <= texts
    assert root.find(f".//{SVG}rect[@class='cell output']") is not None or options.get("module") == "LSTMCell"
    if lang == "ko":
        assert any("층" in text for text in texts if text) or options.get("module") == "LSTMCell"


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_every_label_fits_its_box_by_display_width(options: dict[str, Any], lang: str) -> None:
    root = ET.fromstring(document(_drawing(report_for(make_spec(**options, dry_run=True)), lang)))
    boxes = [group for group in root.iter(f"{SVG}g") if group.find(f"{SVG}rect") is not None]
    assert boxes
    for group in boxes:
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        left, right = float(rect.attrib["x"]), float(rect.attrib["x"]) + float(rect.attrib["width"])
        for text in group.iter(f"{SVG}text"):
            start = float(text.attrib["x"])
            # cell_len counts a Hangul syllable as two columns, as a terminal and a monospace font do.
            assert left < start and start + cell_len(text.text or "") * COLUMN <= right - PAD / 2, text.text


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_the_text_drawing_aligns_in_korean_as_in_english(options: dict[str, Any]) -> None:
    """Box borders line up in a terminal: each box row is as wide, in columns, as its borders."""
    for lang in ("en", "ko"):
        drawing = _drawing(report_for(make_spec(**options, dry_run=True)), lang)
        lines = plain(drawing)
        for top, middle in itertools.pairwise(lines):
            if "┌" in top or "┏" in top:
                corners = [cell_len(top[:i]) for i, c in enumerate(top) if c in "┐┓"]
                sides = [cell_len(middle[:i]) for i, c in enumerate(middle) if c in "│┃"]
                assert set(corners) <= set(sides), (lang, top, middle)


def test_the_terminal_drawing_uses_colour_only_where_it_may() -> None:
    drawing = _drawing(report_for(make_spec(layers=2, bidirectional=True, dry_run=True)))
    coloured = Console(file=io.StringIO(), width=120, color_system="truecolor", force_terminal=True)
    coloured.print(draw(drawing))
    assert "\x1b[" in coloured.file.getvalue()  # type: ignore[attr-defined]
    bare = Console(
        file=io.StringIO(), width=120, color_system="truecolor", force_terminal=True, no_color=True
    )
    bare.print(draw(drawing))
    text = bare.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[3" not in text and "\x1b[9" not in text and "\x1b[38" not in text  # no foreground colour
    assert "┏" in text and "┌" in text  # output still told apart, by heavy borders


def test_the_markdown_drawing_is_a_fenced_block_with_its_legend() -> None:
    drawing = _drawing(report_for(make_spec(layers=2, bidirectional=True, dry_run=True)))
    drawn = block(drawing)
    fenced = drawn.split("```text\n")[1].split("```")[0]
    assert "h_n[3]" in fenced and "┏" in fenced
    assert all(f"- {line}"[:20] in drawn for line in drawing.legend)


def test_an_svg_with_a_drawing_nests_the_vector_picture_below_the_text() -> None:
    report = report_for(make_spec(layers=2, bidirectional=True, dry_run=True))
    drawing = _drawing(report)
    image = svg_document([Note("before", tone="plain"), drawing], "title", 100)
    root = ET.fromstring(image)
    nested = root.findall(f"{SVG}svg")
    assert len(nested) == 2 and nested[0].attrib["class"] == "rich-terminal"
    assert float(nested[1].attrib["y"]) == float(nested[0].attrib["height"])
    assert _every_label(drawing) <= {element.text for element in nested[1].iter(f"{SVG}text")}
    assert svg_document([Note("only text", tone="plain")], "t", 100).startswith('<svg class="rich-terminal"')


def test_the_diagrams_script_draws_the_documented_images(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "scripts/diagrams.py", str(tmp_path)], cwd=ROOT, check=True)
    drawn = sorted(path.name for path in tmp_path.iterdir())
    assert drawn == ["diagram-packed.svg", "diagram.ko.svg", "diagram.svg"]
    for name in drawn:
        made = (tmp_path / name).read_text()
        texts = {element.text for element in ET.fromstring(made).iter(f"{SVG}text")}
        assert {"h_n[0]", "h_n[1]"} <= texts
        assert made == (ROOT / "docs" / name).read_text(), f"docs/{name} is stale: run python {SCRIPT}"
    korean = {
        element.text or "" for element in ET.fromstring((tmp_path / "diagram.ko.svg").read_text()).iter()
    }
    assert "1층 →" in korean and "h_n[3]" in korean
    assert "diagram.ko.svg" in (ROOT / "docs" / "notebook.md").read_text()
    pictures = (ROOT / "docs" / "pictures.md").read_text()
    assert "](diagram.svg)" in pictures and "](diagram-packed.svg)" in pictures
    assert "](docs/diagram.svg)" in (ROOT / "README.md").read_text()
