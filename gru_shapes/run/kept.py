"""What a process keeps between runs of the same configuration (a batch asks the same ones again
and again): each configuration's module, and each first-step check.

Weights come from the seed, so one configuration's module is built once and kept, with the
generator's state just after building it, from which the tensors fed are then drawn exactly as a
fresh build draws them, and the warnings its construction raised, raised again on every run as a
fresh build raises them. The first step recomputed from the weights depends only on the module and
the tensors fed: it is kept per configuration and tensors' shapes (equal shapes, equal tensors).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

import torch

from gru_shapes.model.spec import Spec
from gru_shapes.model.step import StepVerification

MOST_KEPT = 256
MOST_KEPT_PARAMETERS = 1 << 22  # elements, all kept modules together: 16 MiB in float32
Built = tuple[torch.nn.Module, torch.Tensor, list[warnings.WarningMessage]]
built: OrderedDict[Hashable, Built] = OrderedDict()
_sizes: dict[Hashable, int] = {}  # parameter elements of each kept module
checked: OrderedDict[Hashable, StepVerification] = OrderedDict()


def _key(spec: Spec, device: str, dtype: torch.dtype) -> Hashable:
    return (spec.module, tuple(spec.config.keywords().items()), spec.seed, device, dtype)


def module(spec: Spec, device: str, dtype: torch.dtype) -> torch.nn.Module:
    """``spec``'s module in eval mode, seeded, on ``device`` in ``dtype``; the default generator is
    left as building it leaves it. Call inside ``torch.random.fork_rng``."""
    key = _key(spec, device, dtype)
    if key in built:
        built.move_to_end(key)
        kept, state, raised = built[key]
        torch.default_generator.set_state(state)
    else:
        torch.default_generator.manual_seed(spec.seed)
        with warnings.catch_warnings(record=True) as raised:
            warnings.simplefilter("always")
            kept = getattr(torch.nn, spec.module)(**spec.config.keywords()).eval()
            # Built on the CPU in the default dtype; moving it there anyway still re-flattens its weights.
            if device != "cpu" or dtype != torch.get_default_dtype():
                kept = kept.to(device=device, dtype=dtype)
        _keep(key, (kept, torch.default_generator.get_state(), raised))
    for warning in raised:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return kept


def _keep(key: Hashable, entry: Built) -> None:
    """Keep a small module for the next run of its configuration; the oldest go first."""
    size = sum(p.numel() for p in entry[0].parameters())
    if size > MOST_KEPT_PARAMETERS // 16:
        return  # building a large module costs little beside running it
    built[key], _sizes[key] = entry, size
    while len(built) > MOST_KEPT or sum(_sizes.values()) > MOST_KEPT_PARAMETERS:
        dropped = next(iter(built))
        del built[dropped], _sizes[dropped]


def verified(
    spec: Spec,
    device: str,
    dtype: torch.dtype,
    fed: Mapping[str, torch.Tensor],
    verify: Callable[[], StepVerification],
) -> StepVerification:
    """``verify()``, once per configuration (``spec`` on ``device`` in ``dtype``) and tensors fed."""
    shapes = tuple((key, tuple(tensor.shape)) for key, tensor in fed.items())
    key = (_key(spec, device, dtype), shapes, spec.lengths, spec.unbatched)
    if key not in checked:
        checked[key] = verify()
        if len(checked) > 4 * MOST_KEPT:
            checked.popitem(last=False)
    return checked[key]


def forget() -> None:
    """Keep nothing more: the next run of every configuration builds and checks afresh."""
    built.clear()
    _sizes.clear()
    checked.clear()
