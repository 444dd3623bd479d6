"""Reading an exported file back: its recurrent ops with the shapes of their inputs and outputs, their
attributes, the nodes torch's exporter put around them, and every op type it holds.

Shapes come from ONNX's own shape inference (with ``data_prop``, without which the states' shapes come
out unknown); initializers give ``W``, ``R`` and ``B``. Nothing here is predicted: the plan
(:mod:`gru_shapes.model.onnx_plan`) only names what the file holds in torch's terms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gru_shapes.model.onnx import OnnxOp, Shape
from gru_shapes.model.onnx_plan import blocks, defaults, links
from gru_shapes.model.shapes import listed_layers
from gru_shapes.model.spec import Spec

RECURRENT = ("GRU", "LSTM", "RNN")
# The recurrent operators' inputs and outputs, by position.
OP_INPUTS = ("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P")
OP_OUTPUTS = ("Y", "Y_h", "Y_c")
# Nodes followed from an op to the graph's inputs or outputs, at most.
LONGEST_CHAIN = 8


def load(data: bytes) -> Any:
    """The file's ModelProto."""
    import onnx

    return onnx.load_from_string(data)


def opset(model: Any) -> int | None:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def recurrent_nodes(model: Any) -> list[Any]:
    """The GRU/LSTM/RNN nodes in graph order: the k-th computes torch's layer k."""
    return [node for node in model.graph.node if node.op_type in RECURRENT]


def ops(spec: Spec, model: Any) -> tuple[OnnxOp, ...]:
    """One :class:`OnnxOp` per recurrent node of a listed layer, read from the file."""
    graph = model.graph
    shapes = _shapes(model)
    constants = _constants(model)
    around = _Around(graph, constants, opset(model))
    found = []
    nodes = recurrent_nodes(model)
    for layer in (k for k in listed_layers(len(nodes)) if k < len(nodes)):
        node = nodes[layer]
        written = {a.name: _attribute(a) for a in node.attribute}
        assumed = defaults(node.op_type, 2 if written.get("direction") == "bidirectional" else 1)
        named_in = {OP_INPUTS[i]: name for i, name in enumerate(node.input) if name}
        named_out = {OP_OUTPUTS[i]: name for i, name in enumerate(node.output) if name}
        planned = links(spec, layer)
        linked = {}
        for key, name in named_in.items():
            if key in planned:
                linked[key] = replace(planned[key], through=around.before(name))
        for key, name in named_out.items():
            if key in planned:
                linked[key] = replace(planned[key], through=around.after(name))
        found.append(
            OnnxOp(
                op=node.op_type,
                layer=layer,
                node=node.name or None,
                inputs={key: shapes.get(name, ()) for key, name in named_in.items()},
                outputs={key: shapes.get(name, ()) for key, name in named_out.items()},
                attributes=dict(sorted({**assumed, **written}.items())),
                defaulted=tuple(sorted(set(assumed) - set(written))),
                links=linked,
                blocks=blocks(spec, layer),
            )
        )
    return tuple(found)


def node_counts(model: Any) -> dict[str, int]:
    """Every op type in the graph and how many nodes of it, most first (constants left out)."""
    counts = Counter(node.op_type for node in model.graph.node if node.op_type != "Constant")
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def graph_io(model: Any) -> tuple[dict[str, Shape], dict[str, Shape]]:
    """The graph's inputs (initializers left out) and outputs, with their declared shapes."""
    graph = model.graph
    initializers = {init.name for init in graph.initializer}
    inputs = {v.name: _dims(v) or () for v in graph.input if v.name not in initializers}
    return inputs, {v.name: _dims(v) or () for v in graph.output}


def _dims(value: Any) -> Shape | None:
    tensor_type = value.type.tensor_type
    if not tensor_type.HasField("shape"):
        return None
    return tuple(
        d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in tensor_type.shape.dim
    )


def _attribute(attribute: Any) -> Any:
    import onnx

    value = onnx.helper.get_attribute_value(attribute)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [v.decode() if isinstance(v, bytes) else v for v in value]
    return value


def _shapes(model: Any) -> dict[str, Shape]:
    """Every named value's shape: inferred values, graph inputs and outputs, initializers."""
    import onnx

    graph = onnx.shape_inference.infer_shapes(model, data_prop=True).graph
    found: dict[str, Shape] = {}
    for value in (*graph.value_info, *graph.input, *graph.output):
        dims = _dims(value)
        if dims is not None:
            found[value.name] = dims
    for init in graph.initializer:
        found[init.name] = tuple(init.dims)
    return found


def _constants(model: Any) -> dict[str, list[Any]]:
    """Small constant values (initializers and Constant nodes) as lists, to show a node's arguments."""
    from onnx import numpy_helper

    found: dict[str, list[Any]] = {}
    tensors = [(init.name, init) for init in model.graph.initializer]
    for node in model.graph.node:
        if node.op_type == "Constant":
            tensors += [(node.output[0], a.t) for a in node.attribute if a.name == "value"]
    for name, tensor in tensors:
        if len(tensor.dims) <= 1 and (not tensor.dims or tensor.dims[0] <= 8):
            found[name] = numpy_helper.to_array(tensor).reshape(-1).tolist()
    return found


class _Around:
    """The nodes between a recurrent op and the graph's inputs and outputs (or the next op), in words."""

    def __init__(self, graph: Any, constants: Mapping[str, list[Any]], version: int | None) -> None:
        self.constants = constants
        self.version = version
        self.producers = {out: node for node in graph.node for out in node.output}
        self.consumers: dict[str, list[Any]] = {}
        for node in graph.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.ends = {v.name for v in (*graph.input, *graph.output)}

    def before(self, name: str) -> tuple[str, ...]:
        chain: list[str] = []
        while name not in self.ends and name in self.producers and len(chain) < LONGEST_CHAIN:
            node = self.producers[name]
            if node.op_type in RECURRENT or node.op_type == "Constant" or not node.input:
                break
            chain.append(self.described(node))
            name = node.input[0]
        return tuple(reversed(chain))

    def after(self, name: str) -> tuple[str, ...]:
        chain: list[str] = []
        while name not in self.ends and len(chain) < LONGEST_CHAIN:
            following = [n for n in self.consumers.get(name, []) if n.op_type != "Shape"]
            if not following or following[0].op_type in RECURRENT:
                break
            chain.append(self.described(following[0]))
            name = following[0].output[0]
        return tuple(chain)

    def described(self, node: Any) -> str:
        """``Transpose(perm=[1, 0, 2])``, ``Reshape(shape=[0, 0, -1])``: the op and its constant arguments."""
        import onnx

        arguments = [
            f"{a.name}={_attribute(a)}" for a in node.attribute if a.type != onnx.AttributeProto.TENSOR
        ]
        try:
            schema = onnx.defs.get_schema(node.op_type, self.version or 1)
            names = [formal.name for formal in schema.inputs]
        except onnx.defs.SchemaError:
            names = []
        for position, value in enumerate(node.input[1:], start=1):
            if value in self.constants and position < len(names):
                arguments.append(f"{names[position]}={self.constants[value]}")
        return f"{node.op_type}({', '.join(arguments)})"
