"""The trace's sections, drawn directly by the report's renderers, in English and Korean."""

from __future__ import annotations

import io

import pytest
import torch
from rich.cells import cell_len
from rich.console import Console
from torch import nn

from gru_shapes import trace
from gru_shapes.show.layout import Note, Panel, Table
from gru_shapes.show.markdown import block
from gru_shapes.show.render import draw
from gru_shapes.show.trace_view import markdown, trace_sections
from tests.test_i18n import lines_of_tables
from tests.test_trace import example


class HandsBothDirections(nn.Module):
    """A bidirectional encoder's whole h_n handed to a two-layer one-way decoder: torch accepts it."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.GRU(4, 8, bidirectional=True)
        self.decoder = nn.GRU(4, 8, num_layers=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _output, h_n = self.encoder(x)
        return self.decoder(x, h_n)[0]


def test_a_bidirectional_state_handed_to_decoder_layers_is_a_pitfall() -> None:
    traced = trace(HandsBothDirections(), torch.zeros(5, 3, 4), lang="en")
    assert traced.error is None
    (use,) = traced.calls[0].uses
    assert use.expression == "decoder(…, h_n)"
    assert use.pitfall is not None and "decoder layer 1 gets encoder layer 0, backward" in use.pitfall
    verdict = trace_sections(traced)[-1]
    assert isinstance(verdict, Note) and "1 pitfall(s)" in verdict.text


def test_a_loop_of_identical_steps_is_one_block() -> None:
    model, args = example("seq2seq").build()
    parts = trace_sections(trace(model, *args, lang="en"))
    titles = [p.title for p in parts if isinstance(p, Panel)]
    assert titles[1:] == ["encoder · call 1 of 1", "decoder · calls 1–3 of 4", "decoder · call 4 of 4"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_section_draws_in_both_languages_and_tables_stay_aligned(lang: str) -> None:
    model, args = example("buggy").build()
    traced = trace(model, *args, lang=lang)
    parts = trace_sections(traced, ("calls", "report"))
    assert any(isinstance(p, Table) for p in parts)
    console = Console(file=io.StringIO(), width=100)
    for part in parts:
        console.print(draw(part))
        assert block(part)
    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    for table in lines_of_tables(drawn):
        assert len({cell_len(line) for line in table}) == 1, table
    stopped = "the forward pass stopped here" if lang == "en" else "forward가 여기서 멈췄습니다"
    assert stopped in drawn
    assert markdown(traced).count("\n|") > 3
    assert "mat1 and mat2 shapes cannot be multiplied" in traced._repr_html_()


@pytest.mark.parametrize("name", ["classifier", "tagger", "seq2seq", "language_model", "buggy"])
def test_the_traces_of_the_examples_are_golden(name: str) -> None:
    from gru_shapes.show.trace_view import text
    from tests.test_render import check_golden

    model, args = example(name).build()
    check_golden(f"trace-{name}", text(trace(model, *args, lang="en"), 100, styled=False))
