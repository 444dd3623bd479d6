"""What the report says, laid out as panels, tables and notes, in the language in force.

Plain data and no rendering library: the rich tables, the Markdown and the SVG all draw these same
sections, so they cannot disagree. Every number here was computed upstream.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from gru_shapes.model.cost import human_bytes
from gru_shapes.show.diagram import Unrolled
from gru_shapes.errors import OptionError
from gru_shapes.i18n import N_, _
from gru_shapes.report.report import Check, Report
from gru_shapes.model.shapes import Omitted, TensorModel

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
    # On a narrow screen this column's cell goes under the previous column's, in the same cell.
    stacks: bool = False


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    # Per row, for a table of checks: whether it passed (its first cell is the mark).
    passed: tuple[bool, ...] = ()
    tone: Tone = "plain"  # of the title: "strong" for the answer's tables


@dataclass(frozen=True)
class Note:
    text: str
    tone: Tone = "warning"


@dataclass(frozen=True)
class Drawing:
    """A picture of the unrolled network (:mod:`gru_shapes.show.diagram`), its title and legend: drawn as
    box-drawing text in the terminal and in Markdown, and as vector shapes in SVG."""

    title: str
    picture: Unrolled
    legend: tuple[str, ...]
    # The same picture with fewer steps at each end, for a screen too narrow for ``picture``.
    narrow: Unrolled | None = None


Section = Panel | Table | Note | Drawing


Builder = Callable[[Report], list[Section]]


@dataclass(frozen=True)
class Named:
    """A section the reader can ask for by name (``--show NAME``): what builds it, and whether the
    default view draws it. ``--help`` and the ``--show`` refusal list the names."""

    name: str
    build: Builder
    default: bool = False
    # Drawn whenever this holds of the report too: a section the user asked for by its own options.
    asked: Callable[[Report], bool] | None = None


def _later(module: str, builder: str) -> Builder:
    """A builder that lives in a module of its own, imported when first drawn: those modules build
    on the section types defined here."""

    def build(report: Report) -> list[Section]:
        built: list[Section] = getattr(importlib.import_module(f"gru_shapes.show.{module}"), builder)(report)
        return built

    return build


def _input_section(report: Report) -> list[Section]:
    return [_tensor_table(t) for t in report.tensors if t.key == "input"]


def _packed_section(report: Report) -> list[Section]:
    return [_tensor_table(t) for t in report.tensors if t.key in _PACKED_KEYS]


def _states_section(report: Report) -> list[Section]:
    return [_tensor_table(t) for t in report.tensors if t.key in _INITIAL_KEYS]


def _index_section(report: Report) -> list[Section]:
    if not report.spec.config.bidirectional:
        return []  # one direction: h_n[i] is layer i, as the h_n table's first row says
    table = _state_index_table(report)
    if report.spec.config.num_layers == 1:  # one row: said in a line
        pairs = zip(table.columns[1:], table.rows[0][1:], strict=True)
        where = ", ".join(f"{cell} {column.header}" for column, cell in pairs)
        return [Note(f"{table.title.split(':')[0]}: {where}", tone="strong")]
    # The title says how to read the grid and is wider than it: a line of its own.
    return [Note(table.title, tone="strong"), replace(table, title="")]


def _checks_section(report: Report) -> list[Section]:
    return [_checks_table(report)] if report.checks else []


def _parameters_section(report: Report) -> list[Section]:
    return [_parameters_table(report)]


def _cost_section(report: Report) -> list[Section]:
    return [_cost_table(report)]


# Every named section, in drawing order. One more is one more line here: (name, builder, default).
REGISTRY: tuple[Named, ...] = (
    Named("input", _input_section),
    Named("states", _states_section),
    Named("packed", _packed_section),
    Named("index", _index_section, default=True),
    Named("checks", _checks_section),
    Named("parameters", _parameters_section),
    Named("cost", _cost_section),
    Named("idioms", _later("idioms_view", "idioms_section")),
    Named("handoff", _later("idioms_view", "handoff_section"), asked=lambda r: r.handoff is not None),
    Named("chunks", _later("idioms_view", "chunks_section"), asked=lambda r: r.chunks is not None),
    Named("diagram", _later("diagram_view", "diagram_section")),
    Named("step", _later("diagram_view", "step_section")),
)

_INPUT_KEYS = ("input",)
_PACKED_KEYS = ("packed_input", "packed_output")
_INITIAL_KEYS = ("h_0", "c_0")


def names() -> tuple[str, ...]:
    """The names ``--show`` accepts, in drawing order.

    >>> names()[:4]
    ('input', 'states', 'packed', 'index')
    """
    return tuple(named.name for named in REGISTRY)


def default_names() -> tuple[str, ...]:
    """The named sections of the default view."""
    return tuple(named.name for named in REGISTRY if named.default)


def chosen(show: str | Iterable[str] | None = None, everything: bool = False) -> tuple[str, ...]:
    """The named sections to draw: the default view plus ``show`` (names, or one comma-separated
    string), or every section.

    >>> chosen("cost, checks")
    ('index', 'checks', 'cost')
    >>> try:
    ...     chosen("nope")
    ... except OptionError as error:
    ...     print(error.option, str(error).endswith("got 'nope'"))
    show True
    """
    if everything:
        return names()
    asked = show.split(",") if isinstance(show, str) else list(show or ())
    wanted = {name.strip().lower() for name in asked if name.strip()}
    unknown = sorted(wanted - set(names()))
    if unknown:
        message = _("--show takes {names}; got {value}").format(
            names=", ".join(names()), value=", ".join(repr(name) for name in unknown)
        )
        raise OptionError("show", message)
    return tuple(name for name in names() if name in wanted or name in default_names())


def sections(report: Report, show: Iterable[str] | None = None) -> list[Section]:
    """What the report shows, in reading order: the call, any refusal, the answer (output and
    final states), the named sections in ``show`` (by default the default view's), and a closing
    verdict, always last, where the eye lands.

    >>> from gru_shapes.api import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> [type(s).__name__ for s in sections(report_for(make_spec(dry_run=True, lang="en")))]
    ['Panel', 'Note', 'Note', 'Table', 'Table', 'Note']
    """
    wanted = default_names() if show is None else tuple(show)
    wanted += tuple(
        n.name for n in REGISTRY if n.asked is not None and n.asked(report) and n.name not in wanted
    )
    parts: list[Section] = [_header(report)]
    if report.diagnosis is not None:
        parts.append(_diagnosis(report))
    if not report.observed:
        parts.append(Note(dry_run_notice(), tone="notice"))
    parts.extend(_answer(report, initial_shown="states" in wanted))
    for named in REGISTRY:
        if named.name in wanted:
            parts.extend(named.build(report))
    parts.extend(Note(_("note: {warning}").format(warning=w)) for w in report.warnings)
    shown = set(wanted)
    summary = _summary(report, shown)
    if summary:
        parts.append(Note(summary, tone="dim"))
    parts.extend(_verdict(report, checks_shown="checks" in shown))
    return parts


def _answer(report: Report, initial_shown: bool) -> list[Section]:
    """What people came for: the tensors the call returns, dim by dim."""
    parts: list[Section] = []
    for tensor in report.tensors:
        if tensor.key in (*_INPUT_KEYS, *_INITIAL_KEYS, *_PACKED_KEYS):
            continue
        parts.append(_tensor_table(tensor, answer=True))
        if tensor.key == "output" and report.batch_size_runs is not None:
            parts.append(Note(_batch_sizes(report.batch_size_runs), tone="plain"))
    if not initial_shown:
        line = _initial_line(report)
        if line:
            parts.insert(0, Note(line, tone="plain"))
    return parts


def _initial_line(report: Report) -> str:
    """h_0 (and c_0) in one line: same dims as the final states, or a pointer to ``--show states``."""
    keys = {t.key for t in report.tensors}
    pairs = [
        (a, b)
        for a, b in (("h_0", "h_n"), ("c_0", "c_n"), ("h_0", "h_1"), ("c_0", "c_1"))
        if a in keys and b in keys
    ]
    if not pairs:
        return ""
    given = ", ".join(f"{a} {list(report.tensor(a).shape)}" for a, _b in pairs)
    same = all(report.tensor(a).dims == report.tensor(b).dims for a, b in pairs)
    if same:
        finals = ", ".join(b for _a, b in pairs)
        return _("{given}: same dims as {finals} (--show states)").format(given=given, finals=finals)
    return _("{given}: the initial state (--show states)").format(given=given)


def _summary(report: Report, shown: set[str]) -> str:
    """Parameters and cost in one line when their tables are not drawn."""
    if "parameters" in shown and "cost" in shown:
        return ""
    cost = report.cost
    return _("parameters {count} · memory {total} · MACs {macs} (--show parameters,cost)").format(
        count=f"{report.prediction.parameter_count:,}",
        total=human_bytes(cost.total_bytes),
        macs=f"{cost.macs:,}",
    )


def _verdict(report: Report, checks_shown: bool) -> list[Section]:
    """The closing lines: a refusal or failed checks in full, or one line saying that all held."""
    parts: list[Section] = []
    failed = [c for c in report.checks if not c.passed]
    if failed and not checks_shown:
        parts.append(_checks_table(report, only=failed))
    if failed:
        parts.append(
            Note(
                _("✗ {failed} of {count} checks FAILED on torch's tensors").format(
                    failed=len(failed), count=len(report.checks)
                ),
                tone="bad",
            )
        )
    elif report.checks:
        more = "" if checks_shown else " " + _("(--show checks)")
        parts.append(
            Note(
                _("✓ all {count} checks held on torch's tensors").format(count=len(report.checks)) + more,
                tone="good",
            )
        )
    # A refusal is the last word: the checks above are of the run with the shapes torch expects.
    diagnosis = report.diagnosis
    if diagnosis is not None and not diagnosis.compatible:
        count = len(diagnosis.fixes)
        parts.append(
            Note(
                _("✗ torch refuses the shapes given; {count} fixes above, each run and accepted").format(
                    count=count
                )
                if count
                else _("✗ torch refuses the shapes given; no change of options made it accept them"),
                tone="bad",
            )
        )
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
            f"{returned} = {name}(packed)  {verb}  data {shape('packed_output')}, {state}",
            f"output, _ = pad_packed_sequence(packed_output, {layout})  {verb}  {shape('output')}",
        ]
    returned = "" if refused else f"  {shape('output')}, {state}"
    if lstm:
        return [f"output, (h_n, c_n) = {name}(input{hx})  {verb}{returned}"]
    return [f"outputs, hidden_state = {name}(inputs{hx})  {verb}{returned}"]


def _header(report: Report) -> Panel:
    observation = report.observation
    facts = [
        f"input {list(report.tensor('input').shape)}"
        + (" " + _("unbatched") if report.spec.unbatched else ""),
        report.device,
        report.spec.dtype,
    ]
    if observation is not None:
        facts.append(f"torch {observation.torch_version}")
    lines = [Line(module_call(report), tone="code")]
    lines += [Line(line, tone="strong") for line in _call_lines(report)]
    lines.append(Line(" · ".join(facts)))
    return Panel("gru-shapes", tuple(lines))


def _diagnosis(report: Report) -> Panel:
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


def _batch_sizes(runs: tuple[tuple[int, int], ...]) -> str:
    # Runs of equal sizes: [3]×7 + [2]×13 + [1]×15 reads at once, and stays short for any length.
    shown = " + ".join(f"[{size}]×{count}" if count > 1 else f"[{size}]" for size, count in runs[:12])
    steps = sum(count for _size, count in runs)
    more = " " + _("… ({count} steps)").format(count=f"{steps:,}") if len(runs) > 12 else ""
    return _(
        "batch_sizes = {shown}{more}: sequences still running at each step, "
        "so packed row blocks shrink as short sequences end"
    ).format(shown=shown, more=more)


def _tensor_table(tensor: TensorModel, answer: bool = False) -> Table:
    return Table(
        title=f"{tensor.title}  {list(tensor.shape)}  — {tensor.about}",
        columns=(
            Column(_("dim"), numeric=True),
            Column(_("size"), numeric=True),
            Column(_("name")),
            Column(_("formula"), keep_whole=True, stacks=True),
            Column(_("meaning"), wide=True),
        ),
        rows=tuple(
            (str(index), str(dim.size), dim.name, dim.formula, dim.meaning)
            for index, dim in enumerate(tensor.dims)
        ),
        tone="strong" if answer else "plain",
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
    # One row per layer, one column per direction: the grid h_n.view(...) makes of dim 0.
    directions = ("forward", "backward") if config.bidirectional else ("forward",)
    slots = {(s.layer, s.direction): s.index for s in report.prediction.state_slots}
    rows = tuple(
        (str(layer), *(f"h_n[{slots[layer, d]}]" for d in directions))
        for layer in sorted({layer for layer, _d in slots})  # the listed layers only: never all of them
    )
    same = _("same as {view}").format(view=f"{view}[layer, direction]")
    omitted = report.prediction.slots_omitted
    if omitted is not None:  # after layer 1's row: the layers left out come between 1 and the last
        rows = (*rows[:2], ("…", _omitted(omitted), *("" for _d in directions[1:])), *rows[2:])
    return Table(
        title=f"{title}: {same}",
        columns=(
            Column(_("layer"), numeric=True),
            *(Column(_(_DIRECTION_WORDS[d]), keep_whole=True) for d in directions),
        ),
        rows=rows,
    )


_DIRECTION_WORDS = {"forward": N_("forward"), "backward": N_("backward")}


def _checks_table(report: Report, only: Sequence[Check] | None = None) -> Table:
    checks = report.checks if only is None else tuple(only)
    return Table(
        title=_("checks on this run's tensors"),
        caption=_("eval mode, inference_mode") if report.observed else "",
        columns=(
            Column("", keep_whole=True),
            Column(_("check"), wide=True),
            Column(_("detail"), wide=True, stacks=True),
        ),
        rows=tuple((_("ok") if c.passed else _("FAILED"), c.name, c.detail) for c in checks),
        passed=tuple(c.passed for c in checks),
    )


def _parameters_table(report: Report) -> Table:
    prediction = report.prediction
    caption = _("{count} parameters, {bytes} bytes ({dtype})").format(
        count=f"{prediction.parameter_count:,}",
        bytes=f"{report.cost.parameter_bytes:,}",
        dtype=report.spec.dtype,
    )
    # The gate layout is the same on most rows: said once in the title, shown only where it differs.
    layouts = Counter(p.rows for p in prediction.parameters)
    common = layouts.most_common(1)[0][0] if layouts else ""
    title = _("parameters (named_parameters() order)")
    if common:
        title += " · " + _("rows: gates") + " " + common
    rows = [
        (
            p.name,
            str(list(p.shape)),
            f"{p.numel:,}",
            ", ".join(x for x in (p.columns, "" if p.rows == common else p.rows) if x),
        )
        for p in prediction.parameters
    ]
    omitted = prediction.parameters_omitted
    if omitted is not None:
        at = sum(1 for p in prediction.parameters if p.layer <= omitted.like)
        rows.insert(at, ("…", "", f"{omitted.numel:,}", _omitted(omitted)))
    return Table(
        title=title,
        columns=(
            Column(_("name"), keep_whole=True),
            Column(_("shape"), keep_whole=True),
            Column(_("numel"), numeric=True),
            Column(_("columns: what they read"), wide=True),
        ),
        rows=tuple(rows),
        caption=caption,
    )


def _omitted(omitted: Omitted) -> str:
    return _("layers {first} to {last} ({count} entries) left out: each is like layer {like}").format(
        first=f"{omitted.first:,}", last=f"{omitted.last:,}", count=f"{omitted.entries:,}", like=omitted.like
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
