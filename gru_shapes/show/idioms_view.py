"""The sections of what comes after the forward pass: taking the final state, handing it to a
decoder, carrying it across chunks. Plain data for the renderers, as in :mod:`gru_shapes.show.sections`.

>>> from gru_shapes.run.pipeline import report_for
>>> from gru_shapes.model.spec import make_spec
>>> idioms_section(report_for(make_spec(bidirectional=True)))[0].rows[0][:2]
('h_n[-1]', '[1, 32]')
"""

from __future__ import annotations

from gru_shapes.i18n import N_, _
from gru_shapes.model import chunks as chunking
from gru_shapes.model import handoff as handing
from gru_shapes.model.handoff import TITLES, HandoffRow
from gru_shapes.model.idioms import SHORT
from gru_shapes.report import Report
from gru_shapes.show.layout import Column, Line, Note, Panel, Section, Table

# Shown where a section was asked for but its run was not: each costs more than indexing the run.
ASK_HANDOFF = N_(
    "hand-off to a decoder: give --decoder-layers, --decoder-hidden-size or --decoder-module "
    "to have each recipe checked by a real decoder"
)
USUAL_DECODERS = N_(
    "hand-off to the decoders such an encoder is most often handed to (give --decoder-layers, "
    "--decoder-hidden-size or --decoder-module for your own): the recipes each accepts"
)
ASK_CHUNKS = N_(
    "carrying the state across chunks: give --chunks K to run the sequence in K chunks and compare"
)


def idioms_section(report: Report) -> list[Section]:
    """The final-state expressions as a table, each verdict computed on this run; then the pitfalls."""
    if not report.idioms:
        return []
    equals, none = _("equals"), _("none of the final states")
    rows = tuple(
        (
            idiom.expression,
            str(list(idiom.shape)),
            f"{idiom.holds} · {equals}: {_(SHORT[idiom.equals]) if idiom.equals else none}",
        )
        for idiom in report.idioms
    )
    table = Table(
        title=_("taking the final state (each expression run on this run's tensors)"),
        columns=(
            Column(_("expression")),
            Column(_("shape"), keep_whole=True),
            Column(_("holds"), wide=True),
        ),
        rows=rows,
    )
    parts: list[Section] = [table]
    # A pitfall shared by several expressions is said once, naming them all.
    pitfalls: dict[str, list[str]] = {}
    for idiom in report.idioms:
        if idiom.pitfall:
            pitfalls.setdefault(idiom.pitfall, []).append(idiom.expression)
    parts.extend(
        Note(_("pitfall: {expressions}: {pitfall}").format(expressions=", ".join(names), pitfall=text))
        for text, names in pitfalls.items()
    )
    return parts


def handoff_section(report: Report) -> list[Section]:
    """The recipes that make a decoder's initial state, each fed to a real decoder: every recipe for
    the decoder asked for; for the usual decoders (none asked for), those that fit each one, and the
    common wrong recipe, named."""
    rows_in = report.handoff
    if not rows_in:
        return [Note(_(ASK_HANDOFF), tone="dim")] if report.observed and report.idioms else []
    decoders = list(dict.fromkeys(row.decoder for row in rows_in))
    usual = not handing.asked(report.spec)
    parts: list[Section] = []
    if usual:
        parts.append(Note(_(USUAL_DECODERS), tone="dim"))
    for index, decoder in enumerate(decoders):
        rows = [row for row in rows_in if row.decoder == decoder]
        if usual:  # the recipes each accepts; the common wrong one, named once
            rows = [row for row in rows if row.verified or (row.name == "concat_view" and index == 0)]
        parts.append(_recipes_table(decoder, rows, caption=index == len(decoders) - 1))
    return parts


def _recipes_table(decoder: str, rows_in: list[HandoffRow], caption: bool) -> Table:
    rows = tuple(
        (
            _("ok") if row.verified else _("no"),
            row.expression,
            f"{_(TITLES[row.name])}: h_0 {list(row.shape)}" + (f"; {row.note}" if row.note else ""),
        )
        for row in rows_in
    )
    return Table(
        title=_("handing the final state to a decoder: {decoder}").format(decoder=decoder),
        columns=(Column("", keep_whole=True), Column(_("code"), wide=True), Column(_("gives"), wide=True)),
        rows=rows,
        caption=_(
            "{ok}: a real decoder of this configuration accepted the state, and the halves pair up"
        ).format(ok=_("ok"))
        if caption
        else "",
        passed=tuple(row.verified for row in rows_in),
    )


def chunks_section(report: Report) -> list[Section]:
    """The chunked run compared with the whole one, the loop that does it, and the smaller last batch."""
    carried = report.chunks
    if carried is None:
        return [Note(_(ASK_CHUNKS), tone="dim")] if report.observed and report.idioms else []
    spec = report.spec
    compared = "output, h_n, c_n" if spec.config.family == "LSTM" else "output, h_n"
    verdict = _("equal to the unchunked run") if carried.equal else _("differs from the unchunked run")
    lines = [
        Line(
            _("{count}: {lengths}, each chunk's final state is the next one's h_0").format(
                count=carried.count, lengths=list(carried.lengths)
            ),
            label=_("chunks: "),
        ),
        Line(
            _("largest difference {diff} ({dtype}): {verdict}").format(
                diff=f"{carried.max_abs_diff:.3g}", dtype=spec.dtype, verdict=verdict
            ),
            label=f"{compared}: ",
            tone="good" if carried.equal else "bad",
        ),
    ]
    if not carried.equal and spec.config.bidirectional:
        lines.append(
            Line(
                _(
                    "a bidirectional module cannot be carried across chunks: its backward direction "
                    "starts each chunk from the chunk's own end, not from the sequence's"
                )
            )
        )
    lines.extend(Line(line, tone="code") for line in chunking.loop_code(spec))
    last = carried.last_batch
    if last is not None:
        lines.append(
            Line(
                _("a state carried from {carried} sequences into a last batch of {given}").format(
                    carried=last.carried, given=last.given
                ),
                label=_("smaller last batch: "),
            )
        )
        lines.append(Line(last.error or _("nothing, it ran"), label=_("torch: "), tone="bad"))
        status = _("torch ran both") if last.fixed else _("torch still refused it")
        lines.append(Line(last.fix, label=_("fix: "), tone="code"))
        lines.append(Line(f"{last.alternative}  ({status})", label=_("or, from zeros: "), tone="code"))
    return [Panel(_("carrying the state across chunks"), tuple(lines))]
