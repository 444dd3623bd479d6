"""A state carried into a recurrent call from an earlier forward pass, still attached to its graph.

Autograd numbers the nodes it creates, one thread's nodes in order; a probe made just before the
traced forward gives the first number of this forward. A state handed in whose ``grad_fn`` has a
lower number was computed before it: the previous batch's ``(h_n, c_n)`` stored on the model (or in
the training loop) without ``detach()``, whose ``backward()`` walks into a graph already freed
("Trying to backward through the graph a second time") or keeps every batch's graph alive.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


def probe() -> int | None:
    """The number autograd gives the next node it creates on this thread (None if it cannot tell)."""
    try:
        with torch.inference_mode(False), torch.enable_grad():
            leaf = torch.zeros((), requires_grad=True)
            node = (leaf * 1).grad_fn
        return int(node._sequence_nr()) if node is not None else None
    except (AttributeError, RuntimeError):  # a torch without node numbers: the rule stays silent
        return None


def carried(states: Iterable[torch.Tensor], start: int | None) -> str | None:
    """The ``grad_fn`` of the first state computed before ``start`` (an earlier forward), or None."""
    if start is None:
        return None
    for state in states:
        node = state.grad_fn
        if node is not None and int(node._sequence_nr()) < start:
            return type(node).__name__
    return None
