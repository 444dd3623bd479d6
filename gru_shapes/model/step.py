"""Inside one step: the module's update equations, written with this configuration's sizes.

Plain Python and no torch. Each equation is a small expression tree, so the same object gives the
text shown to the user and the computation :mod:`gru_shapes.run.step` checks against torch: the
equations shown are the equations verified.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from gru_shapes.i18n import _, current
from gru_shapes.model.shapes import GATES
from gru_shapes.model.spec import Spec


@dataclass(frozen=True)
class Ref:
    """A named term (a weight's rows, a bias, x_t, a state) or an earlier equation's result."""

    name: str


@dataclass(frozen=True)
class Product:
    """A weight times a vector: ``W x``, computed per sequence as ``x @ W.T``."""

    weight: Ref
    operand: Expr


@dataclass(frozen=True)
class Sum:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Hadamard:
    """Element-wise product, ``a ⊙ b``."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class Apply:
    """An activation: ``σ`` (sigmoid), ``tanh`` or ``relu``."""

    function: str
    argument: Expr


@dataclass(frozen=True)
class OneMinus:
    argument: Expr


Expr = Ref | Product | Sum | Hadamard | Apply | OneMinus


@dataclass(frozen=True)
class Term:
    """One named input of an equation: its shape and where its values come from."""

    name: str
    shape: tuple[int, ...]
    source: str


@dataclass(frozen=True)
class Equation:
    name: str
    expression: Expr
    shape: tuple[int, ...]
    terms: tuple[Term, ...]

    @functools.cached_property
    def text(self) -> str:  # the equations of a spec are kept (equations()), so each is written once
        """The equation as written, e.g. ``r_t = σ(W_ir x_t + b_ir + W_hr h_(t−1) + b_hr)``."""
        return f"{self.name} = {show(self.expression)}"


@dataclass(frozen=True)
class StepVerification:
    """What recomputing the first step(s) from the module's own weights gave, next to torch's."""

    verified: bool
    max_abs_diff: float
    tolerance: float
    compared: tuple[tuple[str, str], ...]  # (state, direction) compared with torch, e.g. ("h_t", "forward")


PREVIOUS_H, PREVIOUS_C = "h_(t−1)", "c_(t−1)"


def show(expression: Expr) -> str:
    """An expression as text, with parentheses only where they are needed.

    >>> show(Sum((Product(Ref("W_ih"), Ref("x_t")), Ref("b_ih"))))
    'W_ih x_t + b_ih'
    """
    if isinstance(expression, Ref):
        return expression.name
    if isinstance(expression, Product):
        return f"{expression.weight.name} {_grouped(expression.operand)}"
    if isinstance(expression, Sum):
        return " + ".join(show(part) for part in expression.parts)
    if isinstance(expression, Hadamard):
        return f"{_grouped(expression.left)} ⊙ {_grouped(expression.right)}"
    if isinstance(expression, Apply):
        return f"{expression.function}({show(expression.argument)})"
    return f"(1 − {show(expression.argument)})"


def _grouped(expression: Expr) -> str:
    text = show(expression)
    return f"({text})" if isinstance(expression, Sum | Hadamard) else text


def equations(spec: Spec, direction: str = "forward") -> tuple[Equation, ...]:
    """The first layer's update equations in ``direction``, each with its terms' shapes and sources.

    >>> from gru_shapes.model.spec import make_spec
    >>> [e.text for e in equations(make_spec(module="RNN"))]
    ['h_t = tanh(W_ih x_t + b_ih + W_hh h_(t−1) + b_hh)']
    >>> equations(make_spec())[0].terms[0]
    Term(name='W_ir', shape=(32, 10), source='weight_ih_l0[0:32]')
    """
    # Written once per spec, direction and language: a run checks them and its JSON shows them,
    # and batch lines repeat specs.
    return _written(spec, direction, current())


@functools.lru_cache(maxsize=256)
def _written(spec: Spec, direction: str, lang: str) -> tuple[Equation, ...]:
    config = spec.config
    family, hidden, h = config.family, config.hidden_size, config.h_size
    suffix = "" if config.is_cell else "_l0" + ("_reverse" if direction == "backward" else "")
    batch = () if spec.unbatched else (spec.batch_size,)
    vectors = _vectors(spec, direction, batch)

    def weight(kind: str, gate: str, index: int) -> Term:
        width = config.input_size if kind == "i" else h
        rows = f"{index * hidden}:{(index + 1) * hidden}"
        name = f"W_{kind}{gate}" if family != "RNN" else f"W_{kind}h"
        return Term(name, (hidden, width), f"weight_{kind}h{suffix}[{rows}]")

    def bias(kind: str, gate: str, index: int) -> Term:
        rows = f"{index * hidden}:{(index + 1) * hidden}"
        name = f"b_{kind}{gate}" if family != "RNN" else f"b_{kind}h"
        return Term(name, (hidden,), f"bias_{kind}h{suffix}[{rows}]")

    def gate(index: int, gate_name: str) -> tuple[Term, ...]:
        parts = [weight("i", gate_name, index)]
        parts += [bias("i", gate_name, index)] if config.bias else []
        parts += [weight("h", gate_name, index)]
        parts += [bias("h", gate_name, index)] if config.bias else []
        return tuple(parts)

    def linear(terms: tuple[Term, ...], operand: str) -> list[Expr]:
        found: list[Expr] = []
        for term in terms:
            found.append(
                Product(Ref(term.name), Ref(operand)) if term.name.startswith("W") else Ref(term.name)
            )
        return found

    def affine(terms: tuple[Term, ...]) -> Sum:
        from_x = [t for t in terms if t.name[2] == "i"]
        from_h = [t for t in terms if t.name[2] == "h"]
        return Sum((*linear(tuple(from_x), "x_t"), *linear(tuple(from_h), PREVIOUS_H)))

    state = (*batch, hidden)
    found: list[Equation] = []
    if family == "RNN":
        terms = gate(0, "h")
        expression = Apply(config.nonlinearity, affine(terms))
        found.append(Equation("h_t", expression, (*batch, h), (*terms, vectors["x_t"], vectors[PREVIOUS_H])))
        return tuple(found)
    names = GATES[family]
    gates = {name: gate(index, name) for index, name in enumerate(names)}
    if family == "GRU":
        for name in ("r", "z"):
            found.append(
                Equation(
                    f"{name}_t",
                    Apply("σ", affine(gates[name])),
                    state,
                    (*gates[name], vectors["x_t"], vectors[PREVIOUS_H]),
                )
            )
        n_terms = gates["n"]
        from_x = linear(tuple(t for t in n_terms if t.name[2] == "i"), "x_t")
        from_h = Sum(tuple(linear(tuple(t for t in n_terms if t.name[2] == "h"), PREVIOUS_H)))
        n = Apply("tanh", Sum((*from_x, Hadamard(Ref("r_t"), from_h))))
        found.append(
            Equation("n_t", n, state, (*n_terms, vectors["x_t"], vectors[PREVIOUS_H], _result("r_t", state)))
        )
        update = Sum((Hadamard(OneMinus(Ref("z_t")), Ref("n_t")), Hadamard(Ref("z_t"), Ref(PREVIOUS_H))))
        found.append(
            Equation(
                "h_t", update, state, (_result("z_t", state), _result("n_t", state), vectors[PREVIOUS_H])
            )
        )
        return tuple(found)
    activation = {"i": "σ", "f": "σ", "g": "tanh", "o": "σ"}
    for name in names:
        found.append(
            Equation(
                f"{name}_t",
                Apply(activation[name], affine(gates[name])),
                state,
                (*gates[name], vectors["x_t"], vectors[PREVIOUS_H]),
            )
        )
    cell = Sum((Hadamard(Ref("f_t"), Ref(PREVIOUS_C)), Hadamard(Ref("i_t"), Ref("g_t"))))
    cell_terms = (_result("f_t", state), vectors[PREVIOUS_C], _result("i_t", state), _result("g_t", state))
    found.append(Equation("c_t", cell, state, cell_terms))
    out = Hadamard(Ref("o_t"), Apply("tanh", Ref("c_t")))
    out_terms = (_result("o_t", state), _result("c_t", state))
    if config.proj_size:
        projection = Term("W_hr", (h, hidden), f"weight_hr{suffix}")
        found.append(Equation("h_t", Product(Ref("W_hr"), out), (*batch, h), (projection, *out_terms)))
    else:
        found.append(Equation("h_t", out, state, out_terms))
    return tuple(found)


def _result(name: str, shape: tuple[int, ...]) -> Term:
    return Term(name, shape, _("the equation above"))


def _vectors(spec: Spec, direction: str, batch: tuple[int, ...]) -> dict[str, Term]:
    """x_t and the previous states: their shapes, and which tensor holds them at the first step."""
    config = spec.config
    index = 1 if direction == "backward" else 0
    if config.is_cell:
        x_source, h_source, c_source = "input", "h_0", "c_0"
    else:
        at = "input[t]" if spec.unbatched or not config.batch_first else "input[:, t]"
        x_source = (
            _("{at}, t = 0 first").format(at=at)
            if index == 0
            else _("{at}, t = last step first (each sequence's own)").format(at=at)
        )
        h_source = _("h_0[{index}] at the first step, then the h_t before").format(index=index)
        c_source = _("c_0[{index}] at the first step, then the c_t before").format(index=index)
    return {
        "x_t": Term("x_t", (*batch, config.input_size), x_source),
        PREVIOUS_H: Term(PREVIOUS_H, (*batch, config.h_size), h_source),
        PREVIOUS_C: Term(PREVIOUS_C, (*batch, config.hidden_size), c_source),
    }


def to_dict(spec: Spec, verification: StepVerification | None) -> dict[str, Any]:
    """The JSON ``step`` object: the forward equations, and whether torch agreed (null before a run)."""
    return {
        "equations": [
            {
                "name": e.name,
                "expression": e.text,
                "shape": list(e.shape),
                "terms": [{"name": t.name, "shape": list(t.shape), "source": t.source} for t in e.terms],
            }
            for e in equations(spec)
        ],
        "verified": verification.verified if verification else None,
        "max_abs_diff": verification.max_abs_diff if verification else None,
    }
