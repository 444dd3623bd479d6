"""Carrying the state across chunks, as truncated backpropagation does: pure parts, no torch.

The runner splits the input into these chunks, feeds each chunk's final state to the next,
and compares what comes out with the unchunked run.

>>> chunk_lengths(35, 3)
(12, 12, 11)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from gru_shapes.i18n import _
from gru_shapes.model.spec import Spec


@dataclass(frozen=True)
class LastBatch:
    """A state carried from a batch of ``carried`` sequences into a last batch of ``given``:
    torch's message, two fixes as code (cut the carried state to the batch, or start from a
    state sized from the input), and whether torch ran both."""

    carried: int
    given: int
    error: str | None
    fix: str
    fixed: bool
    alternative: str = ""


@dataclass(frozen=True)
class Chunks:
    """The chunked run compared with the whole one."""

    count: int
    lengths: tuple[int, ...]
    max_abs_diff: float
    equal: bool
    last_batch: LastBatch | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``chunks`` object; ``asdict`` turns the nested last batch into one too."""
        return {**asdict(self), "lengths": list(self.lengths)}


def chunk_lengths(seq_len: int, count: int) -> tuple[int, ...]:
    """``count`` chunks as even as possible, longer ones first (as ``torch.tensor_split`` cuts)."""
    count = max(1, min(count, seq_len))
    size, extra = divmod(seq_len, count)
    return tuple(size + (index < extra) for index in range(count))


def time_dim(spec: Spec) -> int:
    return 1 if spec.config.batch_first and not spec.unbatched else 0


def loop_code(spec: Spec) -> tuple[str, ...]:
    """The training loop's lines that carry the state, for this module and layout."""
    lengths = list(chunk_lengths(spec.seq_len, spec.chunks or 1))
    name = spec.config.family.lower()
    lstm = spec.config.family == "LSTM"
    detach = "h = tuple(s.detach() for s in h)" if lstm else "h = h.detach()"
    return (
        "h = None",
        f"for x in torch.split(input, {lengths}, dim={time_dim(spec)}):",
        f"    output, h = {name}(x, h)",
        "    # " + _("when training: backpropagate within the chunk only"),
        f"    {detach}",
    )


def sized_from_input(spec: Spec) -> str:
    """A fresh zero state sized from the batch that came (``x.new_zeros`` keeps its device and dtype)."""
    config = spec.config
    batch = "x.size(0)" if config.batch_first else "x.size(1)"
    states = config.num_layers * config.num_directions
    h = f"x.new_zeros({states}, {batch}, {config.h_size})"
    if config.family == "LSTM":
        return f"h = ({h}, x.new_zeros({states}, {batch}, {config.hidden_size}))"
    return f"h = {h}"


def last_batch_fix(spec: Spec) -> str:
    """Cut the carried state to the batch that came: the batch dim of h is 1 whatever the layout."""
    batch = "x.size(0)" if spec.config.batch_first else "x.size(1)"
    if spec.config.family == "LSTM":
        return f"h = tuple(s[:, :{batch}] for s in h)"
    return f"h = h[:, :{batch}]"
