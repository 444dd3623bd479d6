"""``gru-shapes trace TARGET``: load the user's model and its inputs from ``file.py:NAME`` or
``package.module:NAME``.

Loading a file runs its top-level code, as ``python file.py`` would (with the file's folder first
on ``sys.path``); only code under ``if __name__ == "__main__":`` does not run.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.model.validate import shape as parse_shape
from gru_shapes.tracing.whereabouts import message as message_of

INPUT_DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32")


def _refuse(message: str) -> OptionError:
    return OptionError("target", message)


def load(target: str) -> Any:
    """The object ``NAME`` of ``path/to/file.py:NAME`` or ``package.module:NAME``."""
    where, colon, name = target.rpartition(":")
    if not colon or not where or not name.isidentifier():
        raise _refuse(
            _("TARGET must be path/to/file.py:NAME or package.module:NAME, got {target!r}").format(
                target=target
            )
        )
    try:
        if where.endswith(".py") or "/" in where or "\\" in where:
            module = _run_file(Path(where))
        else:
            module = importlib.import_module(where)
    except OptionError:
        raise
    except (Exception, SystemExit) as error:  # the user's code: whatever it raises, one line
        text = message_of(error)
        raise _refuse(
            _("cannot load {where}: {kind}: {message}").format(
                where=where, kind=type(error).__name__, message=text.splitlines()[0] if text else ""
            )
        ) from None
    if not hasattr(module, name):
        raise _refuse(_("{where} has no {name}").format(where=where, name=name))
    return getattr(module, name)


def _run_file(path: Path) -> Any:
    if not path.is_file():
        raise _refuse(_("no such file: {path}").format(path=path))
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # as python file.py does, so its own imports resolve
    spec = importlib.util.spec_from_file_location(f"gru_shapes_target_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise _refuse(_("cannot load {where}: not a Python file").format(where=path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def resolve(
    found: Any, name: str, input_shapes: Sequence[str], input_dtype: str, input_high: int, seed: int
) -> tuple[nn.Module, tuple[Any, ...], dict[str, Any]]:
    """The model and what to call it with: from ``NAME()``, or random inputs of ``input_shapes``."""
    if input_dtype not in INPUT_DTYPES:
        raise OptionError(
            "input_dtype",
            _("--input-dtype must be one of {dtypes}, got {value!r}").format(
                dtypes=", ".join(INPUT_DTYPES), value=input_dtype
            ),
        )
    if input_high < 1:
        raise OptionError(
            "input_high", _("--input-high must be at least 1, got {value}").format(value=input_high)
        )
    if isinstance(found, nn.Module):
        if not input_shapes:
            raise _refuse(
                _("{name} is a model: give its input with --input-shape, e.g. {example}").format(
                    name=name, example=suggested_input(found)
                )
            )
        shapes = [parse_shape(text, "input_shape") for text in input_shapes]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            dtype = getattr(torch, input_dtype)
            if dtype.is_floating_point:
                inputs = tuple(torch.randn(shape).to(dtype) for shape in shapes)
            else:
                inputs = tuple(torch.randint(0, input_high, shape, dtype=dtype) for shape in shapes)
        return found, inputs, {}
    if input_shapes:
        raise OptionError(
            "input_shape",
            _("--input-shape is for a NAME that is a model; {name} is not one").format(name=name),
        )
    if not callable(found):
        raise _refuse(
            _("{name} must be a model or a function returning (model, args), got {kind}").format(
                name=name, kind=type(found).__name__
            )
        )
    try:
        returned = found()
    except (Exception, SystemExit) as error:
        raise _refuse(
            _("calling {name}() raised {kind}: {message}").format(
                name=name, kind=type(error).__name__, message=message_of(error)
            )
        ) from None
    return _unpack(returned, name)


def _unpack(returned: Any, name: str) -> tuple[nn.Module, tuple[Any, ...], dict[str, Any]]:
    ok = isinstance(returned, tuple) and len(returned) in (2, 3) and isinstance(returned[0], nn.Module)
    ok = (
        ok
        and isinstance(returned[1], (tuple, list))
        and (len(returned) == 2 or isinstance(returned[2], dict))
    )
    if not ok:
        raise _refuse(
            _("{name}() must return (model, args) or (model, args, kwargs), got {kind}").format(
                name=name, kind=_kinds(returned)
            )
        )
    kwargs = dict(returned[2]) if len(returned) == 3 else {}
    return returned[0], tuple(returned[1]), kwargs


def _kinds(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(type(v).__name__ for v in value) + ")"
    return type(value).__name__


def suggested_input(model: nn.Module) -> str:
    """``--input-shape`` (and dtype) that the model's first layer takes: token ids for an embedding
    that comes before the first recurrent module, else features of that module's size."""
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            return f"4,12 --input-dtype int64 --input-high {module.num_embeddings}"
        if isinstance(module, nn.RNNCellBase):
            return f"4,{module.input_size}"
        if isinstance(module, nn.RNNBase):
            batch_first = bool(module.batch_first)
            return f"4,12,{module.input_size}" if batch_first else f"12,4,{module.input_size}"
    return "4,12,10"


def has_recurrent(model: nn.Module) -> bool:
    return any(isinstance(m, (nn.RNNBase, nn.RNNCellBase)) for m in model.modules())
