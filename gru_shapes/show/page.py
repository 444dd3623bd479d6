"""The report as one interactive, self-contained page (``--format html``, and a notebook's display).

The sections as HTML, and the unrolled network as vector shapes in a figure whose cells are linked
to every named slice on the page, both ways: pointing at ``h_n[1]`` (a chip, the index map, an idiom's
row, a pitfall naming it) lights the cells it holds; clicking a cell lights every slice holding it.
Inline style and script only (``page.css``, ``page.js``), no id and no external reference, so it
works offline, from a file, and several times in one notebook; without script it is the static report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from html import escape
from importlib.resources import files

from gru_shapes.i18n import _, language
from gru_shapes.report import Report
from gru_shapes.show.diagram_svg import Links, linked
from gru_shapes.show.diagram_view import diagram_section
from gru_shapes.show.header import module_call
from gru_shapes.show.html import section
from gru_shapes.show.layout import Drawing, Note, Panel, Section
from gru_shapes.show.page_map import slice_map
from gru_shapes.show.sections import sections
from gru_shapes.show.slices import Slice, mentions, named


def document(report: Report, show: Iterable[str] | None = None) -> str:
    """One HTML document: :func:`fragment` in a minimal page, as ``--format html`` writes it.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> page = document(report_for(make_spec(layers=2, bidirectional=True, dry_run=True, lang="en")))
    >>> page.startswith("<!doctype html>"), 'data-slice="h_n[1]"' in page, external_references(page)
    (True, True, [])
    """
    with language(report.spec.lang):
        title = f"gru-shapes · {module_call(report)}"
        body = fragment(report, show)
    lang = escape(report.spec.lang)
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(title)}</title>"
        '<link rel="icon" href="data:,">'  # no favicon request when the page is served
        "<style>html{-webkit-text-size-adjust:100%;text-size-adjust:100%}body{margin:0;background:#fff}"
        "@media (prefers-color-scheme:dark){body{background:#0d1117}}</style>"
        f"</head><body>{body}</body></html>\n"
    )


def fragment(report: Report, show: Iterable[str] | None = None) -> str:
    """The page's body, one ``<div class="gru-shapes">`` holding its style, figure, sections and
    script: what a notebook displays (``_repr_html_``)."""
    with language(report.spec.lang):
        parts = sections(report, show)
        (drawing,) = [part for part in diagram_section(report) if isinstance(part, Drawing)]
        slices = named(report, [m for text in _prose(parts) for m in mentions(text)])
        packed = report.spec.lengths is not None
        data = {"ui": _ui(), "slices": slice_map(drawing.picture, slices, packed)}
        known = {piece.expression for piece in slices}
        lead = next((i for i, part in enumerate(parts) if not isinstance(part, Panel)), len(parts))
        head = "".join(section(part, known) for part in parts[:lead])
        rest = "".join(section(part, known) for part in parts[lead:])
        figure = _figure(drawing, slices, packed)
        jump = escape(_("↑ show the lit cells"))
    # JSON inside <script>: no "</script" or "<!--" can end it early.
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return (
        f'<div class="gru-shapes" lang="{escape(report.spec.lang)}" data-gs-page>'
        f"<style>{_resource('page.css')}</style>"
        f'<div class="gs-sections">{head}</div>{figure}<div class="gs-sections">{rest}</div>'
        f'<div class="gs-jump-wrap"><button type="button" class="gs-jump" hidden>{jump}</button></div>'
        f'<script type="application/json" class="gs-map">{payload}</script>'
        f"<script>{_resource('page.js')}</script></div>"
    )


@cache
def _resource(name: str) -> str:
    return files("gru_shapes.show").joinpath(name).read_text(encoding="utf-8")


def _prose(parts: Sequence[Section]) -> list[str]:
    """The sentences of the sections, where a final state may be named."""
    texts = [part.text for part in parts if isinstance(part, Note)]
    return texts + [line.text for part in parts if isinstance(part, Panel) for line in part.lines]


def _ui() -> dict[str, str]:
    """What the page's script writes, in the language in force."""
    return {
        "hint": _("Point at a slice or click a cell of the diagram: the other side lights up. Esc clears."),
        "cell": _("1 cell"),
        "cells": _("{n} cells"),
        "elided": _("{n} in the elided steps ⋯"),
        "hidden": _("{n} in sequences not drawn"),
        "held": _("held by"),
        "none": _("in no named slice"),
    }


def _group_name(name: str) -> str:
    return f'<span class="gs-group-name">{escape(name)}</span>' if name else ""


def _figure(drawing: Drawing, slices: Sequence[Slice], packed: bool) -> str:
    groups: dict[str, list[Slice]] = {}
    for piece in slices:
        if piece.group:
            groups.setdefault(piece.group, []).append(piece)
    names = {"idioms": _("idioms"), "step": ""}  # a cell's one step: h_1 and c_1 need no heading
    bar = "".join(
        '<div class="gs-group">'
        + _group_name(names.get(group, group))
        + "".join(
            f'<button type="button" class="gs-chip" data-slice="{escape(p.expression, quote=True)}">'
            f"{escape(p.expression)}</button>"
            for p in members
        )
        + "</div>"
        for group, members in groups.items()
    )
    elided = _("steps {first} to {last}, elided")
    grids = "".join(
        '<div class="gs-grid">'
        + (f"<h3>{escape(grid.title)}</h3>" if grid.title else "")
        + '<div class="gs-scroll">'
        + linked(grid, Links(b if packed else None, elided), grid.title or drawing.title)
        + "</div></div>"
        for b, grid in enumerate(drawing.picture.grids)
    )
    legend = "".join(f"<li>{escape(text)}</li>" for text in drawing.legend)
    toolbar = escape(_("named slices"), quote=True)
    return (
        '<figure class="gs-figure">'
        f'<figcaption class="gs-caption-title">{escape(drawing.title)}</figcaption>'
        f'<div class="gs-bar" role="toolbar" aria-label="{toolbar}">{bar}</div>'
        f'<p class="gs-status" aria-live="polite">{escape(_ui()["hint"])}</p>'
        f'<div class="gs-grids">{grids}</div>'
        + (f'<ul class="gs-legend">{legend}</ul>' if legend else "")
        + "</figure>"
    )


# Anything a browser could fetch: a URL scheme, a protocol-relative address, a src/href/action that
# is not a same-page anchor or a data: URL, CSS url() or @import.
_EXTERNAL = re.compile(
    r"""(?ix)
    \b(?:https?|ftp|wss?|file):
    | //[a-z0-9.-]+\.[a-z]{2,}
    | (?<=\s)(?:src|href|action|srcset|poster|data|xlink:href|formaction|background)=["']?(?!\#|data:)[^\s"'>]
    | url\(\s*["']?(?!\#|data:)
    | @import
    """
)


def external_references(page: str) -> list[str]:
    """Every reference in ``page`` a browser would fetch (none in a self-contained page).

    >>> external_references('<a href="#x">x</a><p>output[:, -1]</p>')
    []
    >>> external_references('<img src="a.png"><link href=https://cdn.example/x.css>')
    ['src="a', 'href=h', '//cdn.example']
    """
    return [match.group(0) for match in _EXTERNAL.finditer(page)]
