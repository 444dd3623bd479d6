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
    if report.diagnosis is not None:
        parts.append(_diagnosis_panel(report))
    if not report.observed:
        parts.append(Text(DRY_RUN_NOTICE, style="bold yellow"))
    parts.extend(_tensor_table(report, t) for t in report.tensors)
    if report.batch_sizes is not None:
        parts.append(_batch_sizes_line(report.batch_sizes))
    if report.prediction.state_slots:
        parts.append(_state_index_table(report))
    if report.checks:
        parts.append(_checks_table(report))
    parts.append(_parameters_table(report))
    parts.append(_cost_table(report))
    parts.extend(Text(f"note: {w}", style="yellow") for w in report.warnings)
    return Group(*parts)


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
    verb = "returns" if report.observed else "would return"

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
        f"input {list(report.tensor('input').shape)}" + (" unbatched" if report.spec.unbatched else ""),
        f"device {report.device}",
        f"dtype {report.spec.dtype}",
    ]
    if observation is not None:
        facts.append(f"torch {observation.torch_version}")
        facts.append("eval mode, inference_mode")
    lines: list[str | tuple[str, str]] = [(module_call(report), "bold cyan")]
    for line in [*_call_lines(report), " · ".join(facts)]:
        lines += ["\n", line]
    return Panel(Text.assemble(*lines), title="gru-shapes", title_align="left", expand=False)


def _diagnosis_panel(report: Report) -> Panel:
    diagnosis = report.diagnosis
    assert diagnosis is not None
    given = ", ".join(f"{key} {list(shape)}" for key, shape in diagnosis.fed.items())
    text = Text.assemble(("given: ", "bold"), given, "\n")
    if diagnosis.compatible:
        text.append(diagnosis.explanation)
        return Panel(text, title="torch accepts these shapes", title_align="left", border_style="green")
    expected = ", ".join(f"{key} {list(shape)}" for key, shape in diagnosis.expected.items())
    text.append_text(Text.assemble(("torch: ", "bold"), (diagnosis.torch_error or "", "red"), "\n"))
    text.append_text(Text.assemble(("why: ", "bold"), diagnosis.explanation, "\n"))
    text.append_text(Text.assemble(("expected here: ", "bold"), expected))
    if diagnosis.fixes:
        text.append_text(Text("\nfixes, each one run and accepted by torch:", style="bold"))
        for fix in diagnosis.fixes:
            text.append_text(Text(f"\n  • {fix.change}"))
    else:
        text.append_text(Text("\nno single change of options made torch accept these shapes", style="bold"))
    footer = "The tables below are a run with the shapes this module expects."
    text.append_text(Text(f"\n{footer}", style="dim"))
    return Panel(text, title="torch refuses these shapes", title_align="left", border_style="red")


def _batch_sizes_line(batch_sizes: tuple[int, ...]) -> Text:
    shown = list(batch_sizes[:24])
    more = f" … ({len(batch_sizes)} steps)" if len(batch_sizes) > 24 else ""
    return Text(
        f"batch_sizes = {shown}{more}: sequences still running at each step, "
        "so packed row blocks shrink as short sequences end"
    )


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
    batch = "" if report.spec.unbatched else "batch, "
    view = f"h_n.view({config.num_layers}, {config.num_directions}, {batch}{config.h_size})"
    states = "h_n and c_n" if config.family == "LSTM" else "h_n"
    table = Table(title=f"{states} index map (layer-major)", title_justify="left")
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
