"""Where in the user's own code something happened: the innermost frame outside torch, the Python
standard library and gru_shapes, as ``file.py:42 in forward``; and an exception's text that cannot
itself raise."""

from __future__ import annotations

import linecache
import os
import sys
import sysconfig
import types
from pathlib import Path

import torch

from gru_shapes.i18n import _

_OURS = (
    str(Path(torch.__file__).resolve().parent),
    str(Path(__file__).resolve().parent.parent),  # the gru_shapes package
    str(Path(sysconfig.get_paths()["stdlib"]).resolve()),
)


def _is_users(filename: str) -> bool:
    if filename.startswith("<"):
        return False
    try:
        resolved = str(Path(filename).resolve())
    except OSError:
        return False
    return not any(resolved.startswith(root + os.sep) for root in _OURS)


def _describe(frame: types.FrameType, lineno: int | None = None) -> str:
    line = frame.f_lineno if lineno is None else lineno
    text = linecache.getline(frame.f_code.co_filename, line).strip()
    where = f"{Path(frame.f_code.co_filename).name}:{line} in {frame.f_code.co_name}"
    return f"{where}: {text}" if text else where


def _installed(filename: str) -> bool:
    """A file of an installed package (a gc callback of a test tool, say), not the model's own."""
    parts = Path(filename).parts
    return "site-packages" in parts or "dist-packages" in parts


def frame_line(frame: types.FrameType | None) -> str | None:
    """The innermost frame of the user's code at or above ``frame``: outside installed packages when
    there is one (a model of an installed package otherwise)."""
    found = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if _is_users(filename):
            if not _installed(filename):
                return _describe(frame)
            found = found or _describe(frame)
        frame = frame.f_back
    return found


def thread_line(thread_id: int) -> str | None:
    """Where the thread ``thread_id`` is in the user's code now."""
    return frame_line(sys._current_frames().get(thread_id))


def raised_line(error: BaseException) -> str | None:
    """The innermost line of the user's code in ``error``'s traceback."""
    found = installed = None
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _is_users(filename):
            if _installed(filename):
                installed = _describe(tb.tb_frame, tb.tb_lineno)
            else:
                found = _describe(tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found or installed


def message(error: BaseException) -> str:
    """``str(error)``, stripped; when that raises itself, a line saying so (never an exception)."""
    try:
        return str(error).strip()
    except Exception as inner:  # the model's own exception class: its __str__ may be broken
        try:
            kind = type(inner).__name__
        except Exception:  # pragma: no cover - a type without a name
            kind = "?"
        return _("(its message could not be shown: str() raised {kind})").format(kind=kind)
