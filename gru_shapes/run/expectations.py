"""The module's own expectations, checked against the shape model's prediction (imports torch).

The input, h_0 and c_0 fed to the module are built from the prediction, so comparing their shapes
with it could never fail. What can fail is the prediction against what the built module itself
expects: the batch and features it reads from the input, and torch's
``get_expected_hidden_size`` / ``get_expected_cell_size`` for the states.
"""

from __future__ import annotations

import torch

from gru_shapes.i18n import _
from gru_shapes.model.shapes import Prediction
from gru_shapes.model.spec import Spec
from gru_shapes.report import Check


def expectations(
    spec: Spec,
    prediction: Prediction,
    module: torch.nn.Module,
    x: torch.Tensor,
    batch_sizes: torch.Tensor | None = None,
) -> list[Check]:
    """Check the predicted ``input``, ``h_0`` (and ``c_0``) against what ``module`` expects.

    ``x`` is the input as the module's forward sees it (``packed.data`` with ``batch_sizes`` for
    a packed batch). Every detail is Python that gives the module's side of the comparison.
    """
    config = spec.config
    name = "cell" if config.is_cell else config.family.lower()
    predicted = {t.key: t.shape for t in prediction.tensors}
    if isinstance(module, torch.nn.RNNCellBase):
        return _cell_expectations(spec, predicted, module, x, name)
    assert isinstance(module, torch.nn.RNNBase)
    input_size: int = module.input_size
    unbatched = spec.unbatched and batch_sizes is None
    batch_axis = 0 if config.batch_first else 1
    seen = x.unsqueeze(batch_axis) if unbatched else x  # torch adds the batch dim before checking
    if batch_sizes is not None:
        read_batch, batch_code = int(batch_sizes[0]), "packed.batch_sizes[0]"
    else:
        read_batch = seen.size(batch_axis)
        where = f"input.unsqueeze({batch_axis})" if unbatched else "input"
        batch_code = f"{where}.size({batch_axis})"
    features = x.size(-1)
    wanted = (1 if spec.unbatched else spec.batch_size, predicted["input"][-1])
    checks = [
        Check(
            _("input read by nn.{module} as {batch} sequences of {features} features, as predicted").format(
                module=config.family, batch=read_batch, features=input_size
            ),
            (read_batch, input_size) == wanted and features == input_size,
            f"({batch_code}, {name}.input_size) == {wanted}",
        )
    ]
    sizes = "packed.batch_sizes" if batch_sizes is not None else "None"
    argument = "packed.data" if batch_sizes is not None else batch_code.rpartition(".size")[0]
    expected_states: dict[str, tuple[int, ...]] = {"h_0": module.get_expected_hidden_size(seen, batch_sizes)}
    if config.family == "LSTM":
        assert isinstance(module, torch.nn.LSTM)
        expected_states["c_0"] = module.get_expected_cell_size(seen, batch_sizes)
    for key, expected in expected_states.items():
        shape = predicted[key]
        as_torch_checks = (shape[0], 1, shape[1]) if spec.unbatched else shape  # hx.unsqueeze(1)
        method = "get_expected_hidden_size" if key == "h_0" else "get_expected_cell_size"
        checks.append(
            Check(
                _("{key} as nn.{module} expects it ({method})").format(
                    key=key, module=config.family, method=method
                ),
                tuple(expected) == tuple(as_torch_checks),
                f"{name}.{method}({argument}, {sizes}) == {tuple(as_torch_checks)}",
            )
        )
    return checks


def _cell_expectations(
    spec: Spec, predicted: dict[str, tuple[int, ...]], cell: torch.nn.RNNCellBase, x: torch.Tensor, name: str
) -> list[Check]:
    input_size: int = cell.input_size
    hidden_size: int = cell.hidden_size
    # A cell checks input.size(-1) against input_size and hx against (input.size(0), hidden_size).
    batched = x.dim() == 2
    expected_state = (x.size(0), hidden_size) if batched else (hidden_size,)
    code = f"(input.size(0), {name}.hidden_size)" if batched else f"({name}.hidden_size,)"
    # The batch a cell reads is input.size(0): compared with the batch asked for, it tests where
    # the shape model put the batch dim; input_size is the module's own.
    read = (x.size(0), input_size) if batched else (input_size,)
    wanted = (spec.batch_size, predicted["input"][-1]) if batched else (predicted["input"][-1],)
    checks = [
        Check(
            _("input read by nn.{module} as {batch} sequences of {features} features, as predicted").format(
                module=spec.module, batch=read[0] if batched else 1, features=input_size
            ),
            read == wanted,
            f"(input.size(0), {name}.input_size) == {wanted}"
            if batched
            else f"({name}.input_size,) == {wanted}",
        )
    ]
    for key in ("h_0", "c_0"):
        if key in predicted:
            checks.append(
                Check(
                    _("{key} as nn.{module} expects it ({method})").format(
                        key=key, module=spec.module, method=code
                    ),
                    expected_state == predicted[key],
                    f"{code} == {predicted[key]}",
                )
            )
    return checks
