"""The pipeline in one call: spec -> predicted shapes -> real torch run -> report."""

from __future__ import annotations

from gru_shapes.report import Report, build_report
from gru_shapes.shapes import predict
from gru_shapes.spec import Spec


def report_for(spec: Spec) -> Report:
    """Predict every shape of ``spec``, run it for real, and return the joined report.

    >>> from gru_shapes.spec import make_spec
    >>> report_for(make_spec(layers=2)).to_dict()["tensors"]["h_n"]["shape"]
    [2, 1, 32]
    """
    # Imported here so that callers that never run torch never pay for importing it.
    from gru_shapes.runner import observe

    prediction = predict(spec)
    return build_report(spec, prediction, observe(spec, prediction))
