"""The words of a reading: which (layer, direction) slots, which sequences (and how the batch was
regrouped), which steps. Plain Python, no torch.

>>> slots_words({(0, 0), (1, 0)}, 2)
'layers 0, 1, forward direction only'
"""

from __future__ import annotations

from gru_shapes.i18n import _
from gru_shapes.model.follow import Context, Labels, Meaning


def slots_words(slots: set[tuple[int, int]], d: int) -> str:
    """Which (layer, direction) slots, by layer; layers holding the same directions named together."""
    by_layer: dict[int, frozenset[int]] = {}
    for layer, k in slots:
        by_layer[layer] = by_layer.get(layer, frozenset()) | {k}
    groups: dict[frozenset[int], list[int]] = {}
    for layer in sorted(by_layer):
        groups.setdefault(by_layer[layer], []).append(layer)
    words = []
    for directions, layers in groups.items():
        if len(layers) == 1:
            words.append(slot_words(layers[0], set(directions), d))
        else:
            words.append(layers_words(layers, set(directions), d))
    return "; ".join(words)


def slot_words(layer: int, directions: set[int], d: int) -> str:
    if d == 1:
        return _("layer {layer}").format(layer=layer)
    if directions == {0, 1}:
        return _("layer {layer}, both directions").format(layer=layer)
    if directions == {1}:
        return _("layer {layer}, backward direction only").format(layer=layer)
    return _("layer {layer}, forward direction only").format(layer=layer)


def layers_words(layers: list[int], directions: set[int], d: int) -> str:
    named = ", ".join(str(layer) for layer in layers)
    if d == 1:
        return _("layers {layers}").format(layers=named)
    if directions == {0, 1}:
        return _("layers {layers}, both directions").format(layers=named)
    if directions == {1}:
        return _("layers {layers}, backward direction only").format(layers=named)
    return _("layers {layers}, forward direction only").format(layers=named)


def batch_words(found: list[Labels], context: Context, meaning: Meaning | None = None) -> str:
    sequences = set().union(*(e.get("b", frozenset()) for e in found))
    if context.unbatched or not sequences:
        return ""
    spread = regrouped(meaning) if meaning is not None else ""
    if len(sequences) == context.batch:
        return spread
    words = _(" (sequences {sequences} of {count})").format(sequences=sorted(sequences), count=context.batch)
    return words + spread


def regrouped(meaning: Meaning) -> str:
    """The batch spread over several dims, or several sequences per index (``h_n.view(B // 3, 3 * H)``
    of a batch of ``B``), in words."""
    varying = [
        axis
        for axis in meaning.axes
        if axis.labels and len({frozenset(e.get("b", ())) for e in axis.labels}) > 1
    ]
    if len(varying) >= 2:
        sizes = [axis.size for axis in varying]
        return _(" (the batch of {batch} regrouped as {sizes})").format(
            batch=meaning.context.batch, sizes=sizes
        )
    per = max((len(e.get("b", ())) for axis in varying for e in axis.labels or ()), default=1)
    return _(" ({per} sequences per index)").format(per=per) if per > 1 else ""


def cell_words(source: str, found: list[Labels], context: Context) -> str:
    words = _("the next cell state") if source.startswith("c") else _("the next hidden state")
    return words + batch_words(found, context)


def steps_words(steps: set[int]) -> str:
    """``0–3, 5``: runs of consecutive steps."""
    ordered = sorted(steps)
    runs: list[list[int]] = []
    for step in ordered:
        if runs and step == runs[-1][-1] + 1:
            runs[-1].append(step)
        else:
            runs.append([step])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)
