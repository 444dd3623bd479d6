"""The report: plain data joining what the shape model predicted and what torch returned.

>>> from gru_shapes.model.spec import make_spec
>>> from gru_shapes.run.pipeline import report_for
>>> report_for(make_spec(layers=2)).tensor("h_n").shape
(2, 1, 32)
"""

from __future__ import annotations

from gru_shapes.report.observation import Check, Observation
from gru_shapes.report.report import FED, SCHEMA_VERSION, Report, build_report

__all__ = ["FED", "SCHEMA_VERSION", "Check", "Observation", "Report", "build_report"]
