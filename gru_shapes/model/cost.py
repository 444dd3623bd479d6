"""What a forward pass costs, predicted before anything is allocated (pure arithmetic, no torch).

Multiply-accumulates are exact. Activation memory is a model of torch's CPU recurrent kernels,
measured rather than derived (see ``ACTIVATION_FACTOR``); the tests hold it to within 25% of the
peak memory real runs add.
"""

from __future__ import annotations

from dataclasses import dataclass

from gru_shapes.model.shapes import GATES, Prediction
from gru_shapes.model.spec import Spec
from gru_shapes.model.validate import DTYPE_BYTES

# Peak memory of one layer's forward pass on the CPU, in elements per (time step × sequence), is
# the layer's input features plus this many times hidden_size, by kernel and number of directions.
# The native kernel (GRU, RNN, and LSTM with proj_size, which oneDNN does not take) materialises the
# input projection for all steps (gates × H), keeps every step's h_t and then stacks them, and for
# two directions also keeps the forward result while the backward one runs and concatenates both;
# the allocator's unreturned free blocks come on top. Fitted to peak RSS of torch 2.13 CPU runs
# (2 to 900 MB of activations, 1 to 4 layers): GRU 5.3 to 6.2 for one direction and 8.9 to 10.6 for
# two; RNN 3.0 and 7.1 to 8.0; LSTM with projection 5.2 and 10.2. The LSTM without projection runs
# on oneDNN: 7.2 to 8.4 for two directions, and for one direction a leaner peak that varies from run
# to run of the same case, 1.75 to 3.2 once the batch-first copy is counted (158 and 232 MiB), so its
# factor sits where both are within 25%. Cells and packed batches use the same factors.
ACTIVATION_FACTOR = {
    "GRU": {1: 5.5, 2: 10.0},
    "LSTM": {1: 2.55, 2: 7.8},
    "RNN": {1: 3.0, 2: 7.5},
}
PROJECTED_LSTM_FACTOR = {1: 5.2, 2: 10.2}
# Copies of the input, in input features per (step × sequence), that the kernels make beyond the
# input itself: batch_first input is transposed into a seq-first copy (measured 0.92 to 1.0 of the
# input), and oneDNN's two-direction LSTM keeps about 1.3 more (measured 1.33 with input 2048).
BATCH_FIRST_COPY = 1.0
TWO_WAY_ONEDNN_COPY = 1.3


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

    >>> from gru_shapes.model.shapes import predict
    >>> from gru_shapes.model.spec import make_spec
    >>> spec = make_spec()
    >>> estimate(spec, predict(spec)).macs  # 35 steps × 96 rows × (10 + 32) columns
    141120
    """
    config = spec.config
    hidden, h, d = config.hidden_size, config.h_size, config.num_directions
    gates = len(GATES[config.family])
    projection = h * hidden if config.proj_size else 0  # weight_hr, once per step
    # Layer 0 reads input_size features, every later layer D × h: arithmetic, not a loop over layers.
    later = config.num_layers - 1
    # A packed batch runs only the real steps; a cell runs one.
    steps = sum(spec.lengths) if spec.lengths else spec.seq_len * spec.batch_size
    per_layer = gates * hidden * (config.input_size + h) + projection
    per_layer += later * (gates * hidden * (d * h + h) + projection)
    macs = steps * d * per_layer
    onednn = config.family == "LSTM" and not config.proj_size
    factor = ACTIVATION_FACTOR[config.family][d] if not config.proj_size else PROJECTED_LSTM_FACTOR[d]
    widest = max(config.input_size, d * h if later else 0)
    copies = TWO_WAY_ONEDNN_COPY * widest if onednn and d == 2 else 0.0
    # A packed batch is transposed while packing (counted below); an unbatched one has no batch to move.
    if config.batch_first and not (config.is_cell or spec.lengths or spec.unbatched):
        copies += BATCH_FIRST_COPY * config.input_size
    per_step = widest + factor * hidden + copies
    states = sum(t.numel for t in prediction.tensors if t.key[0] in "hc")  # initial and final states
    padded = spec.seq_len * spec.batch_size  # packing copies the padded input once more
    extra = 2 * padded * config.input_size if spec.lengths else 0
    element = DTYPE_BYTES[spec.dtype]
    return Cost(
        parameter_bytes=prediction.parameter_count * element,
        activation_bytes=int(padded * per_step + states + extra) * element,
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
