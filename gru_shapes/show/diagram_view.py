"""The ``diagram`` and ``step`` sections: what the pictures and the step equations show, as sections.

No torch and no rendering library; the renderers draw these like any other section.
"""

from __future__ import annotations

from gru_shapes.i18n import _
from gru_shapes.model.step import equations
from gru_shapes.report import Report
from gru_shapes.show.diagram import EDGE, NARROW_EDGE, unrolled
from gru_shapes.show.layout import Column, Drawing, Note, Section, Table, Tone


def diagram_section(report: Report) -> list[Section]:
    """The unrolled network of ``report``'s configuration, as one drawing.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> diagram_section(report_for(make_spec(layers=2, dry_run=True, lang="en")))[0].title
    'unrolled network: 2 rows (layer × direction) × 35 steps'
    """
    spec = report.spec
    config = spec.config
    picture = unrolled(report)
    if config.is_cell:
        legend = [_("one step: the state in, one update, the state out")]
        return [Drawing(_("one step of nn.{module}").format(module=spec.module), picture, tuple(legend))]
    h = config.h_size
    legend = [_("heavy border: part of output, the top layer's h_t at every step")]
    if config.bidirectional:
        legend.append(
            _(
                "forward rows fill output[..., :{h}], backward rows output[..., {h}:]; both read every step"
            ).format(h=h)
        )
    final = "h_n[i], c_n[i]" if config.family == "LSTM" else "h_n[i]"
    legend.append(
        _(
            "{final}: the final state of row i, taken going forward at the last step, going backward at step 0"
        ).format(final=final)
    )
    legend.append(_("arrows: each direction's reading order; h_0[i] enters where row i starts"))
    longest = max(spec.lengths) if spec.lengths else spec.seq_len
    if longest > 2 * EDGE + 1:
        legend.append(_("⋯: the middle steps, elided; every step computes the same update"))
    if spec.lengths:
        legend.append(
            _("a packed sequence ends at its own length: its h_n is taken there, and output is zero after it")
        )
    if picture.hidden:
        legend.append(_("… and {count} more sequences, not drawn").format(count=picture.hidden))
    title = _("unrolled network: {rows} rows (layer × direction) × {steps} steps").format(
        rows=len(report.prediction.state_slots), steps=longest
    )
    return [Drawing(title, picture, tuple(legend), narrow=unrolled(report, edge=NARROW_EDGE))]


def step_section(report: Report) -> list[Section]:
    """Inside one step: the equations with this configuration's sizes, their terms, and the live check.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> parts = step_section(report_for(make_spec(module="RNN", lang="en")))
    >>> parts[0].rows[0]
    ('h_t = tanh(W_ih x_t + b_ih + W_hh h_(t−1) + b_hh)', '[1, 32]')
    >>> parts[-1].tone
    'good'
    """
    spec = report.spec
    config = spec.config
    written = equations(spec)
    if config.is_cell:
        title = _("inside one step: nn.{module}'s update equations").format(module=spec.module)
    else:
        title = _("inside one step (layer 0, forward): nn.{module}'s update equations").format(
            module=spec.module
        )
    parts: list[Section] = [
        Table(
            title=title,
            columns=(Column(_("equation"), wide=True), Column(_("shape"), keep_whole=True)),
            rows=tuple((e.text, str(list(e.shape))) for e in written),
        )
    ]
    seen: dict[str, tuple[str, str, str]] = {}
    for equation in written:
        for term in equation.terms:
            seen.setdefault(term.name, (term.name, str(list(term.shape)), term.source))
    parts.append(
        Table(
            title=_("terms: shapes, and the rows of the parameter each weight is"),
            columns=(
                Column(_("term"), keep_whole=True),
                Column(_("shape"), keep_whole=True),
                Column(_("from"), wide=True),
            ),
            rows=tuple(seen.values()),
        )
    )
    notes = []
    if config.bidirectional:
        notes.append(_("going backward: the same equations with the _reverse parameters, from the last step"))
    if config.num_layers > 1:
        name = "proj_size" if config.proj_size else "hidden_size"
        notes.append(
            _("layers 1 and up: x_t is the layer below's h_t, {d} × {name} = {width} features").format(
                d=config.num_directions, name=name, width=config.num_directions * config.h_size
            )
        )
    parts.extend(Note(text, tone="plain") for text in notes)
    parts.append(_verdict(report))
    return parts


def _verdict(report: Report) -> Note:
    step = report.observation.step if report.observation else None
    if step is None:
        return Note(_("not verified: a dry run computes nothing"), tone="notice")
    words = {"forward": _("forward"), "backward": _("backward")}
    compared = ", ".join(f"{key} ({words[direction]})" for key, direction in step.compared)
    if step.verified:
        text = _(
            "verified: the first step recomputed with these equations from the module's own weights "
            "matches torch's ({compared}); largest difference {diff:.1e}, tolerance {tolerance:g}"
        )
        tone: Tone = "good"
    else:
        text = _(
            "FAILED: the first step recomputed with these equations differs from torch's "
            "({compared}); largest difference {diff:.1e}, tolerance {tolerance:g}"
        )
        tone = "bad"
    return Note(text.format(compared=compared, diff=step.max_abs_diff, tolerance=step.tolerance), tone=tone)
