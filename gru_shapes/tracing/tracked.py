"""What the tracer keeps while the forward runs, as plain records: each recurrent call on its way
(:class:`Draft`), each tensor followed from its results (:class:`Tracked`), the pitfall that reaches
what is computed from a tensor (:class:`Taint`), and the leaf or recurrent module being run
(:class:`Frame`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from gru_shapes.model.follow import Meaning
from gru_shapes.model.spec import Spec
from gru_shapes.tracing.traced import Fed
from gru_shapes.tracing.uses import Uses


@dataclass(frozen=True)
class Taint:
    """A pitfall upstream of a tensor: it reaches everything computed from it."""

    pitfall: str
    rule: str | None
    origin: str  # the expression of the use it started at


@dataclass(eq=False)
class Tracked:
    """A tensor derived from a recurrent result. ``meaning`` None: its labels were lost (a matrix
    product, a softmax), and ``holds`` says what it was computed from. ``parent`` and ``replay``
    recompute it from the tensor it was derived from (``reshaping``: by moving elements only), so
    that a repair can be tried on the forward's own tensors."""

    tensor: torch.Tensor  # kept alive so that its id is not reused while the forward runs
    meaning: Meaning | None
    expression: str
    call: int
    steps: int
    internal: bool = False  # pad_packed_sequence's own reordering follows: no use of its own
    calls: frozenset[int] = frozenset()
    qualified: str = ""  # the expression with each root named by its call: encoder.rnn → output
    taint: Taint | None = None
    parent: Tracked | None = None
    replay: Callable[[torch.Tensor], Any] | None = None
    reshaping: bool = False
    joined: bool = False  # computed from several traced tensors
    holds: str = ""
    quiet: bool = False  # past a module's output: only pooling, joins of calls and pitfalls are rows


@dataclass(eq=False)
class Draft:
    name: str
    module: nn.Module
    index: int
    position: int  # in the trace's calls
    fed: Fed
    spec: Spec
    returned: dict[str, tuple[int, ...]] = field(default_factory=dict)
    uses: Uses = field(default_factory=Uses)
    order: list[int] | None = None  # a packed call's sequences, in the order torch sorted them
    reordered: bool = False  # the packed call's sequences were sorted, so unpacking reorders them
    padded: tuple[int, ...] | None = None  # an unpacked batch seen to end in padding: real lengths

    @property
    def label(self) -> str:
        """The call's name where several calls are in play: its module's (the calls of one module in
        a loop are told apart by the call blocks, and their rows stay alike)."""
        return self.name


@dataclass
class Frame:
    name: str
    module: nn.Module
    tracked: Tracked | None
    counted: bool
