"""The pipeline in one call: spec -> (diagnosis) -> predicted shapes and cost -> guard -> real
torch run -> report."""

from __future__ import annotations

from gru_shapes import guard
from gru_shapes.cost import estimate
from gru_shapes.report import Report, build_report
from gru_shapes.shapes import predict
from gru_shapes.spec import Spec


def report_for(spec: Spec) -> Report:
    """Predict every shape of ``spec``, run it for real unless it is a dry run, and report.

    Given shapes (``input_shape``, ``h0_shape``, ``c0_shape``) are first tried by torch as they
    are; the report then explains the module at the batch and sequence length read from them.

    >>> from gru_shapes.spec import make_spec
    >>> report_for(make_spec(layers=2)).to_dict()["tensors"]["h_n"]["shape"]
    [2, 1, 32]
    >>> report_for(make_spec(seq_len=10**6, dry_run=True)).observed
    False
    >>> print(report_for(make_spec(input_shape="1,35,12")).diagnosis.fixes[0].change)
    --input-size 12: build the module for the input's features (its last dim)
    """
    diagnosis = None
    if spec.given is not None:
        from gru_shapes.diagnose import diagnose, reading

        explained = reading(spec)
        _guard(explained)
        from gru_shapes.runner import attempt

        diagnosis = diagnose(spec, attempt)
        spec = explained
    prediction = predict(spec)
    cost = estimate(spec, prediction)
    if spec.dry_run:
        return build_report(spec, prediction, cost, None)
    _guard(spec)
    # Imported here so that dry runs and refusals never pay for importing torch.
    from gru_shapes.runner import observe

    return build_report(spec, prediction, cost, observe(spec, prediction), diagnosis)


def _guard(spec: Spec) -> None:
    guard.check(estimate(spec, predict(spec)), spec.max_memory, spec.device)
