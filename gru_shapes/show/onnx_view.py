"""The ONNX section (``--show onnx``): the ops read back from the exported file, their attributes, the
gate orders and which rows of torch's weights each block holds, how ``Y`` becomes torch's ``output``,
the proof in onnxruntime, and the static-batch pitfall with the line that fixes it.

Plain data for the renderers, as in :mod:`gru_shapes.show.sections`; every fact was read from the file
or run upstream (:mod:`gru_shapes.export`), or predicted in a dry run (:mod:`gru_shapes.model.onnx_plan`).

>>> from gru_shapes.run.pipeline import report_for
>>> from gru_shapes.model.spec import make_spec
>>> from gru_shapes.model.onnx_plan import exporting
>>> parts = onnx_section(report_for(exporting(make_spec(dry_run=True, lang="en"))))
>>> parts[1].rows[1]
('layer 0', 'W', '[1, 96, 10]', 'weight_ih_l0')
"""

from __future__ import annotations

from collections.abc import Sequence

from gru_shapes.i18n import _
from gru_shapes.model.onnx import Dim, OnnxExport, OnnxOp, Proof
from gru_shapes.model.spec import Spec
from gru_shapes.report import Report
from gru_shapes.show.layout import Column, Line, Note, Panel, Section, Table


def onnx_section(report: Report) -> list[Section]:
    """The export, when it was asked for (``--show onnx``, ``--onnx-out``); nothing otherwise."""
    exported = report.onnx
    if exported is None:
        return []
    spec = report.spec
    if exported.refused:
        if exported.predicted:
            return [
                Note(
                    _("ONNX export, predicted: torch's exporter refuses {reason}").format(
                        reason=exported.refused
                    )
                )
            ]
        return [Note(_("ONNX export refused by torch's exporter: {reason}").format(reason=exported.refused))]
    parts: list[Section] = [Note(_title(exported), tone="strong")]
    if spec.config.is_cell:
        parts.append(Note(_cell_line(spec, exported), tone="plain"))
    else:
        parts.extend(_ops_parts(spec, exported))
    parts.extend(_proof_parts(exported))
    parts.append(_pitfall_panel(spec, exported))
    parts.extend(_closing_notes(exported))
    return parts


def _title(exported: OnnxExport) -> str:
    if exported.predicted:
        return _("ONNX export, predicted: dry run, torch's exporter not called")
    about = exported.exporter or {}
    return _(
        "ONNX export, read back from the file: torch.onnx.export (TorchScript exporter, dynamo=False), "
        "opset {opset}, {size} bytes"
    ).format(opset=about.get("opset"), size=f"{about.get('bytes', 0):,}")


def shape_text(shape: Sequence[Dim]) -> str:
    """``[seq, batch, 10]``: sizes, and dynamic axes by name."""
    return "[" + ", ".join(str(dim) for dim in shape) + "]"


def _ops_parts(spec: Spec, exported: OnnxExport) -> list[Section]:
    rows: list[tuple[str, str, str, str]] = []
    for op in exported.ops:
        labels = [op.op, _("layer {layer}").format(layer=op.layer)]
        values = [*op.inputs.items(), *op.outputs.items()]
        for index, (key, shape) in enumerate(values):
            label = labels[index] if index < len(labels) else ""
            rows.append((label, key, shape_text(shape), _link_text(op, key, key in op.outputs)))
    parts: list[Section] = [
        Table(
            title=_("ONNX ops the exporter writes, one per torch layer, both directions in one op")
            if exported.predicted
            else _("ONNX ops in the file, one per torch layer, both directions in one op"),
            columns=(
                Column(_("op"), keep_whole=True),
                Column(_("value"), keep_whole=True),
                Column(_("shape"), keep_whole=True),
                Column(_("torch"), wide=True),
            ),
            rows=tuple(rows),
        )
    ]
    if exported.ops_omitted:
        first, last = exported.ops_omitted
        parts.append(
            Note(
                _("layers {first} to {last} are left out: each is like layer 1").format(
                    first=first, last=last
                ),
                tone="dim",
            )
        )
    if exported.ops:
        parts.append(Note(_attributes_line(exported.ops[0]), tone="plain"))
        parts.extend(_gates_parts(spec, exported.ops[0], exported))
    parts.append(
        Note(
            _("Y is [seq, D, batch, hidden], always seq-first: {code}").format(code=y_to_output(spec)),
            tone="plain",
        )
    )
    return parts


def _link_text(op: OnnxOp, key: str, output: bool) -> str:
    link = op.links.get(key)
    if link is None:
        return ""
    through = list(link.through or ())
    return " → ".join([*through, link.torch] if output else [link.torch, *through])


def _attributes_line(op: OnnxOp) -> str:
    shown = ", ".join(f"{name}={_value(value)}" for name, value in op.attributes.items())
    line = _("attributes: {attributes}").format(attributes=shown)
    if op.defaulted:
        line += " " + _("({names}: ONNX's defaults, not written in the file)").format(
            names=", ".join(op.defaulted)
        )
    return line


def _value(value: object) -> str:
    return "[" + ", ".join(str(v) for v in value) + "]" if isinstance(value, list) else str(value)


def _gates_parts(spec: Spec, op: OnnxOp, exported: OnnxExport) -> list[Section]:
    order = exported.gate_order
    if order is None:  # a plain RNN: one block
        return [
            Note(
                _("W[0] is weight_ih_l0 as it is: an RNN stacks one block, no gates to reorder"), tone="plain"
            )
        ]
    rows = tuple(
        (f"{block.rows[0]}:{block.rows[1]}", block.gate, f"{block.weight_ih} ({block.torch_gate})")
        for block in op.blocks
        if block.direction == "forward"
    )
    notes = [_("R holds the same rows of weight_hh_l0")]
    if spec.config.bias:
        notes.append(_("each half of B those of bias_ih_l0 and bias_hh_l0"))
    if spec.config.bidirectional:
        notes.append(_("W[1] those of weight_ih_l0_reverse"))
    if spec.config.num_layers > 1:
        notes.append(_("layer k those of weight_ih_lk"))
    parts: list[Section] = [
        Table(
            title=_("gate order: torch {torch}, ONNX {onnx}").format(torch=order.torch, onnx=order.onnx),
            columns=(
                Column(_("rows of W[0]"), keep_whole=True),
                Column(_("ONNX gate"), keep_whole=True),
                Column(_("torch rows (gate)"), wide=True),
            ),
            rows=rows,
        ),
        Note("; ".join(notes), tone="plain"),
    ]
    if spec.config.family == "GRU":
        parts.append(
            Note(
                _(
                    "linear_before_reset=1: r multiplies the hidden product after it is taken, "
                    "as in torch's n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))"
                ),
                tone="plain",
            )
        )
    return parts


def y_to_output(spec: Spec) -> str:
    """torch's ``output`` from ONNX's ``Y``, as code: what the nodes torch's exporter adds compute."""
    config = spec.config
    width = config.num_directions * config.hidden_size
    if spec.unbatched:
        return f"output = Y.permute(0, 2, 1, 3).reshape(seq, {width})"
    code = f"output = Y.permute(0, 2, 1, 3).reshape(seq, batch, {width})"
    return code + ".transpose(0, 1)" if config.batch_first else code


def _cell_line(spec: Spec, exported: OnnxExport) -> str:
    family = spec.config.family
    if exported.nodes is None:
        return _(
            "nn.{module} exports as one step of plain ops (Gemm, Split, Sigmoid, Tanh, ...): ONNX's {family} op "
            "runs a whole sequence, so there is no {family} op and no gate reordering"
        ).format(module=spec.module, family=family)
    nodes = ", ".join(f"{name} ×{count}" if count > 1 else name for name, count in exported.nodes.items())
    return _(
        "nn.{module} exports as one step of plain ops ({nodes}): ONNX's {family} op runs a whole sequence, "
        "so there is no {family} op and no gate reordering"
    ).format(module=spec.module, nodes=nodes, family=family)


def _proof_parts(exported: OnnxExport) -> list[Section]:
    if exported.unverified:
        return [Note(exported.unverified)]
    proof = exported.proof
    if proof is None:
        return []
    version = (exported.exporter or {}).get("onnxruntime", "")
    parts: list[Section] = [
        _proved(
            proof.max_abs_diff,
            proof,
            _("onnxruntime {version} = torch on the same input").format(version=version),
        )
    ]
    if proof.other_batch is not None and proof.other_batch_max_abs_diff is not None:
        text = _("at batch size {batch} too (the batch axis is dynamic)").format(batch=proof.other_batch)
        parts.append(_proved(proof.other_batch_max_abs_diff, proof, text))
    if proof.other_seq_len is not None and proof.other_seq_max_abs_diff is not None:
        text = _("at {steps} steps too (the sequence axis is dynamic)").format(steps=proof.other_seq_len)
        parts.append(_proved(proof.other_seq_max_abs_diff, proof, text))
    if proof.rebuilt_max_abs_diff is not None:
        text = _("torch rebuilt from the file's W, R, B in this gate order = onnxruntime")
        parts.append(_proved(proof.rebuilt_max_abs_diff, proof, text))
    return parts


def _proved(diff: float, proof: Proof, text: str) -> Note:
    held = diff <= proof.tolerance
    verdict = _("largest difference {diff:.3g}, tolerance {tolerance:g}").format(
        diff=diff, tolerance=proof.tolerance
    )
    return Note(f"{'✓' if held else '✗'} {text}: {verdict}", tone="good" if held else "bad")


def _pitfall_panel(spec: Spec, exported: OnnxExport) -> Panel:
    lines: list[Line] = []
    if exported.static_batch_error:
        lines.append(
            Line(
                _(
                    "exported without dynamic_axes at batch {batch}, then run at batch {other}, onnxruntime says:"
                ).format(batch=spec.batch_size, other=exported.other_batch),
                tone="strong",
            )
        )
        lines.extend(
            Line(line.strip(), tone="bad")
            for line in exported.static_batch_error.splitlines()
            if line.strip()
        )
        lines.append(
            Line(
                _("the fix: declare the batch axis of every input and output dynamic, as this export did:"),
                tone="strong",
            )
        )
    elif not exported.dynamic_batch:
        lines.append(
            Line(_("an unbatched input has no batch axis to freeze; the export call:"), tone="strong")
        )
    else:
        lines.append(
            Line(_("the export call, every batch axis dynamic (h_0 and h_n included):"), tone="strong")
        )
        if exported.predicted:
            lines.append(
                Line(
                    _(
                        "without dynamic_axes the file runs at batch {batch} only: a real run shows onnxruntime's message"
                    ).format(batch=spec.batch_size),
                    tone="dim",
                )
            )
    lines.extend(Line(code, tone="code") for code in exported.export_call)
    if spec.packed:
        name = spec.config.family.lower()
        lines.append(
            Line(
                _("packed_{name}: a module that packs x by lengths, runs {name} and pads the result").format(
                    name=name
                ),
                tone="dim",
            )
        )
    return Panel(_("the static-batch pitfall"), tuple(lines))


def _closing_notes(exported: OnnxExport) -> list[Section]:
    parts: list[Section] = []
    warned = [
        line.split(":", 1)[0] for line in exported.messages if line.split(":", 1)[0].endswith("Warning")
    ]
    if warned:
        counts = {name: warned.count(name) for name in dict.fromkeys(warned)}
        named = ", ".join(f"{name} ×{count}" if count > 1 else name for name, count in counts.items())
        parts.append(
            Note(
                _(
                    "torch's exporter warned ({warnings}): kept out of this output, listed in the JSON's onnx.messages"
                ).format(warnings=named),
                tone="dim",
            )
        )
    if exported.path:
        parts.append(Note(_("written to {path}").format(path=exported.path), tone="plain"))
    elif not exported.predicted:
        parts.append(Note(_("the file was made in memory; --onnx-out PATH keeps it"), tone="dim"))
    return parts
