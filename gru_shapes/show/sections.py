"""What the report says, in reading order: the named sections a reader can ask for (``--show``),
the default view, and the closing verdict, in the language in force.

Plain data and no rendering library (:mod:`gru_shapes.show.layout`); every number was computed
upstream. One more named section is one more line in :data:`REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.model.cost import human_bytes
from gru_shapes.model.validate import Shown
from gru_shapes.report import Report
from gru_shapes.show import diagram_view, idioms_view, onnx_view
from gru_shapes.show.header import diagnosis_panel, dry_run_notice, header
from gru_shapes.show.layout import Note, Section
from gru_shapes.show.tables import (
    batch_sizes_line,
    checks_table,
    cost_table,
    parameters_table,
    state_index_table,
    tensor_table,
)

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


def _input_section(report: Report) -> list[Section]:
    return [tensor_table(t) for t in report.tensors if t.key == "input"]


def _packed_section(report: Report) -> list[Section]:
    tables: list[Section] = [tensor_table(t) for t in report.tensors if t.key in _PACKED_KEYS]
    if tables:
        return tables
    # Asked for by name, it says why it is empty rather than add nothing.
    if report.spec.config.is_cell:
        return [Note(_("packed: a cell takes one time step, so there is nothing to pack"), tone="dim")]
    return [
        Note(
            _("packed: this input is not packed; give --lengths 35,20,7 to pack a batch of three"), tone="dim"
        )
    ]


def _states_section(report: Report) -> list[Section]:
    return [tensor_table(t) for t in report.tensors if t.key in _INITIAL_KEYS]


def _index_section(report: Report) -> list[Section]:
    if not report.spec.config.bidirectional:
        return []  # one direction: h_n[i] is layer i, as the h_n table's first row says
    table = state_index_table(report)
    if report.spec.config.num_layers == 1:  # one row: said in a line
        pairs = zip(table.columns[1:], table.rows[0][1:], strict=True)
        where = ", ".join(f"{cell} {column.header}" for column, cell in pairs)
        return [Note(f"{table.title.split(':')[0]}: {where}", tone="strong")]
    # The title says how to read the grid and is wider than it: a line of its own.
    return [Note(table.title, tone="strong"), replace(table, title="")]


def _checks_section(report: Report) -> list[Section]:
    return [checks_table(report)] if report.checks else []


def _parameters_section(report: Report) -> list[Section]:
    return [parameters_table(report)]


def _cost_section(report: Report) -> list[Section]:
    return [cost_table(report)]


# Every named section, in drawing order. One more is one more line here: (name, builder, default).
REGISTRY: tuple[Named, ...] = (
    Named("input", _input_section),
    Named("states", _states_section),
    Named("packed", _packed_section),
    Named("index", _index_section, default=True),
    Named("checks", _checks_section),
    Named("parameters", _parameters_section),
    Named("cost", _cost_section),
    Named("idioms", idioms_view.idioms_section),
    Named("handoff", idioms_view.handoff_section, asked=lambda r: r.handoff is not None),
    Named("chunks", idioms_view.chunks_section, asked=lambda r: r.chunks is not None),
    Named("diagram", diagram_view.diagram_section),
    Named("step", diagram_view.step_section),
    Named("onnx", onnx_view.onnx_section, asked=lambda r: r.onnx is not None),
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
    # A batch line's JSON may hold anything: what is not a name is refused, named.
    asked: list[object] = [show]
    if isinstance(show, str):
        asked = list(show.split(","))
    elif isinstance(show, (list, tuple, set, frozenset, type(None))):
        asked = list(show or ())
    odd = [name for name in asked if not isinstance(name, str)]
    wanted = {name.strip().lower() for name in asked if isinstance(name, str) and name.strip()}
    unknown = [repr(Shown(name)) for name in odd] + [repr(name) for name in sorted(wanted - set(names()))]
    if unknown:
        message = _("--show takes {names}; got {value}").format(
            names=", ".join(names()), value=", ".join(unknown)
        )
        raise OptionError("show", message)
    return tuple(name for name in names() if name in wanted or name in default_names())


def sections(report: Report, show: Iterable[str] | None = None) -> list[Section]:
    """What the report shows, in reading order: the call, any refusal, the answer (output and
    final states), the named sections in ``show`` (by default the default view's), and a closing
    verdict, always last, where the eye lands.

    >>> from gru_shapes.run.pipeline import report_for
    >>> from gru_shapes.model.spec import make_spec
    >>> [type(s).__name__ for s in sections(report_for(make_spec(dry_run=True, lang="en")))]
    ['Panel', 'Note', 'Note', 'Table', 'Table', 'Note']
    """
    wanted = default_names() if show is None else tuple(show)
    wanted += tuple(
        n.name for n in REGISTRY if n.asked is not None and n.asked(report) and n.name not in wanted
    )
    parts: list[Section] = [header(report)]
    if report.diagnosis is not None:
        parts.append(diagnosis_panel(report))
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
        table = tensor_table(tensor, answer=True)
        if tensor.key == "h_n":
            table = replace(table, caption=_backward_caption(report))
        parts.append(table)
        if tensor.key == "output" and report.batch_size_runs is not None:
            parts.append(Note(batch_sizes_line(report.batch_size_runs), tone="plain"))
    projected = _projection_line(report)
    if projected:
        parts.append(Note(projected, tone="plain"))
    if not initial_shown:
        line = _initial_line(report)
        if line:
            parts.insert(0, Note(line, tone="plain"))
    return parts


def _backward_caption(report: Report) -> str:
    """For two directions, the question asked most: where the backward final state is in output."""
    config = report.spec.config
    if not config.bidirectional or config.is_cell:
        return ""
    h = config.h_size
    step = "output[0, {h}:]" if report.spec.unbatched else "output[:, 0, {h}:]"
    if not report.spec.unbatched and not config.batch_first:
        step = "output[0, :, {h}:]"
    return _(
        "h_n[-1], the backward final state, is output at step 0: {step}; h_n[-2], the forward one, is at the "
        "last step: {last}"
    ).format(step=step.format(h=h), last=_forward_at_last(report))


def _forward_at_last(report: Report) -> str:
    config = report.spec.config
    h = config.h_size
    if report.spec.packed:
        return _("each sequence's own last step")
    if report.spec.unbatched:
        return f"output[-1, :{h}]"
    return f"output[:, -1, :{h}]" if config.batch_first else f"output[-1, :, :{h}]"


def _projection_line(report: Report) -> str:
    """An LSTM with proj_size: the weights whose shape it changes, in one line."""
    config = report.spec.config
    if config.module != "LSTM" or not config.proj_size:
        return ""
    shapes = {p.name: list(p.shape) for p in report.prediction.parameters}
    return _(
        "proj_size={proj} makes weight_hh_l0 {hh} (4 × hidden_size, proj_size) and adds weight_hr_l0 {hr}: "
        "h has {proj} features, c {hidden}"
    ).format(
        proj=config.proj_size, hidden=config.hidden_size, hh=shapes["weight_hh_l0"], hr=shapes["weight_hr_l0"]
    )


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
    """Parameters and cost in one line, each part only where its table is not drawn, and the hint
    naming only the sections left to ask for."""
    cost = report.cost
    parts, missing = [], []
    if "parameters" not in shown:
        parts.append(_("parameters {count}").format(count=f"{report.prediction.parameter_count:,}"))
        missing.append("parameters")
    if "cost" not in shown:
        parts.append(
            _("memory {total} · MACs {macs}").format(
                total=human_bytes(cost.total_bytes), macs=f"{cost.macs:,}"
            )
        )
        missing.append("cost")
    if not parts:
        return ""
    return f"{' · '.join(parts)} (--show {','.join(missing)})"


def _verdict(report: Report, checks_shown: bool) -> list[Section]:
    """The closing lines: a refusal or failed checks in full, or one line saying that all held."""
    parts: list[Section] = []
    refused = report.diagnosis is not None and not report.diagnosis.compatible
    failed = [c for c in report.checks if not c.passed]
    if failed and not checks_shown:
        parts.append(checks_table(report, only=failed))
    if failed:
        parts.append(
            Note(
                _("✗ {failed} of {count} checks FAILED on torch's tensors").format(
                    failed=len(failed), count=len(report.checks)
                ),
                tone="bad",
            )
        )
    elif report.checks and not (refused and not checks_shown):
        # After a refusal the checks held on a run with other shapes than the user's: they would read
        # as a verdict on the shapes given, so the default view leaves them out.
        more = "" if checks_shown else " " + _("(--show checks)")
        parts.append(
            Note(
                _("✓ all {count} checks held on torch's tensors").format(count=len(report.checks)) + more,
                tone="good",
            )
        )
    # A refusal is the last word: the checks above are of the run with the shapes torch expects.
    diagnosis = report.diagnosis
    if diagnosis is not None and diagnosis.verdict == "suspect":
        # Torch ran it, so the exit status is 0: the warning is said where the eye lands too.
        parts.append(
            Note(
                _(
                    "! torch runs the shapes given but reads the input otherwise than meant: {count} fixes above"
                ).format(count=len(diagnosis.fixes)),
                tone="warning",
            )
        )
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
