"""``--help`` drawn at the terminal's width, in the language in force, one short row per option.

The help strings are English templates (marked with ``N_``) translated here, when help is drawn,
so that ``--lang ko --help`` speaks Korean; lines are wrapped by display width (a Korean syllable
takes two columns), so no character is ever cut.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.cells import cell_len

from gru_shapes.i18n import N_, _

# The help of click's own --help, marked here so that the catalogue holds its Korean.
N_("Show this message and exit.")
# Never wider than this, however wide the terminal: long lines are hard to read.
_WIDEST = 100
# The option column: longer names push their text to the next line.
_NAMES = 20


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces only (a word longer than a
    line stands alone on its line, whole).

    >>> wrap("input_size: 각 스텝에서 input x의 features 수.", 20)
    ['input_size: 각', '스텝에서 input x의', 'features 수.']
    """
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and cell_len(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


def draw(command: Any, ctx: Any, width: int, values: Mapping[str, str]) -> str:
    """The help of ``command`` (a click command of Typer's) at ``width`` columns: usage, what it
    does, one row per option with its default, the subcommands, and the examples last.

    ``values`` fill the placeholders of the help templates (``{modules}`` ...).
    """
    width = max(40, min(width, _WIDEST))
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [p for p in params if getattr(p, "param_type_name", "") == "argument"]
    commands = getattr(command, "commands", {})
    usage = " ".join(
        [
            ctx.command_path,
            "[OPTIONS]",
            *(p.name.upper() for p in arguments),
            *(["[COMMAND]"] if commands else []),
        ]
    )
    out: list[str] = [_("Usage: {usage}").format(usage=usage), ""]
    if command.help:
        out += [*wrap(_(command.help).format(**values), width), ""]
    rows = [(p.name.upper(), _about(p, values)) for p in arguments]
    options_at = len(rows)
    for param in params:
        if param in arguments or not param.opts or param.name == "show_completion":
            continue  # --install-completion says it all
        rows.append((_names(param), _about(param, values)))
    name_width = min(_NAMES, max(cell_len(names) for names, _about_ in rows))
    text_width = width - name_width - 4
    for index, (names, about) in enumerate(rows):
        if index == 0 and arguments:
            out.append(_("Arguments:"))
        if index == options_at:
            out += ([""] if arguments else []) + [_("Options (default in brackets):")]
        lines = wrap(about, text_width)
        if cell_len(names) > name_width:
            out.append(f"  {names}")
        else:
            out.append(f"  {names.ljust(name_width)}  {lines.pop(0)}")
        out += [f"  {' ' * name_width}  {line}" for line in lines]
    if commands:
        out += ["", _("Commands:")]
        for name, sub in commands.items():
            # Its first clause: the rest is in ``gru-shapes NAME --help``.
            # ("" is gettext's key of the catalogue's header: never looked up.)
            about = _(sub.help).format(**values) if sub.help else ""
            lines = wrap(about.split(":")[0], text_width)
            out.append(f"  {name.ljust(name_width)}  {lines[0]}")
            out += [f"  {' ' * name_width}  {line}" for line in lines[1:]]
    if command.epilog:
        out += ["", *_(command.epilog).splitlines()]
    return "\n".join(line.rstrip() for line in out) + "\n"


def _names(param: Any) -> str:
    pairs = list(zip(param.opts, param.secondary_opts, strict=False))
    if pairs and pairs[0][1] == "--no-" + pairs[0][0][2:]:
        names = "--[no-]" + pairs[0][0][2:]  # --bias/--no-bias, said once
    else:
        names = "/".join([*param.opts, *param.secondary_opts])
    if not param.is_flag and not param.count:
        names += " " + _metavar(param)
    return str(names)


def _metavar(param: Any) -> str:
    kind = getattr(param.type, "name", "text").upper()
    return {"INTEGER": "N", "FLOAT": "X", "TEXT": "TEXT"}.get(kind, kind)


def _about(param: Any, values: Mapping[str, str]) -> str:
    about = _(param.help).format(**values) if getattr(param, "help", None) else ""
    shown = param.show_default
    if isinstance(shown, str):
        return f"{about} [{shown}]"
    if shown is False or param.default is None or param.name in ("help", "version"):
        return about
    default = param.default
    if param.is_flag and param.secondary_opts:  # the pair's default is one of its names
        default = (param.opts if default else param.secondary_opts)[0].lstrip("-")
    elif param.is_flag:
        if not default:
            return about
        default = param.opts[0]
    return f"{about} [{default}]"
