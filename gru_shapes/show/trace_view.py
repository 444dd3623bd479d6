"""A trace laid out as sections: one compact block per recurrent call (calls that repeat the same
call in a loop folded together), what the model did with the results, the verdict and the error.

Drawn by the same renderers as a report (:func:`gru_shapes.render.draw`,
:func:`gru_shapes.markdown.block`); with ``full`` each distinct configuration's standalone report
follows its first call, section by section.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gru_shapes.i18n import _, language
from gru_shapes.show.header import module_call
from gru_shapes.show.layout import Column, Line, Note, Panel, Section, Table, Tone
from gru_shapes.show.sections import sections
from gru_shapes.tracing.traced import Trace, TracedCall

# The trace's own section names; later every report section name may be added (--show input,...).
SHOWN = ("calls", "report")
DEFAULT_SHOWN = ("calls",)


def trace_sections(trace: Trace, shown: Sequence[str] = DEFAULT_SHOWN) -> list[Section]:
    """Everything the trace shows, in reading order.

    >>> from gru_shapes.tracing.traced import Trace
    >>> [type(s).__name__ for s in trace_sections(Trace("M", (), None, "en", "eval mode"))]
    ['Panel', 'Note']
    """
    with language(trace.lang):
        return _sections(trace, shown)


def _sections(trace: Trace, shown: Sequence[str]) -> list[Section]:
    parts: list[Section] = [_header(trace)]
    explained: set[Any] = set()
    for group in _runs(trace.calls):
        call = group[0]
        if "calls" in shown:
            parts.append(_call_panel(trace, group))
            if call.uses:
                parts.append(_uses_table(call))
            if call.uses_left_out:
                parts.append(
                    Note(
                        _("{count} more use(s) of {name}'s results not listed").format(
                            count=call.uses_left_out, name=call.name
                        )
                    )
                )
        if "report" in shown and call.spec not in explained:
            explained.add(call.spec)
            parts.extend(sections(call.report))
    if trace.error is not None:
        parts.append(_error_panel(trace))
    parts.append(_verdict(trace))
    parts.extend(Note(_("note: {warning}").format(warning=w)) for w in trace.warnings)
    return parts


def _runs(calls: Sequence[TracedCall]) -> list[list[TracedCall]]:
    """Consecutive calls of one module with the same shapes and the same uses: a loop, shown once."""
    runs: list[list[TracedCall]] = []
    for call in calls:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last.name == call.name
            and last.spec == call.spec
            and last.fed == call.fed
            and [(u.expression, u.shape) for u in last.uses] == [(u.expression, u.shape) for u in call.uses]
        ):
            runs[-1].append(call)
        else:
            runs.append([call])
    return runs


def _header(trace: Trace) -> Panel:
    modules = len(trace.by_module())
    lines = [
        Line(
            _("{count} recurrent call(s) of {modules} module(s) · {mode}").format(
                count=len(trace.calls), modules=modules, mode=trace.mode
            )
        ),
        Line(trace.verdict(), tone=_tone(trace)),
    ]
    return Panel(_("gru-shapes trace: {model}").format(model=trace.model), tuple(lines))


def _fed_words(call: TracedCall) -> str:
    fed = call.fed
    if fed.kind == "packed":
        given = _("PackedSequence data {shape}, lengths {lengths}").format(
            shape=list(fed.shape), lengths=list(fed.lengths or ())
        )
    else:
        given = _("tensor {shape} {dtype}").format(shape=list(fed.shape), dtype=fed.dtype)
    if fed.hx == "none":
        state = _("hx not given (zeros)")
    elif fed.hx == "tuple":
        state = _("hx given as a tuple {shapes}").format(
            shapes=", ".join(str(list(s)) for s in fed.hx_shapes)
        )
    else:
        state = _("hx given as a tensor {shape}").format(shape=", ".join(str(list(s)) for s in fed.hx_shapes))
    return f"{given} · {state}"


def _call_panel(trace: Trace, group: list[TracedCall]) -> Panel:
    call = group[0]
    total = len(trace.by_module()[call.name])
    if len(group) > 1:
        which = _("calls {first}–{last} of {total}").format(
            first=call.index + 1, last=group[-1].index + 1, total=total
        )
    else:
        which = _("call {number} of {total}").format(number=call.index + 1, total=total)
    report = call.report
    returned = ", ".join(f"{key} {list(shape)}" for key, shape in call.returned.items())
    lines = [
        Line(module_call(report), tone="code"),
        Line(_fed_words(call), label=_("passed: ")),
        Line(
            returned or _("nothing: the call raised"),
            label=_("returned: "),
            tone="plain" if returned else "bad",
        ),
    ]
    refused = report.diagnosis is not None and not report.diagnosis.compatible
    if refused and report.diagnosis is not None:
        lines.append(Line(report.diagnosis.explanation, label=_("why: "), tone="bad"))
        best = report.diagnosis.fixes[0] if report.diagnosis.fixes else None
        if best is not None:
            lines.append(Line(best.code or _module_fix(call, best.options), label=_("fix: "), tone="code"))
    if call.failed:
        # The checks are the standalone run's, at the shapes the module expects: not this call's.
        lines.append(
            Line(_("torch refused these shapes; the standalone report shows what the module expects"))
        )
    else:
        checks = sum(1 for check in report.checks if check.passed)
        verdict = _("standalone report: {passed} of {total} checks held").format(
            passed=checks, total=len(report.checks)
        )
        lines.append(Line(verdict, tone="good" if report.passed else "bad"))
    return Panel(f"{call.name} · {which}", tuple(lines), tone="plain" if not call.failed else "bad")


# The standalone tool's option names where torch's keyword differs.
_KEYWORD = {"layers": "num_layers"}


def _module_fix(call: TracedCall, options: dict[str, Any]) -> str:
    """A fix that rebuilds the module, as the constructor call in the model's code."""
    keywords = dict(call.config)
    changed = {_KEYWORD.get(key, key): value for key, value in options.items()}
    keywords.update({key: value for key, value in changed.items() if key in keywords})
    shown = ["input_size", "hidden_size", *(key for key in changed if key in keywords)]
    defaults = {"num_layers": 1, "batch_first": False, "bidirectional": False}
    shown += [key for key, default in defaults.items() if key in keywords and keywords[key] is not default]
    arguments = ", ".join(f"{key}={keywords[key]!r}" for key in dict.fromkeys(shown) if key in keywords)
    return f"{call.name} = nn.{call.module}({arguments})"


def _uses_table(call: TracedCall) -> Table:
    return Table(
        title=_("what the model did next with {name}'s results").format(name=call.name),
        columns=(
            Column("", keep_whole=True),
            # On a narrow screen the shape goes under its expression and the pitfall under what it
            # holds; long expressions wrap at their spaces.
            Column(_("expression"), wide=True),
            Column(_("shape"), keep_whole=True, stacks=True),
            Column(_("holds"), wide=True),
            Column(_("pitfall"), wide=True, stacks=True),
        ),
        rows=tuple(
            (
                _("pitfall") if use.pitfall else _("ok"),
                use.expression
                if use.repeats == 1
                else _("{expression} (×{count})").format(expression=use.expression, count=use.repeats),
                str(list(use.shape)),
                use.holds,
                _pitfall_cell(use.pitfall, use.rule),
            )
            for use in call.uses
        ),
        passed=tuple(use.pitfall is None for use in call.uses),
    )


def _pitfall_cell(pitfall: str | None, rule: str | None) -> str:
    if not pitfall:
        return ""
    return f"{pitfall} [{rule}]" if rule else pitfall


def _error_panel(trace: Trace) -> Panel:
    error = trace.error
    assert error is not None
    lines = [Line(f"{error.type}: {error.message}", label=_("torch: "), tone="bad")]
    if error.line:
        lines.append(Line(error.line, label=_("at: "), tone="code"))
    if error.consumer:
        lines.append(Line(error.consumer, label=_("failed in: "), tone="code"))
    for operand in error.operands:
        origin = trace.calls[operand.call].name if operand.call is not None else ""
        dims = ", ".join(f"{size} {word}" for size, word in zip(operand.shape, operand.dims, strict=False))
        lines.append(
            Line(
                _("{expression} [{dims}], from {name}").format(
                    expression=operand.expression, dims=dims, name=origin
                )
                if origin
                else _("{expression} [{dims}]").format(expression=operand.expression, dims=dims),
                label=_("operand: "),
                tone="code",
            )
        )
    if error.why:
        lines.append(Line(error.why, label=_("why: ")))
    if error.fix is not None:
        tried = _(" (tried on the forward's own tensors: it runs)") if error.fix.verified else ""
        lines.append(
            Line(
                _("{code} in place of {replaces}{tried}").format(
                    code=error.fix.code, replaces=error.fix.replaces, tried=tried
                ),
                label=_("fix: "),
                tone="good",
            )
        )
        lines.append(Line(error.fix.expression, label=_("then: "), tone="code"))
    if not trace.calls:
        lines.append(Line(_("the model raised before any recurrent call"), tone="strong"))
    return Panel(_("the forward pass stopped here"), tuple(lines), tone="bad")


def _tone(trace: Trace) -> Tone:
    status = trace.status
    if status == "failed":
        return "bad"
    if status == "pitfalls":
        return "warning"
    return "plain" if trace.calls else "notice"


def _verdict(trace: Trace) -> Note:
    return Note(trace.verdict(), tone=_tone(trace))


def render(trace: Trace, shown: Sequence[str] = DEFAULT_SHOWN) -> Any:
    """The trace as one rich renderable."""
    from rich.console import Group

    from gru_shapes.show.render import draw

    with language(trace.lang):
        return Group(*(draw(section) for section in trace_sections(trace, shown)))


def text(trace: Trace, width: int | None, styled: bool, shown: Sequence[str] = DEFAULT_SHOWN) -> str:
    """The trace as text for a terminal (plain, with no trailing spaces, for pipes)."""
    from gru_shapes.show.render import printed

    return printed(render(trace, shown), width, styled)


def html(trace: Trace) -> str:
    """The trace as inline-styled HTML, for notebooks."""
    from gru_shapes.show.notebook import html_of

    return html_of(render(trace))


def markdown(trace: Trace, shown: Sequence[str] = DEFAULT_SHOWN) -> str:
    """The trace as GitHub Markdown."""
    from gru_shapes.show.markdown import block

    with language(trace.lang):
        return "\n\n".join(block(section) for section in trace_sections(trace, shown)) + "\n"
