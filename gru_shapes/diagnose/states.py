"""Fixes of the states given (h_0, and c_0 for an LSTM): reshaped with their numbers kept, cut, made
fresh, or the module rebuilt to fit them, each ranked by what the rest of the call says about which
side is wrong.

Which side is wrong is read from the shapes alone, by two rules (each shown by a pair of public
questions in ``tests/real_cases/diagnosis.py``):

- **features** (a state's last dim): a state whose size is another size of the same call (the output's
  D × H, the input's features, its length or its batch; an LSTM's hidden_size where h is projected)
  was built from the wrong variable: make the state fit (the BiLSTM-CRF tutorial's ``hidden_dim``
  for a ``hidden_dim // 2`` module). A size that is none of these is the hidden size the user has
  elsewhere, an encoder's: rebuild the module (IBM/pytorch-seq2seq#184, a decoder built with 1).
- **layers** (dim 0): when the user gave an input and it fits the module, the module is confirmed and
  the state is made to fit it (an ``init_hidden`` of one layer for three); with no input given the
  state is the only real tensor, and the module is rebuilt to it (IBM/pytorch-seq2seq#101, a decoder
  fed a 2-layer encoder's state: ``--layers 2``).

Adding a state's two directions is right only for a bidirectional encoder's state: first when the
user says so (``--encoder-bidirectional``), otherwise offered after the module fix, as a guess.

Pure: nothing here is tried; :mod:`gru_shapes.diagnose.fixes` screens, guards and runs them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product

from gru_shapes.diagnose.candidates import (
    FRESH_STATE,
    LAYER_BOUND,
    MODULE_FOR_STATE,
    STATE_FOR_MODULE,
    STATE_GUESS,
    STATE_KEPT,
    Candidate,
    zeros,
)
from gru_shapes.diagnose.diagnosis import Shape
from gru_shapes.diagnose.given import layout
from gru_shapes.i18n import _
from gru_shapes.model.shapes import TensorModel
from gru_shapes.model.spec import Spec

# At most this many joint fixes of two states are kept, best first.
_JOINT = 6


@dataclass(frozen=True)
class Evidence:
    """What the call says about a state, beyond its own shape."""

    confirmed: bool  # an input was given and fits the module: its layers are what the user built
    sizes: frozenset[int]  # the call's other sizes a state's features may have been taken from
    stated: bool  # the user said the states are a bidirectional encoder's

    @classmethod
    def of(cls, spec: Spec, explained: Spec, fed: Mapping[str, Shape]) -> Evidence:
        config = explained.config
        shape = fed["input"]
        ranks = (2, 1) if config.is_cell else (3, 2)
        given = spec.given is not None and spec.given.input is not None
        fits = len(shape) in ranks and bool(shape) and shape[-1] == config.input_size
        sizes = {config.num_directions * config.h_size} if config.bidirectional else set()
        if config.proj_size:
            sizes |= {config.hidden_size, config.proj_size}
        if shape:
            sizes.add(shape[-1])
        sizes.add(explained.seq_len)
        if not explained.unbatched:
            sizes.add(explained.batch_size)
        return cls(given and fits, frozenset(sizes), spec.encoder_bidirectional)


def state_fixes(
    spec: Spec, explained: Spec, expected: Mapping[str, TensorModel], fed: Mapping[str, Shape]
) -> list[Candidate]:
    """Fixes of every given state that differs from what ``explained`` expects, h_0 and c_0 fixed
    together (each joint fix changes the module in one way at most)."""
    evidence = Evidence.of(spec, explained, fed)
    wrong = [
        key for key in ("h_0", "c_0") if key in fed and key in expected and fed[key] != expected[key].shape
    ]
    found = {key: list(_fixes(spec, explained, key, fed[key], expected[key], evidence)) for key in wrong}
    if len(wrong) < 2:
        return found[wrong[0]] if wrong else []
    joint = [
        first.merged(second)
        for first, second in product(found["h_0"], found["c_0"])
        if first.changes == second.changes
    ]
    return sorted(joint, key=lambda c: c.tier)[:_JOINT]


def _fixes(
    spec: Spec, explained: Spec, key: str, given: Shape, want: TensorModel, evidence: Evidence
) -> Iterator[Candidate]:
    config = explained.config
    expected = want.shape
    same_rank = len(given) == len(expected)
    features_wrong = same_rank and bool(given) and given[-1] != expected[-1]
    layers_wrong = same_rank and not config.is_cell and bool(given) and given[0] != expected[0]
    # Which side to fix first: the state when its wrong size comes from elsewhere in the call (its
    # features), when the input confirms the module (its layers), or when no module has a state of
    # its rank; else the module.
    state_first = (
        not same_rank
        or (features_wrong and given[-1] in evidence.sizes)
        or (layers_wrong and not features_wrong and evidence.confirmed)
    )
    yield from _kept(key, given, want, explained)
    if same_rank and not config.is_cell and len(given) >= 2 and given[1:] == expected[1:]:
        yield from _layer_fixes(key, given, expected, explained, evidence, state_first)
    batch_axis = next((i for i, d in enumerate(want.dims) if d.name == "batch"), None)
    if same_rank and batch_axis is not None:
        others = [i for i in range(len(given)) if i != batch_axis]
        if all(given[i] == expected[i] for i in others) and given[batch_axis] > expected[batch_axis]:
            index = ", ".join([":"] * batch_axis + [f":{expected[batch_axis]}"])
            yield _state(
                key,
                STATE_FOR_MODULE,
                f"{key} = {key}[{index}]",
                expected,
                _("a smaller last batch: keep the state of its {count} sequences").format(
                    count=expected[batch_axis]
                ),
            )
    if features_wrong and given[-1] >= 1:
        option = "proj_size" if key == "h_0" and config.proj_size else "hidden_size"
        yield Candidate(
            MODULE_FOR_STATE,
            _("build the module for {key}'s features (its last dim)").format(key=key),
            {option: given[-1]},
        )
    if layers_wrong and given[0] >= 1:
        d = config.num_directions
        if given[0] % d == 0 and given[0] // d <= max(LAYER_BOUND, LAYER_BOUND * config.num_layers):
            why = _("{key}'s dim 0 is D × num_layers").format(key=key)
            yield Candidate(MODULE_FOR_STATE, why, {"layers": given[0] // d})
    fresh = STATE_FOR_MODULE if state_first else FRESH_STATE
    yield _state(
        key,
        fresh,
        f"{key} = {zeros(spec, expected)}",
        expected,
        _("start from zeros: {key} must be {layout}").format(key=key, layout=layout(want)),
        kind="shape",
    )


def _kept(key: str, given: Shape, want: TensorModel, explained: Spec) -> Iterator[Candidate]:
    """Reshapes that keep every number and can mean only one thing."""
    expected = want.shape
    if len(given) == len(expected) - 1 and (1, *given) == expected:
        yield _state(
            key,
            STATE_KEPT,
            f"{key} = {key}.unsqueeze(0)",
            expected,
            _("add the missing dim 0 ({key} is {layout})").format(key=key, layout=layout(want)),
        )
    if len(given) == len(expected) + 1 and given[0] == 1 and given[1:] == expected:
        why = (
            _("an unbatched input takes an unbatched state")
            if explained.unbatched
            else _("drop the extra dim 0 of size 1 ({key} is {layout})").format(key=key, layout=layout(want))
        )
        yield _state(key, STATE_KEPT, f"{key} = {key}.squeeze(0)", expected, why)
    if len(given) == len(expected) == 3 and (given[1], given[0], given[2]) == expected:
        yield _state(
            key,
            STATE_KEPT,
            f"{key} = {key}.transpose(0, 1).contiguous()",
            expected,
            _("{key} keeps batch in dim 1, whatever batch_first says").format(key=key),
        )


def _layer_fixes(
    key: str, given: Shape, expected: Shape, explained: Spec, evidence: Evidence, state_first: bool
) -> Iterator[Candidate]:
    """A state of more layer slots than the module has: both directions added, or the top layers."""
    config = explained.config
    if not config.bidirectional and given[0] == 2 * expected[0]:
        sizes = ", ".join(map(str, given[1:]))
        code = f"{key} = {key}.view({expected[0]}, 2, {sizes}).sum(1)"
        if evidence.stated:
            why = _("a bidirectional encoder's state: add its two directions, layer by layer")
            yield _state(key, STATE_KEPT, code, expected, why)
        else:
            why = _(
                "if {key} holds a bidirectional encoder's two directions: add them, layer by layer"
            ).format(key=key)
            yield _state(key, STATE_GUESS, code, expected, why)
    if given[0] > expected[0]:
        top = STATE_FOR_MODULE if state_first and not evidence.stated else STATE_GUESS
        yield _state(
            key,
            top,
            f"{key} = {key}[-{expected[0]}:]",
            expected,
            _("keep the last {count} of dim 0 (D × num_layers, layer-major): the top layer").format(
                count=expected[0]
            ),
        )


def _state(key: str, tier: int, code: str, shape: Shape, why: str, kind: str = "state") -> Candidate:
    return Candidate(tier, why, {}, code, {key: tuple(shape)}, kind)
