"""How many threads a run computes with: one for small work, torch's own count for large work.

A recurrent layer runs its steps one after another; only each step's matrix products can be split
between threads. Below about a million multiply-accumulates a step, waking and joining a second
thread costs more than it saves (``python benchmarks/threads.py`` measures the crossover), and on a
busy machine threads that spin for microseconds of arithmetic slow every neighbour down. So small
work runs on one thread and large work keeps torch's default.

The policy is the command line's alone: there the process is gru-shapes' own. It is off when
``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` is set (the user chose), and in the Python API, whose
process (and ``torch.set_num_threads``) belongs to the caller. torch is imported only when a run
already has it loaded.
"""

from __future__ import annotations

import os

from gru_shapes.model.cost import Cost
from gru_shapes.model.spec import Spec

# One step's matrix products, in multiply-accumulates, from which a second thread pays for itself.
LARGE_STEP_MACS = 1 << 20
# Variables through which a user sets torch's thread count themselves.
USER_SETTINGS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")

_owned = False
# torch's own count in this process, read before the policy first changes it.
_default: int | None = None


def own_process() -> None:
    """Declare the process gru-shapes' own (the command line): the policy may apply from now on."""
    global _owned
    _owned = not any(os.environ.get(name) for name in USER_SETTINGS)


def step_macs(spec: Spec, cost: Cost) -> int:
    """The multiply-accumulates of one time step, all layers and directions together.

    >>> from gru_shapes.model.cost import estimate
    >>> from gru_shapes.model.shapes import predict
    >>> from gru_shapes.model.spec import make_spec
    >>> spec = make_spec()
    >>> step_macs(spec, estimate(spec, predict(spec)))  # 96 rows × (10 + 32) columns
    4032
    """
    steps = 1 if spec.config.is_cell else max(1, spec.seq_len)
    return cost.macs // steps


def chosen(spec: Spec, cost: Cost, default: int) -> int:
    """The thread count for this run: 1 for small work on the CPU, else ``default`` (torch's own).

    >>> from gru_shapes.model.cost import estimate
    >>> from gru_shapes.model.shapes import predict
    >>> from gru_shapes.model.spec import make_spec
    >>> small = make_spec(layers=2, bidirectional=True)
    >>> large = make_spec(input_size=256, hidden_size=512, layers=2, bidirectional=True, batch_size=64, seq_len=200)
    >>> [chosen(s, estimate(s, predict(s)), default=16) for s in (small, large)]
    [1, 16]
    """
    if spec.device.startswith("cuda"):
        return default  # the CPU only feeds the GPU's kernels
    return 1 if step_macs(spec, cost) < LARGE_STEP_MACS else default


def fit(spec: Spec, cost: Cost) -> None:
    """Set the thread count for a run of ``spec`` in a process of our own (see :func:`own_process`);
    elsewhere nothing changes."""
    global _default
    if not _owned:
        return
    import torch  # loaded already: only a run that is about to happen asks

    if _default is None:
        _default = torch.get_num_threads()
    wanted = chosen(spec, cost, _default)
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
