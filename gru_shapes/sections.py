"""What the report says, laid out as panels, tables and notes, in the language in force.

Plain data and no rendering library: the rich tables, the Markdown and the SVG all draw these same
sections, so they cannot disagree. Every number here was computed upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gru_shapes.cost import human_bytes
from gru_shapes.diagram import Unrolled
from gru_shapes.i18n import N_, _
from gru_shapes.report import Report
from gru_shapes.shapes import TensorModel

Tone = Literal["plain", "strong", "good", "bad", "notice", "warning", "code", "dim"]


@dataclass(frozen=True)
class Line:
    """One line of a panel: an optional bold label, then text in a tone."""

    text: str
    label: str = ""
    tone: Tone = "plain"


@dataclass(frozen=True)
class Panel:
    title: str
    lines: tuple[Line, ...]
    tone: Tone = "plain"


@dataclass(frozen=True)
class Column:
    header: str
    numeric: bool = False  # right-aligned
    keep_whole: bool = False  # never wrapped: numbers, shapes, code
    wide: bool = False  # takes the spare width and wraps


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    # Per row, for a table of checks: whether it passed (its first cell is the mark).
    passed: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Note:
    text: str
    tone: Tone = "warning"


@dataclass(frozen=True)
class Drawing:
    """A picture of the unrolled network (:mod:`gru_shapes.diagram`), its title and legend: drawn as
    box-drawing text in the terminal and in Markdown, and as vector shapes in SVG."""

    title: str
    picture: Unrolled
    legend: tuple[str, ...]


Section = Panel | Table | Note | Drawing


def sections(report: Report) -> list[Section]:
    """Everything the report shows, in reading order."""
    parts: list[Section] = [_header(report)]
    if report.diagnosis is not None:
        parts.append(_diagnosis(report))
    if not report.observed:
        parts.append(Note(dry_run_notice(), tone="notice"))
    parts.extend(_tensor_table(t) for t in report.tensors)
    if report.batch_sizes is not None:
        parts.append(Note(_batch_sizes(report.batch_sizes), tone="plain"))
    if report.prediction.state_slots:
        parts.append(_state_index_table(report))
    if report.checks:
        parts.append(_checks_table(report))
    parts.append(_parameters_table(report))
    parts.append(_cost_table(report))
    parts.extend(Note(_("note: {warning}").format(warning=w)) for w in report.warnings)
    return parts


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


def _call_lines(report: Report) -> list[str]:
    """The forward call as code, and what it returns (or would)."""
    spec = report.spec
    config = spec.config
    verb = _("returns") if report.observed else _("would return")

    def shape(key: str) -> str:
        return str(list(report.tensor(key).shape))

    name = "cell" if config.is_cell else config.family.lower()
    lstm = config.family == "LSTM"
    if config.is_cell:
        if lstm:
            return [f"h_1, c_1 = {name}(input, (h_0, c_0))  {verb}  {shape('h_1')}, {shape('c_1')}"]
        return [f"h_1 = {name}(input, h_0)  {verb}  {shape('h_1')}"]
    state = f"({shape('h_n')}, {shape('c_n')})" if lstm else shape("h_n")
    if spec.lengths:
        returned = "packed_output, (h_n, c_n)" if lstm else "packed_output, h_n"
        lengths = list(spec.lengths) if len(spec.lengths) <= 8 else f"<{len(spec.lengths)} lengths>"
        layout = f"batch_first={config.batch_first}"
        return [
            f"packed = pack_padded_sequence(x, {lengths}, {layout}, enforce_sorted=False)",
            f"{returned} = {name}(packed)  {verb}  data {shape('packed_output')}, {state}",
            f"output, _ = pad_packed_sequence(packed_output, {layout})  {verb}  {shape('output')}",
        ]
    if lstm:
        return [f"output, (h_n, c_n) = {name}(input)  {verb}  {shape('output')}, {state}"]
    return [f"outputs, hidden_state = {name}(inputs)  {verb}  {shape('output')}, {state}"]


def _header(report: Report) -> Panel:
    observation = report.observation
    facts = [
        f"input {list(report.tensor('input').shape)}"
        + (" " + _("unbatched") if report.spec.unbatched else ""),
        f"device {report.device}",
        f"dtype {report.spec.dtype}",
    ]
    if observation is not None:
        facts.append(f"torch {observation.torch_version}")
        facts.append(_("eval mode, inference_mode"))
    lines = [Line(module_call(report), tone="code")]
    lines += [Line(line) for line in _call_lines(report)]
    lines.append(Line(" · ".join(facts)))
    return Panel("gru-shapes", tuple(lines))


def _diagnosis(report: Report) -> Panel:
    diagnosis = report.diagnosis
    assert diagnosis is not None
    given = ", ".join(f"{key} {list(shape)}" for key, shape in diagnosis.fed.items())
    lines = [Line(given, label=_("given: "))]
    if diagnosis.compatible:
        lines.append(Line(diagnosis.explanation))
        return Panel(_("torch accepts these shapes"), tuple(lines), tone="good")
    expected = ", ".join(f"{key} {list(shape)}" for key, shape in diagnosis.expected.items())
    lines.append(Line(diagnosis.torch_error or "", label=_("torch: "), tone="bad"))
    lines.append(Line(diagnosis.explanation, label=_("why: ")))
    lines.append(Line(expected, label=_("expected here: ")))
    if diagnosis.fixes:
        lines.append(Line(_("fixes, each one run and accepted by torch:"), tone="strong"))
        lines.extend(Line(f"  • {fix.change}") for fix in diagnosis.fixes)
    else:
        lines.append(Line(_("no change of options made torch accept these shapes"), tone="strong"))
    lines.append(Line(_("The tables below are a run with the shapes this module expects."), tone="dim"))
    return Panel(_("torch refuses these shapes"), tuple(lines), tone="bad")


def _batch_sizes(batch_sizes: tuple[int, ...]) -> str:
    shown = list(batch_sizes[:24])
    more = " " + _("… ({count} steps)").format(count=len(batch_sizes)) if len(batch_sizes) > 24 else ""
    return _(
        "batch_sizes = {shown}{more}: sequences still running at each step, "
        "so packed row blocks shrink as short sequences end"
    ).format(shown=shown, more=more)


def _tensor_table(tensor: TensorModel) -> Table:
    return Table(
        title=f"{tensor.title}  {list(tensor.shape)}  — {tensor.about}",
        columns=(
            Column(_("dim"), numeric=True),
            Column(_("size"), numeric=True),
            Column(_("name")),
            Column(_("formula"), keep_whole=True),
            Column(_("meaning"), wide=True),
        ),
        rows=tuple(
            (str(index), str(dim.size), dim.name, dim.formula, dim.meaning)
            for index, dim in enumerate(tensor.dims)
        ),
    )


def _state_index_table(report: Report) -> Table:
    config = report.spec.config
    batch = "" if report.spec.unbatched else "batch, "
    view = f"h_n.view({config.num_layers}, {config.num_directions}, {batch}{config.h_size})"
    title = (
        _("h_n and c_n index map (layer-major)")
        if config.family == "LSTM"
        else _("h_n index map (layer-major)")
    )
    rows = []
    for slot in report.prediction.state_slots:
        direction = 1 if slot.direction == "backward" else 0
        words = _DIRECTION_WORDS[slot.direction]
        rows.append((f"h_n[{slot.index}]", str(slot.layer), _(words), f"[{slot.layer}, {direction}]"))
    return Table(
        title=title,
        columns=(
            Column(_("slice"), keep_whole=True),
            Column(_("layer"), numeric=True),
            Column(_("direction")),
            Column(_("same as {view}").format(view=view), keep_whole=True),
        ),
        rows=tuple(rows),
    )


_DIRECTION_WORDS = {"forward": N_("forward"), "backward": N_("backward")}


def _checks_table(report: Report) -> Table:
    return Table(
        title=_("checks on this run's tensors"),
        columns=(Column("", keep_whole=True), Column(_("check"), wide=True), Column(_("detail"), wide=True)),
        rows=tuple((_("ok") if c.passed else _("FAILED"), c.name, c.detail) for c in report.checks),
        passed=tuple(c.passed for c in report.checks),
    )


def _parameters_table(report: Report) -> Table:
    prediction = report.prediction
    caption = _("{count} parameters, {bytes} bytes ({dtype})").format(
        count=f"{prediction.parameter_count:,}",
        bytes=f"{report.cost.parameter_bytes:,}",
        dtype=report.spec.dtype,
    )
    return Table(
        title=_("parameters (named_parameters() order)"),
        columns=(
            Column(_("name"), keep_whole=True),
            Column(_("shape"), keep_whole=True),
            Column(_("numel"), numeric=True),
            Column(_("rows: gates"), wide=True),
            Column(_("columns: what they read"), wide=True),
        ),
        rows=tuple(
            (p.name, str(list(p.shape)), f"{p.numel:,}", p.rows, p.columns or "")
            for p in prediction.parameters
        ),
        caption=caption,
    )


def _cost_table(report: Report) -> Table:
    cost = report.cost
    rows = (
        (_("parameters"), human_bytes(cost.parameter_bytes), _("every weight and bias at this dtype")),
        (
            _("activations"),
            human_bytes(cost.activation_bytes),
            _("peak added by the forward pass on the CPU: tensors in and out, per-layer intermediates"),
        ),
        (_("total"), human_bytes(cost.total_bytes), _("what the memory guard compares with its budget")),
        (
            "MACs",
            f"{cost.macs:,}",
            _("multiply-accumulates of the matrix products; biases and gate element-wise ops not counted"),
        ),
    )
    return Table(
        title=_("cost of one forward pass (estimated before running)"),
        columns=(
            Column(_("what")),
            Column(_("amount"), numeric=True, keep_whole=True),
            Column(_("counted as"), wide=True),
        ),
        rows=rows,
    )
