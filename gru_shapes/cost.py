"""What a forward pass costs, predicted before anything is allocated (pure arithmetic, no torch).

Multiply-accumulates are exact. Activation memory is a model of torch's CPU recurrent kernels,
measured rather than derived (see ``ACTIVATION_FACTOR``); the tests hold it to within 25% of the
peak memory real runs add.
"""

from __future__ import annotations

from dataclasses import dataclass

from gru_shapes.shapes import GATES, Prediction
from gru_shapes.spec import DTYPE_BYTES, Spec

# Peak memory of one layer's forward pass on the CPU, in elements per (time step × sequence), is
# the layer's input features plus this many times hidden_size. The CPU kernel materialises the input
# projection for all steps (gates × H), keeps every step's h_t and then stacks them, and for two
# directions also keeps the forward result while the backward one runs and concatenates both; the
# allocator's unreturned free blocks come on top. Fitted to peak RSS of torch 2.13 CPU runs
# (2 to 700 MB of activations, 1 to 4 layers): one direction 5.3 to 6.2, two directions 8.9 to 10.6.
ACTIVATION_FACTOR = {1: 5.5, 2: 10.0}


@dataclass(frozen=True)
class Cost:
    """Bytes and multiply-accumulates of one forward pass.

    ``activation_bytes`` covers input, h_0, output, h_n and the per-layer intermediates alive at
    the peak; ``macs`` counts only the matrix products (see :func:`estimate`).
    """

    parameter_bytes: int
    activation_bytes: int
    macs: int

    @property
    def total_bytes(self) -> int:
        return self.parameter_bytes + self.activation_bytes


def estimate(spec: Spec, prediction: Prediction) -> Cost:
    """Predict the cost of ``spec``'s forward pass, in O(1) whatever the sizes.

    MACs: for every layer, direction, step and sequence, one multiply-accumulate per entry of
    ``weight_ih`` and of ``weight_hh`` (gates × hidden_size × (inputs + hidden_size)). Biases are
    additions and the gates' element-wise products are not matrix products: neither is counted.

    >>> from gru_shapes.shapes import predict
    >>> from gru_shapes.spec import make_spec
    >>> spec = make_spec()
    >>> estimate(spec, predict(spec)).macs  # 35 steps × 96 rows × (10 + 32) columns
    141120
    """
    config = spec.config
    hidden, d = config.hidden_size, config.num_directions
    gates = len(GATES[spec.module])
    layer_inputs = [config.input_size] + [d * hidden] * (config.num_layers - 1)
    steps = spec.seq_len * spec.batch_size
    macs = steps * d * sum(gates * hidden * (inputs + hidden) for inputs in layer_inputs)
    per_step = max(inputs + ACTIVATION_FACTOR[d] * hidden for inputs in layer_inputs)
    states = 2 * prediction.tensor("h_n").shape[0] * spec.batch_size * hidden  # h_0 and h_n
    element = DTYPE_BYTES[spec.dtype]
    return Cost(
        parameter_bytes=prediction.parameter_count * element,
        activation_bytes=int(steps * per_step + states) * element,
        macs=macs,
    )


def human_bytes(count: int) -> str:
    """``1536`` -> ``'1.5 KiB'``: binary units, as memory is sold and reported."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
