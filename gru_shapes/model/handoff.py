"""Handing an encoder's final state to a decoder: the recipes, as real Python, and whether each fits.

Pure Python and no torch. A recipe is a statement that sets ``h_0`` (and ``c_0`` for an LSTM
decoder) from ``h_n`` (and ``c_n``); the runner executes that very text, feeds the result to a
real decoder, and records whether torch accepted it.

>>> from gru_shapes.model.spec import make_spec
>>> spec = make_spec(layers=2, bidirectional=True)
>>> [r.name for r in recipes(spec)]
['forward', 'sum', 'concat', 'concat_view', 'bridge']
>>> next(r for r in recipes(spec) if r.name == "concat").code
'h_0 = h_n.view(2, 2, -1, 32).transpose(1, 2).reshape(2, -1, 64)'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from gru_shapes.i18n import N_, _
from gru_shapes.model.spec import Spec

# Each recipe's name (a JSON key) and its title in words.
TITLES: dict[str, str] = {
    "as_is": N_("as it is"),
    "forward": N_("forward direction only"),
    "sum": N_("sum of the directions"),
    "concat": N_("directions concatenated"),
    "concat_view": N_("bare view (wrong)"),
    "bridge": N_("linear bridge"),
    "last_layers": N_("last layers only"),
    "repeat_last": N_("last layer repeated"),
}


@dataclass(frozen=True)
class Decoder:
    """The decoder a hand-off is checked against: always one direction."""

    module: str
    num_layers: int
    hidden_size: int

    def call(self, input_size: int, batch_first: bool) -> str:
        """Its constructor as code."""
        layout = ", batch_first=True" if batch_first else ""
        return f"nn.{self.module}({input_size}, {self.hidden_size}, num_layers={self.num_layers}{layout})"


@dataclass(frozen=True)
class Recipe:
    """A statement that makes the decoder's initial state, the shapes it makes, and whether
    they fit the decoder (``reason`` says why not). ``pairs`` marks a recipe whose halves must
    be each layer's own forward and backward state. ``setup`` is what the model builds once."""

    name: str
    code: str
    h_shape: tuple[int, ...]
    c_shape: tuple[int, ...] | None
    reason: str | None
    note: str | None = None
    setup: str | None = None
    pairs: bool = False
    wrong: bool = False  # never right, whatever torch accepts: shown to be named, never verified

    @property
    def fits(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class HandoffRow:
    """A recipe as run: the shape torch gave its h_0 and whether a real decoder accepted it."""

    name: str
    expression: str
    shape: tuple[int, ...]
    decoder: str
    verified: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "shape": list(self.shape)}


def decoder(spec: Spec) -> Decoder:
    """The decoder asked for; by default the encoder's family and layers, and ``D × h`` features
    so that the directions can be concatenated."""
    config = spec.config
    return Decoder(
        module=spec.decoder_module or config.family,
        num_layers=spec.decoder_layers or config.num_layers,
        hidden_size=spec.decoder_hidden_size or config.num_directions * config.h_size,
    )


def asked(spec: Spec) -> bool:
    """Whether the user named a decoder."""
    return any(v is not None for v in (spec.decoder_layers, spec.decoder_hidden_size, spec.decoder_module))


def usual_decoders(spec: Spec) -> tuple[Decoder, ...]:
    """The decoders an encoder like this one is most often handed to, when the user named none: one
    direction, the same module, the same layers with D × h features and with h, and one layer."""
    config = spec.config
    d, h = config.num_directions, config.h_size
    found = [
        Decoder(config.family, config.num_layers, d * h),
        Decoder(config.family, config.num_layers, h),
        Decoder(config.family, 1, d * h),
    ]
    return tuple(dict.fromkeys(found))


class _Shaper:
    """Builds the expressions on one state (``h_n`` or ``c_n``) and the shapes they give."""

    def __init__(self, spec: Spec, key: str, features: int) -> None:
        config = spec.config
        self.key, self.features = key, features
        self.layers, self.directions = config.num_layers, config.num_directions
        self.unbatched, self.batch_size = spec.unbatched, spec.batch_size
        self.batch: tuple[int, ...] = () if spec.unbatched else (spec.batch_size,)

    def shape(self, layers: int, features: int) -> tuple[int, ...]:
        return (layers, *self.batch, features)

    def view(self) -> str:
        batch = "" if self.unbatched else "-1, "
        return f"{self.key}.view({self.layers}, {self.directions}, {batch}{self.features})"

    def joined(self) -> str:
        """Each layer's directions side by side: (layers, batch, D × features)."""
        batch = "" if self.unbatched else "-1, "
        if self.directions == 1:
            return self.key
        swap = "" if self.unbatched else ".transpose(1, 2)"
        return f"{self.view()}{swap}.reshape({self.layers}, {batch}{2 * self.features})"

    def bare_view(self) -> str:
        """``h_n.view(num_layers, batch, D * hidden)``, spelled with this run's sizes: the common
        wrong recipe, which pairs halves of different sequences and directions."""
        batch = "" if self.unbatched else f"{self.batch_size}, "
        return f"{self.key}.view({self.layers}, {batch}{2 * self.features})"


# A recipe's expression on one state, and the features it gives each layer.
Transform = Callable[["_Shaper"], tuple[str, int]]


def recipes(spec: Spec, wanted: Decoder | None = None) -> tuple[Recipe, ...]:
    """Every recipe for ``spec``'s final state and its decoder (the one asked for, by default); those
    that cannot fit carry the reason."""
    config = spec.config
    if config.is_cell:
        return ()
    wanted = wanted or decoder(spec)
    h = _Shaper(spec, "h_n", config.h_size)
    # The encoder's c, when there is one, feeds an LSTM decoder's c_0; otherwise c_0 starts at zero.
    c = _Shaper(spec, "c_n", config.hidden_size) if config.family == "LSTM" else None
    layers = config.num_layers

    def make(name: str, on: Transform, layers_out: int, note: str | None = None, **extra: Any) -> Recipe:
        h_code, h_features = on(h)
        h_shape = h.shape(layers_out, h_features)
        code, c_shape = f"h_0 = {h_code}", None
        if wanted.module == "LSTM" and c is not None:
            c_code, c_features = on(c)
            code, c_shape = f"h_0, c_0 = {h_code}, {c_code}", c.shape(layers_out, c_features)
        elif wanted.module == "LSTM":
            code, c_shape = f"{code}; c_0 = torch.zeros_like(h_0)", h_shape
        reason = _misfit(spec, wanted, h_shape, c_shape)
        note = _with_cell_note(spec, wanted, reason, note)
        return Recipe(name, code, h_shape, c_shape, reason, note, **extra)

    def bridged(s: _Shaper) -> tuple[str, int]:
        name = "bridge" if s.key == "h_n" else "bridge_c"
        return f"{name}({s.joined()})", wanted.hidden_size

    setup = f"bridge = nn.Linear({config.num_directions * config.h_size}, {wanted.hidden_size})"
    if wanted.module == "LSTM" and c is not None:
        setup += f"; bridge_c = nn.Linear({config.num_directions * config.hidden_size}, {wanted.hidden_size})"
    transforms: list[tuple[str, Transform, str | None]] = []
    if config.num_directions == 2:
        transforms += [
            ("forward", lambda s: (f"{s.view()}[:, 0]", s.features), None),
            ("sum", lambda s: (f"{s.view()}.sum(1)", s.features), None),
            ("concat", lambda s: (s.joined(), 2 * s.features), None),
            ("concat_view", lambda s: (s.bare_view(), 2 * s.features), _bare_view_note(spec)),
        ]
    else:
        transforms.append(("as_is", lambda s: (s.key, s.features), None))
    transforms.append(("bridge", bridged, setup))
    found = [
        make(
            name,
            on,
            layers,
            note,
            pairs=name.startswith("concat"),
            setup=setup if name == "bridge" else None,
            wrong=name == "concat_view",
        )
        for name, on, note in transforms
    ]
    if wanted.num_layers != layers:
        # The first recipe whose features fit the decoder (the bridge always does), with its layers adapted.
        base, on, _note = next(
            (
                t
                for t, r in zip(transforms, found, strict=True)
                if r.name != "concat_view" and _fits_features(wanted, r)
            ),
            transforms[-1],
        )
        n = wanted.num_layers
        if n < layers:
            name, suffix = "last_layers", f"[-{n}:]"
            note = _("the decoder's layers take the encoder's top {n}").format(n=n)
        else:
            name = "repeat_last"
            suffix = f"[-1:].repeat({n}, 1)" if spec.unbatched else f"[-1:].repeat({n}, 1, 1)"
            note = _("every decoder layer starts from the encoder's last layer")

        def relayered(s: _Shaper, on: Transform = on, suffix: str = suffix) -> tuple[str, int]:
            code, features = on(s)
            return f"{code}{suffix}", features

        note = f"{_(TITLES[base])}, {note}"
        found.append(make(name, relayered, n, note, setup=setup if base == "bridge" else None))
    return tuple(found)


def _bare_view_note(spec: Spec) -> str:
    """Why ``h_n.view(L, -1, 2 * H)`` is wrong, or right here by chance."""
    if spec.unbatched:
        return _("the unbatched state has no batch dim to mix")
    if spec.batch_size == 1:
        return _(
            "the common wrong recipe: right here only because the batch is 1; with more sequences it mixes "
            "sequences and directions"
        )
    return _(
        "the common wrong recipe: the right shape, but dim 0 of h_n holds layer and direction, so this view "
        "pairs halves of different sequences and directions"
    )


def _fits_features(wanted: Decoder, recipe: Recipe) -> bool:
    feature_ok = recipe.h_shape[-1] == wanted.hidden_size
    return feature_ok and (recipe.c_shape is None or recipe.c_shape[-1] == wanted.hidden_size)


def _misfit(
    spec: Spec, wanted: Decoder, h_shape: tuple[int, ...], c_shape: tuple[int, ...] | None
) -> str | None:
    """Why these shapes cannot be the decoder's initial state; None when they fit."""
    expected = (wanted.num_layers, *(() if spec.unbatched else (spec.batch_size,)), wanted.hidden_size)
    if h_shape != expected:
        return _("the decoder wants h_0 {expected}").format(expected=list(expected))
    if c_shape is not None and c_shape != expected:
        return _("c_0 is {shape}; the decoder wants {expected}").format(
            shape=list(c_shape), expected=list(expected)
        )
    return None


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def _with_cell_note(spec: Spec, wanted: Decoder, reason: str | None, note: str | None) -> str | None:
    """What happens to the cell state, said on the recipes that fit (it holds for them all)."""
    lstm_encoder = spec.config.family == "LSTM"
    if reason is None and wanted.module != "LSTM" and lstm_encoder:
        cell = _("c_n is not used: a {module} decoder has no cell state").format(module=wanted.module)
        return _join(note, cell)
    if reason is None and wanted.module == "LSTM" and not lstm_encoder:
        return _join(note, _("c_0 starts at zero: the encoder has no cell state"))
    return note
