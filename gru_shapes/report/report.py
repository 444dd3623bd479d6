"""The report: what was asked, what the shape model predicted, what torch returned, the checks
that compare them, and its JSON contract.

A report never prints and holds no markup; renderers turn it into tables or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from gru_shapes.diagnose.diagnosis import Diagnosis
from gru_shapes.i18n import _, language
from gru_shapes.model.chunks import Chunks
from gru_shapes.model.cost import Cost
from gru_shapes.model.handoff import HandoffRow
from gru_shapes.model.idioms import IdiomRow
from gru_shapes.model.onnx import OnnxExport, Proof
from gru_shapes.model.onnx_plan import predicted
from gru_shapes.model.shapes import LISTED_STEPS, Omitted, Prediction, TensorModel, parameters_of, runs_of
from gru_shapes.model.spec import Spec
from gru_shapes.model.step import StepVerification
from gru_shapes.model.step import to_dict as step_dict
from gru_shapes.report.observation import Check, Observation

SCHEMA_VERSION = 3
# The tensors the run builds and feeds, as opposed to those torch returns.
FED = ("input", "h_0", "c_0")


@dataclass(frozen=True, repr=False)
class Report:
    """The answer to one spec; ``tensors`` carry observed sizes whenever there was a run.

    Plain data: it never draws itself. :func:`gru_shapes.explain` returns it with display hooks
    attached (:class:`gru_shapes.show.display.ShownReport`), so that ``rich.print`` and Jupyter draw it.
    """

    spec: Spec
    prediction: Prediction
    cost: Cost
    observation: Observation | None
    tensors: tuple[TensorModel, ...]
    checks: tuple[Check, ...]
    diagnosis: Diagnosis | None = None

    def __repr__(self) -> str:
        shapes = ", ".join(f"{t.key} {list(t.shape)}" for t in self.tensors)
        state = "observed" if self.observed else "predicted"
        verdict = "all checks passed" if self.passed else "FAILED"
        return f"<Report nn.{self.spec.module}: {shapes}; {state}, {verdict}>"

    @property
    def observed(self) -> bool:
        return self.observation is not None

    @property
    def passed(self) -> bool:
        """Every check held, and torch accepted any shapes the user gave."""
        compatible = self.diagnosis is None or self.diagnosis.compatible
        return compatible and all(check.passed for check in self.checks)

    @property
    def device(self) -> str:
        return self.observation.device if self.observation else self.spec.device

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.observation.warnings if self.observation else ()

    @property
    def batch_sizes(self) -> tuple[int, ...] | None:
        """PackedSequence.batch_sizes: torch's after a run, else predicted (one value per step:
        prefer :attr:`batch_size_runs` where the sequences may be long)."""
        if self.observation is not None and self.observation.batch_sizes is not None:
            return self.observation.batch_sizes
        return self.prediction.batch_sizes

    @property
    def batch_size_runs(self) -> tuple[tuple[int, int], ...] | None:
        """PackedSequence.batch_sizes as runs ``(size, steps)``: torch's after a run, else predicted."""
        if self.observation is not None and self.observation.batch_sizes is not None:
            return runs_of(self.observation.batch_sizes)
        return self.prediction.batch_size_runs

    @property
    def idioms(self) -> tuple[IdiomRow, ...]:
        """The final-state expressions, evaluated on this run's tensors (none for cells and dry runs)."""
        return self.observation.idioms if self.observation else ()

    @property
    def handoff(self) -> tuple[HandoffRow, ...] | None:
        """The decoder hand-off recipes, each fed to a real decoder; None when none was built."""
        return self.observation.handoff if self.observation else None

    @property
    def chunks(self) -> Chunks | None:
        """The chunked run compared with the whole one; None unless chunks were asked for."""
        return self.observation.chunks if self.observation else None

    @property
    def onnx(self) -> OnnxExport | None:
        """The ONNX export when asked for: read from the exported file after a run, predicted in a dry
        run; None when not asked for."""
        if not self.spec.onnx:
            return None
        if self.observation is not None:
            return self.observation.onnx
        return predicted(self.spec, {t.key: t.shape for t in self.prediction.tensors})

    def tensor(self, key: str) -> TensorModel:
        return next(t for t in self.tensors if t.key == key)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (``schema_version`` 3), described by ``report.schema.json``."""
        spec, prediction = self.spec, self.prediction
        with language(spec.lang):  # its texts are written when asked for, in the report's language
            step = step_dict(spec, self.observation.step if self.observation else None)
            exported = self.onnx
        # Present only when asked for (--show onnx): the export costs a second run and an extra.
        onnx = {} if exported is None else {"onnx": exported.to_dict()}
        return {
            "schema_version": SCHEMA_VERSION,
            "observed": self.observed,
            "module": spec.module,
            "config": spec.config.keywords(),
            "batch_size": None if spec.unbatched else spec.batch_size,
            "seq_len": None if spec.config.is_cell else spec.seq_len,
            "unbatched": spec.unbatched,
            "lengths": list(spec.lengths) if spec.lengths else None,
            "batch_sizes": _batch_sizes_dict(self.batch_size_runs),
            "seed": spec.seed,
            "lang": spec.lang,
            "device": self.device,
            "dtype": spec.dtype,
            "torch_version": self.observation.torch_version if self.observation else None,
            "tensors": {t.key: _tensor_dict(t) for t in self.tensors},
            "h_n_index": [
                {"index": s.index, "layer": s.layer, "direction": s.direction} for s in prediction.state_slots
            ],
            "h_n_index_omitted": _omitted_dict(prediction.slots_omitted),
            "parameters": [
                {
                    "name": p.name,
                    "shape": list(p.shape),
                    "numel": p.numel,
                    "layer": p.layer,
                    "direction": p.direction,
                    "rows": p.rows,
                    "columns": p.columns,
                }
                for p in prediction.parameters
            ],
            "parameters_omitted": _omitted_dict(prediction.parameters_omitted),
            "parameter_count": prediction.parameter_count,
            "cost": {
                "parameter_bytes": self.cost.parameter_bytes,
                "activation_bytes": self.cost.activation_bytes,
                "total_bytes": self.cost.total_bytes,
                "macs": self.cost.macs,
            },
            "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in self.checks],
            "warnings": list(self.warnings),
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "idioms": [idiom.to_dict() for idiom in self.idioms],
            "handoff": None if self.handoff is None else [row.to_dict() for row in self.handoff],
            "chunks": self.chunks.to_dict() if self.chunks else None,
            "step": step,
            **onnx,
        }


def build_report(
    spec: Spec,
    prediction: Prediction,
    cost: Cost,
    observation: Observation | None,
    diagnosis: Diagnosis | None = None,
) -> Report:
    """Join prediction and observation, checking each predicted shape against torch's.

    Without an observation (a dry run) the report holds the prediction alone and no checks.
    """
    if observation is None:
        return Report(spec, prediction, cost, None, prediction.tensors, ())
    tensors = tuple(_with_observed_sizes(t, observation.shapes[t.key]) for t in prediction.tensors)
    # The tensors fed were built from the prediction, so comparing their shapes with it could not
    # fail; the runner checks them against the module's own expectations instead.
    checks = [_shape_check(t, observation.shapes[t.key]) for t in prediction.tensors if t.key not in FED]
    if prediction.batch_size_runs is not None:
        # Compared as runs of equal values, which stay short however long the sequences are.
        predicted_runs = [list(run) for run in prediction.batch_size_runs]
        observed_runs = [list(run) for run in runs_of(observation.batch_sizes or ())]
        checks.append(
            Check(
                _("batch_sizes as predicted (runs of [size, steps])"),
                predicted_runs == observed_runs,
                _versus(predicted_runs, observed_runs),
            )
        )
    checks.append(_parameter_check(spec, observation))
    checks.extend(observation.identities)
    if observation.step is not None:
        checks.append(_step_check(observation.step))
    if observation.onnx is not None and observation.onnx.proof is not None:
        checks.extend(_onnx_checks(observation.onnx.proof))
    return Report(spec, prediction, cost, observation, tensors, tuple(checks), diagnosis)


def _step_check(step: StepVerification) -> Check:
    # "h_t forward" in English; the direction word, and where it stands, follow the language.
    compared = ", ".join(
        _("{state} {direction}").format(state=state, direction=_(direction))
        for state, direction in step.compared
    )
    return Check(
        _("the first step recomputed from the weights with the update equations"),
        step.verified,
        _("{compared}: largest difference {diff:.3g}, tolerance {tolerance:g}").format(
            compared=compared, diff=step.max_abs_diff, tolerance=step.tolerance
        ),
    )


def _onnx_checks(proof: Proof) -> list[Check]:
    """The exported file against torch, in onnxruntime: each comparison within the dtype's tolerance."""

    def detail(diff: float) -> str:
        return _("largest difference {diff:.3g}, tolerance {tolerance:g}").format(
            diff=diff, tolerance=proof.tolerance
        )

    found = [
        (
            _("onnxruntime runs the exported file as torch ran the module, on the same input"),
            proof.max_abs_diff,
        )
    ]
    if proof.other_batch is not None and proof.other_batch_max_abs_diff is not None:
        found.append(
            (
                _("the exported file runs at batch size {batch} too, as torch does").format(
                    batch=proof.other_batch
                ),
                proof.other_batch_max_abs_diff,
            )
        )
    if proof.other_seq_len is not None and proof.other_seq_max_abs_diff is not None:
        found.append(
            (
                _("the exported file runs at {steps} steps too, as torch does").format(
                    steps=proof.other_seq_len
                ),
                proof.other_seq_max_abs_diff,
            )
        )
    if proof.rebuilt_max_abs_diff is not None:
        found.append(
            (
                _("torch rebuilt from the file's W, R, B in the gate order shown = onnxruntime"),
                proof.rebuilt_max_abs_diff,
            )
        )
    return [Check(name, diff <= proof.tolerance, detail(diff)) for name, diff in found]


def _with_observed_sizes(tensor: TensorModel, observed: tuple[int, ...]) -> TensorModel:
    if len(observed) != len(tensor.dims) or tensor.shape == observed:
        return tensor  # as predicted; or the failed shape check says why, sizes cannot be paired up
    dims = tuple(replace(dim, size=size) for dim, size in zip(tensor.dims, observed, strict=True))
    return replace(tensor, dims=dims)


def _shape_check(tensor: TensorModel, observed: tuple[int, ...]) -> Check:
    predicted = list(tensor.shape)
    return Check(
        _("shape of {key} as predicted").format(key=tensor.key),
        predicted == list(observed),
        _versus(predicted, list(observed)),
    )


def _parameter_check(spec: Spec, observation: Observation) -> Check:
    # Every parameter, the layers the report leaves out included: torch built them all.
    predicted = [(p.name, p.shape) for p in parameters_of(spec.config)]
    observed = list(observation.parameters)
    if predicted == observed:
        detail = _("{count} tensors, same names, order and shapes").format(count=len(observed))
    else:
        differing = sorted({name for name, _shape in set(predicted) ^ set(observed)})
        detail = _("predicted {predicted}, torch has {observed}; differing: {differing}").format(
            predicted=len(predicted), observed=len(observed), differing=differing or _("the order")
        )
    return Check(_("parameters as predicted by named_parameters()"), predicted == observed, detail)


def _versus(predicted: list[Any], observed: list[Any]) -> str:
    return _("predicted {predicted}, torch {observed}").format(predicted=predicted, observed=observed)


def _batch_sizes_dict(runs: tuple[tuple[int, int], ...] | None) -> Any:
    """Up to LISTED_STEPS steps, one value per step; past it, the runs of equal values."""
    if runs is None:
        return None
    steps = sum(count for _size, count in runs)
    if steps <= LISTED_STEPS:
        return [size for size, count in runs for _ in range(count)]
    return {"steps": steps, "runs": [{"size": size, "steps": count} for size, count in runs]}


def _omitted_dict(omitted: Omitted | None) -> dict[str, int] | None:
    if omitted is None:
        return None
    return {
        "first_layer": omitted.first,
        "last_layer": omitted.last,
        "like_layer": omitted.like,
        "count": omitted.entries,
        "numel": omitted.numel,
    }


def _tensor_dict(tensor: TensorModel) -> dict[str, Any]:
    return {
        "shape": list(tensor.shape),
        "about": tensor.about,
        "dims": [
            {"name": d.name, "size": d.size, "formula": d.formula, "meaning": d.meaning} for d in tensor.dims
        ],
    }
