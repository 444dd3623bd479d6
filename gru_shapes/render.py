"""Rich tables from a report. Display only: every number here was computed upstream."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gru_shapes.cost import human_bytes
from gru_shapes.report import Report
from gru_shapes.shapes import TensorModel

DRY_RUN_NOTICE = (
    "Dry run: every shape below is predicted by the shape model, not observed; "
    "no module was built and nothing ran."
)


def render(report: Report) -> Group:
    """Every table of the report, in reading order, as one renderable for ``Console.print``."""
    parts: list[RenderableType] = [_header(report)]
    if not report.observed:
        parts.append(Text(DRY_RUN_NOTICE, style="bold yellow"))
    parts.extend(_tensor_table(report, t) for t in report.tensors)
    parts.append(_state_index_table(report))
    if report.checks:
        parts.append(_checks_table(report))
    parts.append(_parameters_table(report))
    parts.append(_cost_table(report))
    parts.extend(Text(f"note: {w}", style="yellow") for w in report.warnings)
    return Group(*parts)


def module_call(report: Report) -> str:
    """The constructor call as code, e.g. ``nn.GRU(input_size=10, hidden_size=32, ...)``."""
    config = report.spec.config
    shown = ["input_size", "hidden_size", "num_layers", "batch_first", "bidirectional"]
    if not config.bias:
        shown.append("bias")
    if config.dropout:
        shown.append("dropout")
    keywords = config.keywords()
    arguments = ", ".join(f"{name}={keywords[name]!r}" for name in shown)
    return f"nn.{report.spec.module}({arguments})"


def _header(report: Report) -> Panel:
    observation = report.observation
    facts = [
        f"input {list(report.tensor('input').shape)}",
        f"device {report.device}",
        f"dtype {report.spec.dtype}",
    ]
    if observation is not None:
        facts.append(f"torch {observation.torch_version}")
        facts.append("eval mode, inference_mode")
    output, h_n = report.tensor("output").shape, report.tensor("h_n").shape
    verb = "returns" if observation is not None else "would return"
    returned = f"outputs, hidden_state = gru(inputs)  {verb}  {list(output)}, {list(h_n)}"
    body = Text.assemble((module_call(report), "bold cyan"), "\n", returned, "\n", " · ".join(facts))
    return Panel(body, title="gru-shapes", title_align="left", expand=False)


def _tensor_table(report: Report, tensor: TensorModel) -> Table:
    table = Table(title=Text(f"{tensor.title}  {list(tensor.shape)}  — {tensor.about}"), title_justify="left")
    table.add_column("dim", justify="right")
    table.add_column("size", justify="right", style="bold")
    table.add_column("name")
    table.add_column("formula", no_wrap=True)
    table.add_column("meaning", ratio=1)
    for index, dim in enumerate(tensor.dims):
        table.add_row(str(index), str(dim.size), dim.name, Text(dim.formula), Text(dim.meaning))
    return table


def _state_index_table(report: Report) -> Table:
    config = report.spec.config
    view = f"h_n.view({config.num_layers}, {config.num_directions}, batch, {config.hidden_size})"
    table = Table(title="h_n index map (layer-major)", title_justify="left")
    table.add_column("slice", no_wrap=True)
    table.add_column("layer", justify="right")
    table.add_column("direction")
    table.add_column(Text(f"same as {view}"), no_wrap=True)
    for slot in report.prediction.state_slots:
        direction = 1 if slot.direction == "backward" else 0
        table.add_row(
            Text(f"h_n[{slot.index}]"), str(slot.layer), slot.direction, Text(f"[{slot.layer}, {direction}]")
        )
    return table


def _checks_table(report: Report) -> Table:
    table = Table(title="checks on this run's tensors", title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("check", ratio=1)
    table.add_column("detail", ratio=1)
    for check in report.checks:
        mark = Text("ok", style="green") if check.passed else Text("FAILED", style="bold red")
        table.add_row(mark, Text(check.name), Text(check.detail))
    return table


def _parameters_table(report: Report) -> Table:
    prediction = report.prediction
    total = f"{prediction.parameter_count:,} parameters, {report.cost.parameter_bytes:,} bytes ({report.spec.dtype})"
    table = Table(
        title="parameters (named_parameters() order)",
        title_justify="left",
        caption=total,
        caption_justify="left",
    )
    table.add_column("name", no_wrap=True)
    table.add_column("shape", no_wrap=True)
    table.add_column("numel", justify="right")
    table.add_column("rows: gates", ratio=1)
    table.add_column("columns: what they read", ratio=1)
    for parameter in prediction.parameters:
        shape = Text(str(list(parameter.shape)))
        columns = Text(parameter.columns or "")
        table.add_row(parameter.name, shape, f"{parameter.numel:,}", Text(parameter.rows), columns)
    return table


def _cost_table(report: Report) -> Table:
    cost = report.cost
    table = Table(title="cost of one forward pass (estimated before running)", title_justify="left")
    table.add_column("what")
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("counted as", ratio=1)
    rows = [
        ("parameters", cost.parameter_bytes, "every weight and bias at this dtype"),
        (
            "activations",
            cost.activation_bytes,
            "peak added by the forward pass on the CPU: tensors in and out, per-layer intermediates",
        ),
        ("total", cost.total_bytes, "what the memory guard compares with its budget"),
    ]
    for what, count, counted in rows:
        table.add_row(what, human_bytes(count), Text(counted))
    table.add_row(
        "MACs",
        f"{cost.macs:,}",
        Text("multiply-accumulates of the matrix products; biases and gate element-wise ops not counted"),
    )
    return table
