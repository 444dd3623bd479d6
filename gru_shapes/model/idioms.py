"""Taking the final state: the expressions people write on ``output`` and ``h_n``, in words.

Pure Python and no torch: for a spec, which expressions apply, as real Python for its layout,
what each holds and where a reader is misled. The runner evaluates every expression on the run's
tensors and decides, against precise definitions, which quantity each one really equals.

>>> from gru_shapes.model.spec import make_spec
>>> [i.expression for i in idioms(make_spec(bidirectional=True))][:3]
['h_n[-1]', 'h_n[-2:]', 'torch.cat((h_n[-2], h_n[-1]), dim=1)']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gru_shapes.i18n import N_, _
from gru_shapes.model.spec import Spec

# The precise quantities an expression may equal (JSON keys), and what each is in words.
QUANTITIES: dict[str, str] = {
    "h_last_forward": N_("h of the last layer, forward, at each sequence's real end"),
    "h_last_backward": N_("h of the last layer, backward, after reading back to step 0"),
    "h_last_both": N_("the last layer's forward and backward h, concatenated"),
    "h_last_stacked": N_("the last layer's h, one row per direction"),
    "c_last_forward": N_("c of the last layer, forward"),
    "c_last_backward": N_("c of the last layer, backward"),
    "c_last_both": N_("the last layer's forward and backward c, concatenated"),
}
# The same, short enough for a table cell.
SHORT: dict[str, str] = {
    "h_last_forward": N_("final h, forward"),
    "h_last_backward": N_("final h, backward"),
    "h_last_both": N_("final h, both (cat)"),
    "h_last_stacked": N_("final h, stacked by direction"),
    "c_last_forward": N_("final c, forward"),
    "c_last_backward": N_("final c, backward"),
    "c_last_both": N_("final c, both (cat)"),
}

BACKWARD_ONLY = N_(
    "of a bidirectional module this is the last layer's backward state only; the forward one is {key}[-2]"
)
HALF_A_STEP = N_(
    "pairs the forward final state with the backward state after one step: the backward direction starts at the end"
)
PADDING = N_("in a padded batch this is padding (zeros) for every sequence shorter than the longest")
GATHERED_BACKWARD = N_(
    "its backward half is the state after one step from each end; the backward final state is at step 0"
)


@dataclass(frozen=True)
class Idiom:
    """One expression, what it holds, the quantity torch's semantics make it equal (None: none),
    and why a reader could be misled (None: no pitfall). Texts are in the language in force."""

    expression: str
    holds: str
    expected: str | None
    pitfall: str | None = None


@dataclass(frozen=True)
class IdiomRow:
    """An idiom evaluated on a run: its shape as torch returned it and the quantity it equalled."""

    expression: str
    shape: tuple[int, ...]
    holds: str
    equals: str | None
    pitfall: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "shape": list(self.shape),
            "holds": self.holds,
            "equals": self.equals,
            "pitfall": self.pitfall,
        }


class _Layout:
    """How to index output at a time step, for the layout in use."""

    def __init__(self, spec: Spec) -> None:
        self.batch_first = spec.config.batch_first and not spec.unbatched
        self.unbatched = spec.unbatched
        self.cat_dim = 0 if spec.unbatched else 1

    def output(self, step: str, features: str = "") -> str:
        if self.batch_first:
            return f"output[:, {step}{', ' + features if features else ''}]"
        if self.unbatched or not features:
            return f"output[{step}{', ' + features if features else ''}]"
        return f"output[{step}, :, {features}]"

    def gather(self, features: str = "") -> str:
        rows = "torch.arange(B)"
        index = f"{rows}, lengths - 1" if self.batch_first else f"lengths - 1, {rows}"
        return f"output[{index}{', ' + features if features else ''}]"


def idioms(spec: Spec) -> tuple[Idiom, ...]:
    """The final-state expressions for ``spec``, in reading order; none for a cell."""
    config = spec.config
    if config.is_cell:
        return ()
    layers, directions, h = config.num_layers, config.num_directions, config.h_size
    both = directions == 2
    layout = _Layout(spec)
    batch = "" if spec.unbatched else "-1, "
    found: list[Idiom] = list(_state_idioms("h", spec))
    # Listed for one direction and one layer too: the same expression works whatever the module.
    found.append(
        Idiom(
            f"h_n.view({layers}, {directions}, {batch}{h})[-1]",
            _("the last layer, one row per direction"),
            "h_last_stacked",
        )
    )
    last = layout.output("-1")
    if both:
        pitfall = _(HALF_A_STEP) + ("; " + _(PADDING) if spec.packed else "")
        found.append(
            Idiom(last, _("forward final state beside the backward state after one step"), None, pitfall)
        )
        if spec.packed:
            found.append(
                Idiom(
                    layout.output("-1", f":{h}"), _("forward half at the padded last step"), None, _(PADDING)
                )
            )
        else:
            found.append(
                Idiom(layout.output("-1", f":{h}"), _("forward half at the last step"), "h_last_forward")
            )
        found.append(Idiom(layout.output("0", f"{h}:"), _("backward half at step 0"), "h_last_backward"))
    elif spec.packed:
        found.append(Idiom(last, _("the padded last step"), None, _(PADDING)))
    else:
        found.append(Idiom(last, _("the last step's output: the last layer's final state"), "h_last_forward"))
    if spec.packed:
        if both:
            found.append(
                Idiom(layout.gather(), _("each sequence's last real step"), None, _(GATHERED_BACKWARD))
            )
            found.append(
                Idiom(
                    layout.gather(f":{h}"),
                    _("forward half at each sequence's last real step"),
                    "h_last_forward",
                )
            )
        else:
            found.append(Idiom(layout.gather(), _("each sequence's last real step"), "h_last_forward"))
    if config.family == "LSTM":
        found.extend(_state_idioms("c", spec))
    return tuple(found)


def _state_idioms(kind: str, spec: Spec) -> list[Idiom]:
    """``h_n[-1]`` and, for two directions, the last layer's pair; likewise for ``c_n``."""
    key = f"{kind}_n"
    config = spec.config
    cat_dim = 0 if spec.unbatched else 1
    projected = kind == "c" and config.proj_size > 0
    features = (
        " " + _("({hidden} features: c is not projected)").format(hidden=config.hidden_size)
        if projected
        else ""
    )
    if config.num_directions == 1:
        return [Idiom(f"{key}[-1]", _("the last layer's final state") + features, f"{kind}_last_forward")]
    return [
        Idiom(
            f"{key}[-1]",
            _("the last layer, backward direction only") + features,
            f"{kind}_last_backward",
            _(BACKWARD_ONLY).format(key=key),
        ),
        *(
            [Idiom(f"{key}[-2:]", _("the last layer, both directions stacked"), "h_last_stacked")]
            if kind == "h"
            else []
        ),
        Idiom(
            f"torch.cat(({key}[-2], {key}[-1]), dim={cat_dim})",
            _("the last layer, forward then backward") + features,
            f"{kind}_last_both",
        ),
    ]


_SPACES = re.compile(r"\s+")
_STATE_INDEX = re.compile(r"(h_n|c_n)\[(-?\d+)\]")


def classify(spec: Spec, expression: str) -> Idiom | None:
    """What ``expression`` (written on ``output``, ``h_n`` or ``c_n``) holds for ``spec``, and
    its pitfall; None when it is not one this module knows. Spaces and a trailing ``, :`` do not
    matter, and any single slice ``h_n[k]`` is named by its layer and direction.

    >>> from gru_shapes.model.spec import make_spec
    >>> idiom = classify(make_spec(bidirectional=True), "output[:, -1, :]")
    >>> idiom.expected is None, idiom.pitfall.startswith("pairs the forward final state")
    (True, True)
    >>> classify(make_spec(layers=2, bidirectional=True), "h_n[1]").holds
    'layer 0, backward'
    """
    wanted = _normal(expression)
    for idiom in idioms(spec):
        if _normal(idiom.expression) == wanted:
            return idiom
    match = _STATE_INDEX.fullmatch(wanted)
    config = spec.config
    if match is None or config.is_cell:
        return None
    key, index = match.group(1), int(match.group(2))
    slots = config.num_layers * config.num_directions
    if not -slots <= index < slots:
        return None
    index %= slots
    layer, direction = divmod(index, config.num_directions)
    words = _("backward") if direction else _("forward")
    last = layer == config.num_layers - 1
    expected = f"{key[0]}_last_{'backward' if direction else 'forward'}" if last else None
    pitfall = _(BACKWARD_ONLY).format(key=key) if last and direction else None
    return Idiom(
        expression, _("layer {layer}, {direction}").format(layer=layer, direction=words), expected, pitfall
    )


def _normal(expression: str) -> str:
    text = _SPACES.sub("", expression)
    while text.endswith(",:]"):
        text = text[: -len(",:]")] + "]"
    return text
