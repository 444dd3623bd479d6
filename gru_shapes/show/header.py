"""The top of a report: the constructor and the call as code, what it returns, and the diagnosis
of given shapes; the bottom's dry-run notice.
"""

from __future__ import annotations

from gru_shapes.i18n import _
from gru_shapes.report import Report
from gru_shapes.show.layout import Line, Panel


def dry_run_notice() -> str:
    return _(
        "Dry run: every shape below is predicted by the shape model, not observed; "
        "no module was built and nothing ran."
    )


# Shown in the call whatever their value, as the notebook shows them; the rest only when not torch's default.
_ALWAYS_SHOWN = ("input_size", "hidden_size", "num_layers", "batch_first", "bidirectional")
_TORCH_DEFAULTS = {"bias": True, "dropout": 0.0, "proj_size": 0, "nonlinearity": "tanh"}


def module_call(report: Report) -> str:
    """The constructor call as code, e.g. ``nn.GRU(input_size=10, hidden_size=32, ...)``."""
    keywords = report.spec.config.keywords()
    shown = [n for n in _ALWAYS_SHOWN if n in keywords]
    shown += [n for n, default in _TORCH_DEFAULTS.items() if n in keywords and keywords[n] != default]
    arguments = ", ".join(f"{name}={keywords[name]!r}" for name in shown)
    return f"nn.{report.spec.module}({arguments})"


def call_lines(report: Report) -> list[str]:
    """The forward call as code, and what it returns (or would)."""
    spec = report.spec
    config = spec.config
    verb = _("returns") if report.observed else _("would return")

    def shape(key: str) -> str:
        return str(list(report.tensor(key).shape))

    name = "cell" if config.is_cell else config.family.lower()
    lstm = config.family == "LSTM"
    diagnosis = report.diagnosis
    refused = diagnosis is not None and not diagnosis.compatible
    if refused:  # the tables below show what it returns with the shapes torch expects
        verb = _("✗ refused by torch")
    if config.is_cell:
        if lstm:
            returned = "" if refused else f"  {shape('h_1')}, {shape('c_1')}"
            return [f"h_1, c_1 = {name}(input, (h_0, c_0))  {verb}{returned}"]
        return [f"h_1 = {name}(input, h_0)  {verb}" + ("" if refused else f"  {shape('h_1')}")]
    state = f"({shape('h_n')}, {shape('c_n')})" if lstm else shape("h_n")
    # The call as it was made: with h_0 (and c_0) only when they were passed.
    fed = set(diagnosis.fed) if diagnosis is not None else set()
    hx = ""
    if "h_0" in fed:
        hx = ", (h_0, c_0)" if lstm and "c_0" in fed else ", h_0"
    if spec.lengths:
        returned = "packed_output, (h_n, c_n)" if lstm else "packed_output, h_n"
        lengths = list(spec.lengths) if len(spec.lengths) <= 8 else f"<{len(spec.lengths)} lengths>"
        layout = f"batch_first={config.batch_first}"
        return [
            f"packed = pack_padded_sequence(x, {lengths}, {layout}, enforce_sorted=False)",
            f"{returned} = {name}(packed{hx})  {verb}  data {shape('packed_output')}, {state}",
            f"output, _ = pad_packed_sequence(packed_output, {layout})  {verb}  {shape('output')}",
        ]
    returned = "" if refused else f"  {shape('output')}, {state}"
    if lstm:
        return [f"output, (h_n, c_n) = {name}(input{hx})  {verb}{returned}"]
    return [f"outputs, hidden_state = {name}(inputs{hx})  {verb}{returned}"]


def header(report: Report) -> Panel:
    observation = report.observation
    diagnosis = report.diagnosis
    if diagnosis is not None and not diagnosis.compatible:
        # A refusal is about the shapes given: the header shows them, not the run's expected ones.
        given = ", ".join(f"{key} {list(shape)}" for key, shape in diagnosis.fed.items())
        first = _("{given} (given)").format(given=given)
    else:
        first = f"input {list(report.tensor('input').shape)}" + (
            " " + _("unbatched") if report.spec.unbatched else ""
        )
    facts = [
        first,
        report.device,
        report.spec.dtype,
    ]
    if observation is not None:
        facts.append(f"torch {observation.torch_version}")
    lines = [Line(module_call(report), tone="code")]
    lines += [Line(line, tone="strong") for line in call_lines(report)]
    lines.append(Line(" · ".join(facts)))
    return Panel("gru-shapes", tuple(lines))


def diagnosis_panel(report: Report) -> Panel:
    diagnosis = report.diagnosis
    assert diagnosis is not None
    given = ", ".join(f"{key} {list(shape)}" for key, shape in diagnosis.fed.items())
    lines = [Line(given, label=_("given: "))]
    notes = [Line(note, tone="notice") for note in diagnosis.notes]
    fixes = [Line(f"  {fix.rank}. {fix.change}") for fix in diagnosis.fixes]
    if diagnosis.compatible:
        suspect = diagnosis.verdict == "suspect"
        lines.append(Line(diagnosis.explanation, tone="warning" if suspect else "plain"))
        lines.extend(notes)
        if fixes:
            heading = (
                _("to be read as meant, each run and accepted by torch:") if suspect else _("also runs:")
            )
            lines.append(Line(heading, tone="strong"))
            lines.extend(fixes)
        if suspect:
            return Panel(_("torch accepts, but reads your input otherwise"), tuple(lines), tone="warning")
        return Panel(_("torch accepts these shapes"), tuple(lines), tone="good")
    expected = ", ".join(f"{key} {list(shape)}" for key, shape in diagnosis.expected.items())
    lines.append(Line(diagnosis.torch_error or "", label=_("torch: "), tone="bad"))
    lines.append(Line(diagnosis.explanation, label=_("why: ")))
    lines.append(Line(expected, label=_("expected here: ")))
    lines.extend(notes)
    if fixes:
        lines.append(Line(_("fixes, best first, each one run and accepted by torch:"), tone="strong"))
        lines.extend(fixes)
    else:
        lines.append(Line(_("no change of options made torch accept these shapes"), tone="strong"))
    lines.extend(
        Line(_("  not built (over the memory budget): {change}").format(change=u.change), tone="dim")
        for u in diagnosis.unbuilt
    )
    lines.append(Line(_("The tables below are a run with the shapes this module expects."), tone="dim"))
    return Panel(_("torch refuses these shapes"), tuple(lines), tone="bad")
