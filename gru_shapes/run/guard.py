"""The memory guard: refuse a run whose estimate exceeds the budget, before anything is allocated."""

from __future__ import annotations

import os
import time

from gru_shapes.errors import RunFailure
from gru_shapes.i18n import _
from gru_shapes.model.cost import Cost, human_bytes

# Share of the memory currently available that a run may take by default: room for the estimate's
# 25% error and for everything else on the machine.
DEFAULT_SHARE = 0.5


def default_budget(device: str) -> int | None:
    """Half the memory available now on ``device``, or None where that cannot be read."""
    if device == "cpu":
        available = _available_host_memory()
    else:
        from gru_shapes.run.runner import free_device_memory  # CUDA needs torch to ask

        available = free_device_memory(device)
    return None if available is None else int(available * DEFAULT_SHARE)


def check(cost: Cost, max_memory: int | None, device: str) -> None:
    """Raise :class:`RunFailure` when ``cost`` does not fit ``max_memory`` bytes, or by default
    :func:`default_budget` of ``device``."""
    explicit = max_memory is not None
    budget = max_memory if explicit else default_budget(device)
    if budget is None or cost.total_bytes <= budget:
        return
    if explicit:
        origin = "--max-memory"
    else:
        origin = _("half the memory available on {device}; raise it with --max-memory").format(device=device)
    raise RunFailure(
        _(
            "this run would need about {total} (parameters {parameters}, activations {activations}), "
            "over the budget of {budget} ({origin}); add --dry-run to see every shape without running"
        ).format(
            total=human_bytes(cost.total_bytes),
            parameters=human_bytes(cost.parameter_bytes),
            activations=human_bytes(cost.activation_bytes),
            budget=human_bytes(budget),
            origin=origin,
        )
    )


# A batch asks before every line: the reading is reused for this long, in seconds.
_FRESH_FOR = 1.0
_last_reading: tuple[float, int | None] | None = None


def _available_host_memory() -> int | None:
    global _last_reading
    now = time.monotonic()
    if _last_reading is None or now - _last_reading[0] > _FRESH_FOR:
        _last_reading = (now, _read_available_host_memory())
    return _last_reading[1]


def _read_available_host_memory() -> int | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:  # not Linux: total physical memory is the best cheap answer
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
