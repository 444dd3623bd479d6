"""torch's own answer to "which cells of the unrolled network does this slice hold?".

Nothing here uses the package's shape model, state slots or drawing. The module runs in float64 on
random input (packed where the spec is packed); every cell's state, ``(layer, direction, step,
sequence)``, is recomputed step by step from the module's own weights, and the recomputation is first
asserted equal to torch's ``output`` and ``h_n``. Each position of ``output``, ``h_n`` and ``c_n`` is then
located among those states by value (padding, all zeros, holds none). An expression (or a hand-off
statement) runs on leaf copies of torch's tensors; the positions its result has a gradient on are
exactly those it reads, and their cells are its cells.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from gru_shapes.model.spec import Spec

Cell = tuple[int, ...]


class Truth:
    """A spec's module run by torch, ready to say which cells any expression reads."""

    def __init__(self, spec: Spec, seed: int = 0) -> None:
        config = spec.config
        self.spec = spec
        self.d, self.h = config.num_directions, config.h_size
        self.lengths = list(spec.lengths) if spec.lengths else [spec.seq_len] * spec.batch_size
        generator = torch.Generator().manual_seed(seed)
        keywords = config.keywords()
        torch.manual_seed(seed)
        self.module = getattr(nn, config.module)(**keywords).double().eval()
        batch, steps = len(self.lengths), max(self.lengths, default=spec.seq_len)
        x = torch.randn(batch, steps, config.input_size, dtype=torch.float64, generator=generator)
        with torch.no_grad():
            self.output, self.h_n, self.c_n = self._run(x)
            self.states = self._recompute(x)
        self._check_recomputation()
        self.where = self._positions()

    def _run(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        spec, config = self.spec, self.spec.config
        fed = x if config.batch_first else x.transpose(0, 1)
        if spec.unbatched:
            fed = x[0]
        if spec.lengths:
            packed = pack_padded_sequence(
                fed, torch.tensor(self.lengths), batch_first=config.batch_first, enforce_sorted=False
            )
            out, state = self.module(packed)
            output = pad_packed_sequence(out, batch_first=config.batch_first)[0]
        else:
            output, state = self.module(fed)
        h_n, c_n = state if isinstance(state, tuple) else (state, None)
        return output, h_n, c_n

    def _recompute(self, x: torch.Tensor) -> dict[Cell, tuple[torch.Tensor, torch.Tensor]]:
        """(layer, direction, step, sequence) -> (h, c) after that step, from the weights."""
        config = self.spec.config
        states = {}
        for b, length in enumerate(self.lengths):
            below = x[b, :length]
            for layer in range(config.num_layers):
                outs = []
                for d in range(self.d):
                    suffix = f"_l{layer}" + ("_reverse" if d else "")
                    w = {
                        n: getattr(self.module, f"{n}{suffix}", None)
                        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
                    }
                    h = torch.zeros(self.h, dtype=torch.float64)
                    c = torch.zeros(config.hidden_size, dtype=torch.float64)
                    hs: list[torch.Tensor] = [h] * length
                    for t in range(length) if d == 0 else reversed(range(length)):
                        gi = w["weight_ih"] @ below[t] + (0 if w["bias_ih"] is None else w["bias_ih"])
                        gh = w["weight_hh"] @ h + (0 if w["bias_hh"] is None else w["bias_hh"])
                        h, c = self._step(gi, gh, h, c, w["weight_hr"])
                        states[layer, d, t, b] = (h, c)
                        hs[t] = h
                    outs.append(torch.stack(hs))
                below = torch.cat(outs, dim=1)
        return states

    def _step(
        self, gi: torch.Tensor, gh: torch.Tensor, h: torch.Tensor, c: torch.Tensor, hr: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        family = self.spec.config.family
        if family == "GRU":
            ir, iz, i_n = gi.chunk(3)
            hr_, hz, hn = gh.chunk(3)
            r, z = torch.sigmoid(ir + hr_), torch.sigmoid(iz + hz)
            n = torch.tanh(i_n + r * hn)
            return (1 - z) * n + z * h, c
        if family == "RNN":
            act = torch.relu if self.spec.config.nonlinearity == "relu" else torch.tanh
            return act(gi + gh), c
        i, f, g, o = (gi + gh).chunk(4)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return (h if hr is None else hr @ h), c

    def _batched(self, name: str) -> torch.Tensor:
        """output as (batch, step, features), h_n and c_n as (slot, batch, features)."""
        tensor = getattr(self, name)
        if self.spec.unbatched:
            return tensor.unsqueeze(0 if name == "output" else 1)
        if name == "output" and not self.spec.config.batch_first:
            return tensor.transpose(0, 1)
        return tensor

    def _check_recomputation(self) -> None:
        top = self.spec.config.num_layers - 1
        output = self._batched("output")
        for b, length in enumerate(self.lengths):
            for t in range(length):
                mine = torch.cat([self.states[top, d, t, b][0] for d in range(self.d)])
                assert torch.allclose(output[b, t], mine, atol=1e-9), (b, t)

    def _find(self, vector: torch.Tensor, kind: int) -> Cell | None:
        if not vector.abs().max() > 0:
            return None  # padding
        hits = [k for k, v in self.states.items() if torch.allclose(v[kind], vector, atol=1e-9)]
        assert len(hits) == 1, f"a vector found {len(hits)} times"
        return hits[0]

    def _positions(self) -> dict[str, dict[tuple[int, ...], Cell | None]]:
        """Each position of output (b, t, direction) and of h_n, c_n (slot, b): the cell it holds."""
        where: dict[str, dict[tuple[int, ...], Cell | None]] = {"output": {}, "h_n": {}, "c_n": {}}
        output = self._batched("output")
        for b in range(output.shape[0]):
            for t in range(output.shape[1]):
                for k in range(self.d):
                    where["output"][b, t, k] = self._find(output[b, t, k * self.h : (k + 1) * self.h], 0)
        for name, kind in (("h_n", 0), ("c_n", 1)):
            if getattr(self, name) is None:
                continue
            state = self._batched(name)
            for i in range(state.shape[0]):
                for b in range(state.shape[1]):
                    where[name][i, b] = self._find(state[i, b], kind)
        return where

    def cells(self, expression: str, decoder_features: int | None = None) -> set[Cell]:
        """The cells ``expression`` reads, as the page keys them: (layer, direction, step), plus the
        sequence for a packed batch."""
        leaves = {
            name: getattr(self, name).detach().clone().requires_grad_(True)
            for name in ("output", "h_n", "c_n")
            if getattr(self, name) is not None
        }
        scope: dict[str, Any] = {
            **leaves,
            "torch": torch,
            "B": len(self.lengths),
            "lengths": torch.tensor(self.lengths),
        }
        if decoder_features is not None:
            config = self.spec.config
            scope["bridge"] = nn.Linear(self.d * self.h, decoder_features).double()
            scope["bridge_c"] = nn.Linear(self.d * config.hidden_size, decoder_features).double()
        try:
            code = compile(expression, "<slice>", "eval")
        except SyntaxError:  # a hand-off statement: what it assigns
            exec(expression, scope)
            results = [scope[k] for k in ("h_0", "c_0") if k in scope]
        else:
            results = [eval(code, scope)]
        total = sum((r * torch.randn_like(r)).sum() for r in results if r.requires_grad)
        if not isinstance(total, torch.Tensor):
            return set()
        total.backward()
        found: set[Cell] = set()
        for name, leaf in leaves.items():
            if leaf.grad is None:
                continue
            grad = leaf.grad.unsqueeze(0 if name == "output" else 1) if self.spec.unbatched else leaf.grad
            if name == "output":
                if not self.spec.config.batch_first and not self.spec.unbatched:
                    grad = grad.transpose(0, 1)
                grad = grad.reshape(*grad.shape[:2], self.d, self.h).abs().sum(-1)
            else:
                grad = grad.abs().sum(-1)
            for position in torch.nonzero(grad).tolist():
                cell = self.where[name][tuple(position)]
                if cell is not None:
                    found.add(cell if self.spec.lengths else cell[:3])
        return found
