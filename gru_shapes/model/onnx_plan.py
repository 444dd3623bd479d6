"""What torch's ONNX exporter writes for a spec, predicted without it: the graph's names and dynamic
axes, one ``GRU``/``LSTM``/``RNN`` op per layer with its ``W``/``R``/``B`` shapes and attributes, the gate
orders and which rows of torch's weights each block of ``W`` holds, and the export call as code.

Plain Python and no torch: ``--dry-run --show onnx`` is this, and the real export
(:mod:`gru_shapes.export`) names its inputs, axes and call from it too. Every fact here was observed
with torch 2.13's TorchScript exporter (``dynamo=False``) and is checked against real files by the tests.

>>> from gru_shapes.model.spec import make_spec
>>> spec = make_spec(layers=2, bidirectional=True)
>>> [(op.op, op.inputs["W"], op.inputs["R"], op.inputs["B"]) for op in predicted(spec).ops]
[('GRU', (2, 96, 10), (2, 96, 32), (2, 192)), ('GRU', (2, 96, 64), (2, 96, 32), (2, 192))]
>>> blocks(spec, 0)[0].weight_ih
'weight_ih_l0[32:64]'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from gru_shapes.i18n import _, language
from gru_shapes.model.onnx import Block, GateOrder, Link, OnnxExport, OnnxOp, Shape, require_extras
from gru_shapes.model.shapes import listed_layers, predict
from gru_shapes.model.spec import Spec

# ONNX block j holds torch block blocks[j] (torch GRU r|z|n, ONNX z|r|h; torch LSTM i|f|g|o, ONNX i|o|f|c).
GATE_ORDERS = {
    "GRU": GateOrder("r|z|n", "z|r|h", (1, 0, 2)),
    "LSTM": GateOrder("i|f|g|o", "i|o|f|c", (0, 3, 1, 2)),
}
# A plain RNN stacks one block: no order to tell, but its W map is said the same way.
_ONE_BLOCK = GateOrder("h", "h", (0,))
# What ONNX assumes for the attributes a node leaves out (opsets 14 to 22), per direction.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "GRU": {"layout": 0, "linear_before_reset": 0, "activations": ["Sigmoid", "Tanh"]},
    "LSTM": {"layout": 0, "input_forget": 0, "activations": ["Sigmoid", "Tanh", "Tanh"]},
    "RNN": {"layout": 0, "activations": ["Tanh"]},
}
BATCH, SEQ = "batch", "seq"


def exporting(spec: Spec, names: Iterable[str] = ("onnx",)) -> Spec:
    """``spec`` with the export asked for when ``names`` (the sections asked for by name, as ``--show``
    gives them) holds ``onnx``; a real run refuses it in one line when the extra is not installed.

    >>> from gru_shapes.model.spec import make_spec
    >>> exporting(make_spec(dry_run=True)).onnx, exporting(make_spec(), ("cost",)).onnx
    (True, False)
    """
    if "onnx" not in names or spec.onnx:
        return spec
    if not spec.dry_run:
        with language(spec.lang):
            require_extras("show")
    return replace(spec, onnx=True)


def gate_order(spec: Spec) -> GateOrder | None:
    """Torch's and ONNX's gate orders; None for a plain RNN (one block) and for cells (no recurrent op)."""
    return None if spec.config.is_cell else GATE_ORDERS.get(spec.config.family)


def io_names(spec: Spec) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The graph's input and output names, in the order the module takes and returns them.

    >>> from gru_shapes.model.spec import make_spec
    >>> io_names(make_spec(module="lstm", lengths="5,3"))
    (('input', 'lengths', 'h_0', 'c_0'), ('output', 'h_n', 'c_n'))
    """
    config = spec.config
    count = 2 if config.family == "LSTM" else 1
    inputs = ("input", *(("lengths",) if spec.packed else ()), *("h_0", "c_0")[:count])
    finals = ("h_1", "c_1") if config.is_cell else ("h_n", "c_n")
    outputs = finals[:count] if config.is_cell else ("output", *finals[:count])
    return inputs, outputs


def dynamic_axes(spec: Spec) -> dict[str, dict[int, str]]:
    """The axes declared dynamic: the batch of every input and output (h_0, c_0, h_n, c_n included)
    and the sequence of ``input`` and ``output``; none for an unbatched cell.

    >>> from gru_shapes.model.spec import make_spec
    >>> dynamic_axes(make_spec())
    {'input': {0: 'batch', 1: 'seq'}, 'h_0': {1: 'batch'}, 'output': {0: 'batch', 1: 'seq'}, 'h_n': {1: 'batch'}}
    """
    config = spec.config
    inputs, outputs = io_names(spec)
    if config.is_cell:
        return {} if spec.unbatched else {name: {0: BATCH} for name in (*inputs, *outputs)}
    if spec.unbatched:
        return {"input": {0: SEQ}, "output": {0: SEQ}}
    data = {0: BATCH, 1: SEQ} if config.batch_first else {0: SEQ, 1: BATCH}
    return {
        name: data if name in ("input", "output") else {0: BATCH} if name == "lengths" else {1: BATCH}
        for name in (*inputs, *outputs)
    }


def export_call(spec: Spec, path: str | None = None, dynamo_keyword: bool = True) -> tuple[str, ...]:
    """``torch.onnx.export`` as the export was made, as lines of Python (``dynamo=False`` only where
    torch has the keyword: 2.5 and later)."""
    config = spec.config
    name = "cell" if config.is_cell else config.family.lower()
    inputs, outputs = io_names(spec)
    states = inputs[-2:] if config.family == "LSTM" else inputs[-1:]
    hx = f"({', '.join(states)})" if len(states) == 2 else states[0]
    args = ", ".join(["x", *(["lengths"] if spec.packed else []), hx])
    module = f"packed_{name}" if spec.packed else name
    target = path or f"{name}.onnx"
    lines = [
        "torch.onnx.export(",
        f"    {module}, ({args}), {_quoted(target)}" + (", dynamo=False," if dynamo_keyword else ","),
        f"    input_names={_names(inputs)}, output_names={_names(outputs)},",
    ]
    axes = dynamic_axes(spec)
    if axes:
        lines.append("    dynamic_axes={")
        for value, dims in axes.items():
            shown = ", ".join(f"{axis}: {_quoted(label)}" for axis, label in dims.items())
            lines.append(f"        {_quoted(value)}: {{{shown}}},")
        lines.append("    },")
    lines.append(")")
    return tuple(lines)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _names(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(_quoted(name) for name in names) + "]"


def blocks(spec: Spec, layer: int) -> tuple[Block, ...]:
    """For each direction and each block of rows of ``W[d]``: its gate, and the rows of torch's
    ``weight_ih_l{layer}`` (``weight_hh``, ``bias_ih``, ``bias_hh``) it holds."""
    config = spec.config
    order = GATE_ORDERS.get(config.family, _ONE_BLOCK)
    h = config.hidden_size
    onnx_gates, torch_gates = order.onnx.split("|"), order.torch.split("|")
    found = []
    for d in range(config.num_directions):
        suffix = f"l{layer}" + ("_reverse" if d else "")
        for j, t in enumerate(order.blocks):
            rows = f"[{t * h}:{(t + 1) * h}]"
            bias = (f"bias_ih_{suffix}{rows}", f"bias_hh_{suffix}{rows}") if config.bias else None
            found.append(
                Block(
                    direction="backward" if d else "forward",
                    gate=onnx_gates[j],
                    rows=(j * h, (j + 1) * h),
                    torch_gate=torch_gates[t],
                    weight_ih=f"weight_ih_{suffix}{rows}",
                    weight_hh=f"weight_hh_{suffix}{rows}",
                    bias=bias,
                )
            )
    return tuple(found)


def links(spec: Spec, layer: int) -> dict[str, Link]:
    """Each input of layer ``layer``'s op and where it comes from in torch, each output and where it goes."""
    config = spec.config
    d, last = config.num_directions, config.num_layers - 1

    def part(name: str) -> str:
        return name if config.num_layers == 1 else f"{name}[{layer * d}:{(layer + 1) * d}]"

    suffixes = [f"l{layer}", f"l{layer}_reverse"][:d]
    found = {
        "X": Link("input" if layer == 0 else _("Y of layer {layer}").format(layer=layer - 1)),
        "W": Link(", ".join(f"weight_ih_{s}" for s in suffixes)),
        "R": Link(", ".join(f"weight_hh_{s}" for s in suffixes)),
    }
    if config.bias:
        found["B"] = Link(", ".join(f"cat(bias_ih_{s}, bias_hh_{s})" for s in suffixes))
    if spec.packed:
        found["sequence_lens"] = Link("lengths")
    found["initial_h"] = Link(part("h_0"))
    if config.family == "LSTM":
        found["initial_c"] = Link(part("c_0"))
    found["Y"] = Link("output" if layer == last else _("X of layer {layer}").format(layer=layer + 1))
    found["Y_h"] = Link(part("h_n"))
    if config.family == "LSTM":
        found["Y_c"] = Link(part("c_n"))
    return found


def defaults(op: str, directions: int) -> dict[str, Any]:
    """The attributes ONNX assumes when a ``GRU``/``LSTM``/``RNN`` node leaves them out."""
    assumed = {name: value for name, value in _DEFAULTS[op].items()}
    assumed["activations"] = assumed["activations"] * directions
    assumed["direction"] = "forward"
    return assumed


def attributes(spec: Spec) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The op's attributes as in effect, and those the exporter leaves to ONNX's defaults."""
    config = spec.config
    family, d = config.family, config.num_directions
    assumed = defaults(family, d)
    written: dict[str, Any] = {"hidden_size": config.hidden_size}
    if config.bidirectional:
        written["direction"] = "bidirectional"
    if family == "GRU":
        written["linear_before_reset"] = 1
    if family == "RNN":
        written["activations"] = ["Relu" if config.nonlinearity == "relu" else "Tanh"] * d
    return dict(sorted({**assumed, **written}.items())), tuple(sorted(set(assumed) - set(written)))


def predicted_ops(spec: Spec) -> tuple[OnnxOp, ...]:
    """One op per listed layer (all up to 4, else 0, 1 and the last), as the exporter writes them."""
    config = spec.config
    if config.is_cell:
        return ()
    h, d = config.hidden_size, config.num_directions
    gates = len(GATE_ORDERS.get(config.family, _ONE_BLOCK).blocks)
    batch: int | str = 1 if spec.unbatched else BATCH
    effective, defaulted = attributes(spec)
    ops = []
    for layer in listed_layers(config.num_layers):
        width = config.input_size if layer == 0 else d * h
        inputs: dict[str, Shape] = {
            "X": (SEQ, batch, width),
            "W": (d, gates * h, width),
            "R": (d, gates * h, h),
        }
        if config.bias:
            inputs["B"] = (d, 2 * gates * h)
        if spec.packed:
            inputs["sequence_lens"] = (batch,)
        outputs: dict[str, Shape] = {"Y": (SEQ, d, batch, h)}
        for state in ("h", "c")[: 1 + (config.family == "LSTM")]:
            inputs[f"initial_{state}"] = (d, batch, h)
            outputs[f"Y_{state}"] = (d, batch, h)
        ops.append(
            OnnxOp(
                op=config.family,
                layer=layer,
                node=None,
                inputs=inputs,
                outputs=outputs,
                attributes=effective,
                defaulted=defaulted,
                links=links(spec, layer),
                blocks=blocks(spec, layer),
            )
        )
    return tuple(ops)


def omitted(spec: Spec) -> tuple[int, int] | None:
    """The layers left out of ``ops``: 2 to L - 2 past 4 layers, each like layer 1."""
    layers = spec.config.num_layers
    return None if spec.config.is_cell or layers == len(listed_layers(layers)) else (2, layers - 2)


def graph_io(spec: Spec, shapes: Mapping[str, tuple[int, ...]]) -> tuple[dict[str, Shape], dict[str, Shape]]:
    """The graph's inputs and outputs with the shapes of the run, their dynamic axes named."""
    axes = dynamic_axes(spec)
    sizes = {**shapes, "lengths": (spec.batch_size,)}

    def named(name: str) -> Shape:
        return tuple(axes.get(name, {}).get(i, size) for i, size in enumerate(sizes[name]))

    inputs, outputs = io_names(spec)
    return {name: named(name) for name in inputs}, {name: named(name) for name in outputs}


def refusal(spec: Spec) -> str | None:
    """Why torch's exporter makes no file for this spec (as it says when tried), or None."""
    if spec.config.proj_size:
        return _("an LSTM with proj_size: ONNX's LSTM op has no projection")
    return None


def unrunnable(spec: Spec) -> str | None:
    """Why the file must not be run in onnxruntime here, or None."""
    if spec.batch_size == 0 and not spec.unbatched:
        return _("not run in onnxruntime: it aborts the whole process on an empty batch (batch size 0)")
    return None


def other_sizes(spec: Spec) -> tuple[int | None, int | None]:
    """The batch size and sequence length the file is run at again, small to stay cheap: a batch of 1,
    or 2 when the run's was 1 (None when there is no batch axis); half the steps, or 2 after one step."""
    batch = None if spec.unbatched else (2 if spec.batch_size == 1 else 1)
    seq = None if spec.config.is_cell else (spec.seq_len // 2 if spec.seq_len > 1 else 2)
    return batch, seq


def tolerance(dtype: str) -> float:
    """The largest difference called equal: onnxruntime computes float16 in float32, torch in float16."""
    return 1e-2 if dtype == "float16" else 1e-4


def predicted(spec: Spec, shapes: Mapping[str, tuple[int, ...]] | None = None) -> OnnxExport:
    """The export as the exporter would write it, for a dry run: shapes and attributes, nothing run."""
    if shapes is None:
        shapes = {t.key: t.shape for t in predict(spec).tensors}
    refused = refusal(spec)
    inputs, outputs = graph_io(spec, shapes) if refused is None else ({}, {})
    return OnnxExport(
        predicted=True,
        ops=() if refused else predicted_ops(spec),
        gate_order=gate_order(spec),
        inputs=inputs,
        outputs=outputs,
        dynamic_axes=dynamic_axes(spec),
        export_call=export_call(spec, spec.onnx_out),
        refused=refused,
        ops_omitted=None if refused else omitted(spec),
    )
