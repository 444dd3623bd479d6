"""The pipeline in one call: spec -> predicted shapes and cost -> guard -> real torch run -> report."""

from __future__ import annotations

from gru_shapes import guard
from gru_shapes.cost import estimate
from gru_shapes.report import Report, build_report
from gru_shapes.shapes import predict
from gru_shapes.spec import Spec


def report_for(spec: Spec) -> Report:
    """Predict every shape of ``spec``, run it for real unless it is a dry run, and report.

    >>> from gru_shapes.spec import make_spec
    >>> report_for(make_spec(layers=2)).to_dict()["tensors"]["h_n"]["shape"]
    [2, 1, 32]
    >>> report_for(make_spec(seq_len=10**6, dry_run=True)).observed
    False
    """
    prediction = predict(spec)
    cost = estimate(spec, prediction)
    if spec.dry_run:
        return build_report(spec, prediction, cost, None)
    guard.check(cost, spec.max_memory, spec.device)
    # Imported here so that dry runs and refusals never pay for importing torch.
    from gru_shapes.runner import observe

    return build_report(spec, prediction, cost, observe(spec, prediction))
