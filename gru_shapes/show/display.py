"""Reports and traces that draw themselves: ``rich.print(report)``, and a notebook cell's last line.

The report and the trace stay plain data that never draw. The Python API hands them out as these
subclasses, which add only the hooks rich and Jupyter look for (``__rich__``, ``_repr_html_``) and
``report.show(...)``; rich itself is imported when something is drawn, not before.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from gru_shapes.errors import OptionError
from gru_shapes.i18n import _
from gru_shapes.report import Report
from gru_shapes.show.sections import chosen
from gru_shapes.tracing.traced import Trace


@dataclass(frozen=True, repr=False)
class ShownReport(Report):
    """A :class:`~gru_shapes.report.Report` that ``rich.print`` and Jupyter draw: the default view, or
    the sections ``explain(show=...)`` named (``drawn``)."""

    drawn: tuple[str, ...] | None = None

    def __rich__(self) -> Any:
        from gru_shapes.show.render import render

        return render(self, self.drawn)

    def _repr_html_(self) -> str:
        from gru_shapes.show.notebook import html

        return html(self, show=self.drawn)

    def show(self, *names: str, everything: bool = False) -> View:
        """The report with more sections drawn, as ``--show`` and ``--all`` draw it: Jupyter and
        ``rich.print`` show the result. Unknown names raise :class:`~gru_shapes.errors.OptionError`.

        >>> from gru_shapes.api import explain
        >>> explain(lang="en").show("checks", "cost").names
        ('index', 'checks', 'cost')

        The ONNX export is made with the run, when asked for there: ``explain(..., show=("onnx",))``.
        """
        if "onnx" in chosen(names) and self.onnx is None:
            raise OptionError(
                "show",
                _('the ONNX export is made with the run: explain(..., show=("onnx",)), or --show onnx'),
            )
        return View(self, chosen((*(self.drawn or ()), *names), everything))


@dataclass(frozen=True)
class View:
    """A report drawn with chosen sections (``report.show("cost")``): displays itself in Jupyter
    and with ``rich.print``, as the report itself does with the default view."""

    report: Report
    names: tuple[str, ...]

    def __rich__(self) -> Any:
        from gru_shapes.show.render import render

        return render(self.report, self.names)

    def _repr_html_(self) -> str:
        from gru_shapes.show.notebook import html

        return html(self.report, show=self.names)

    def __repr__(self) -> str:
        return f"{self.report!r} showing {', '.join(self.names) or 'the default view'}"


@dataclass(frozen=True, repr=False)
class ShownTrace(Trace):
    """A :class:`~gru_shapes.tracing.traced.Trace` that ``rich.print`` and Jupyter draw."""

    def __rich__(self) -> Any:
        from gru_shapes.show.trace_view import render

        return render(self)

    def _repr_html_(self) -> str:
        from gru_shapes.show.trace_view import html

        return html(self)


def shown(report: Report, drawn: tuple[str, ...] | None = None) -> ShownReport:
    """``report`` with its display hooks, drawing the sections ``drawn`` (None: the default view): the
    same fields, the same JSON."""
    return ShownReport(**{field.name: getattr(report, field.name) for field in fields(Report)}, drawn=drawn)


def shown_trace(trace: Trace) -> ShownTrace:
    """``trace`` with its display hooks: the same fields, the same JSON."""
    return ShownTrace(**{field.name: getattr(trace, field.name) for field in fields(trace)})
