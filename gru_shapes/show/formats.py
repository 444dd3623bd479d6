"""The output formats (``--format``), and the terminal they are drawn for: its width and whether it
takes styles. Shared by every command that draws.
"""

from __future__ import annotations

import os
import shutil
import sys

from gru_shapes.errors import OptionError
from gru_shapes.i18n import _

FORMATS = ("table", "json", "markdown", "svg", "html")


def output_format(value: str, as_json: bool) -> str:
    """The format asked for by ``--format`` and ``--json``.

    >>> output_format("Markdown", False), output_format("table", True)
    ('markdown', 'json')
    """
    # One rule for case: names gru-shapes chooses (--module, --format, --dtype, ...) take any case;
    # only --nonlinearity, which torch reads itself, is spelled as torch spells it.
    value = value.lower()
    if value not in FORMATS:
        message = _("--format must be one of {formats}, got {value!r}").format(
            formats=", ".join(FORMATS), value=value
        )
        raise OptionError("format", message)
    if as_json and value not in ("table", "json"):
        message = _("--json is short for --format json and cannot be combined with --format {value}").format(
            value=value
        )
        raise OptionError("format", message)
    return "json" if as_json else value


def terminal_width() -> int | None:
    """The terminal's width (COLUMNS wins, as for every tool); None lets rich decide."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return shutil.get_terminal_size().columns
    return None


def styled() -> bool:
    """Styles only for a terminal, and none at all under NO_COLOR."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
