"""The report's tables: each tensor dim by dim, the h_n index map, the checks, the parameters and
the cost; and the packed batch's sizes in one line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from gru_shapes.i18n import N_, _
from gru_shapes.model.cost import human_bytes
from gru_shapes.model.shapes import Omitted, TensorModel
from gru_shapes.report import Check, Report
from gru_shapes.show.layout import Column, Table


def batch_sizes_line(runs: tuple[tuple[int, int], ...]) -> str:
    # Runs of equal sizes: [3]×7 + [2]×13 + [1]×15 reads at once, and stays short for any length.
    shown = " + ".join(f"[{size}]×{count}" if count > 1 else f"[{size}]" for size, count in runs[:12])
    steps = sum(count for _size, count in runs)
    more = " " + _("… ({count} steps)").format(count=f"{steps:,}") if len(runs) > 12 else ""
    return _(
        "batch_sizes = {shown}{more}: sequences still running at each step, "
        "so packed row blocks shrink as short sequences end"
    ).format(shown=shown, more=more)


def tensor_table(tensor: TensorModel, answer: bool = False) -> Table:
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


def state_index_table(report: Report) -> Table:
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


def checks_table(report: Report, only: Sequence[Check] | None = None) -> Table:
    checks = report.checks if only is None else tuple(only)
    refused = report.diagnosis is not None and not report.diagnosis.compatible
    return Table(
        # After a refusal the run below it fed the shapes the module expects, not the shapes given.
        title=_("checks on the tensors of the run with the shapes torch expects, not the shapes given")
        if refused
        else _("checks on this run's tensors"),
        caption=_("eval mode, inference_mode") if report.observed else "",
        columns=(
            Column("", keep_whole=True),
            Column(_("check"), wide=True),
            Column(_("detail"), wide=True, stacks=True),
        ),
        rows=tuple((_("ok") if c.passed else _("FAILED"), c.name, c.detail) for c in checks),
        passed=tuple(c.passed for c in checks),
    )


def parameters_table(report: Report) -> Table:
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


def cost_table(report: Report) -> Table:
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
