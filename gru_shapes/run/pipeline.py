"""The pipeline in one call: spec -> (diagnosis) -> predicted shapes and cost -> guard -> real
torch run -> report. The command line, batch mode, the Python API and the tracer all come here, so
one spec always gets one report.
"""

from __future__ import annotations

from dataclasses import replace

from gru_shapes.diagnose import diagnose, needs_diagnosis, reading
from gru_shapes.i18n import language
from gru_shapes.model.cost import estimate
from gru_shapes.model.shapes import predict
from gru_shapes.model.spec import Spec
from gru_shapes.report import Report, build_report
from gru_shapes.run import guard, threads


def report_for(spec: Spec) -> Report:
    """Predict every shape of ``spec``, run it for real unless it is a dry run, and report.

    Given shapes (``input_shape``, ``h0_shape``, ``c0_shape``) are first tried by torch as they
    are; the report then explains the module at the batch and sequence length read from them.

    >>> from gru_shapes.model.spec import make_spec
    >>> report_for(make_spec(layers=2)).to_dict()["tensors"]["h_n"]["shape"]
    [2, 1, 32]
    >>> report_for(make_spec(seq_len=10**6, dry_run=True)).observed
    False
    >>> print(report_for(make_spec(input_shape="1,35,12")).diagnosis.fixes[0].change)
    --input-size 12: build the module for the input's features (its last dim)
    """
    with language(spec.lang):
        return _report(spec)


def _report(spec: Spec) -> Report:
    # Given shapes are explained at the batch and sequence length read from them.
    asked = needs_diagnosis(spec)
    explained = replace(reading(spec), onnx=spec.onnx, handoff_shown=spec.handoff_shown) if asked else spec
    prediction = predict(explained)
    cost = estimate(explained, prediction)
    if explained.dry_run:
        return build_report(explained, prediction, cost, None)
    guard.check(cost, explained.max_memory, explained.device)
    # Imported here so that dry runs and refusals never pay for importing torch.
    from gru_shapes.run.runner import observe
    from gru_shapes.run.trial import attempt

    threads.fit(explained, cost)
    diagnosis = None
    if asked:
        budget = (
            explained.max_memory if explained.max_memory is not None else guard.default_budget(spec.device)
        )
        diagnosis = diagnose(spec, explained, attempt, budget)
    return build_report(explained, prediction, cost, observe(explained, prediction), diagnosis)
