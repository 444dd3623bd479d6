"""The diagnosis of given shapes: does torch accept them, which dimension is wrong and why, how torch
reads what it accepts, and fixes that were each tried by running them.

No torch here: the caller passes the function that tries (:func:`gru_shapes.run.trial.attempt`);
:mod:`~gru_shapes.diagnose.given` reads the shapes, :mod:`~gru_shapes.diagnose.problems` words what
is wrong, :mod:`~gru_shapes.diagnose.candidates` and :mod:`~gru_shapes.diagnose.fixes` find and rank
the fixes.
"""

from __future__ import annotations

from gru_shapes.diagnose.diagnosis import NOT_RUN, Attempt, Diagnosis, Fix, Unbuilt
from gru_shapes.diagnose.fixes import Trials, find_fixes, intent_fixes
from gru_shapes.diagnose.given import expected as expected_tensors
from gru_shapes.diagnose.given import fed_shapes, needs_diagnosis, reading
from gru_shapes.diagnose.problems import accepted, reading_suspect, refusal_reasons, side_notes, why_no_fix
from gru_shapes.i18n import _
from gru_shapes.model.spec import Spec

__all__ = ["Diagnosis", "Fix", "Unbuilt", "diagnose", "needs_diagnosis", "reading"]


def diagnose(spec: Spec, explained: Spec, attempt: Attempt, budget: int | None = None) -> Diagnosis:
    """Feed the given shapes to torch; if it refuses, say why and find fixes that run; if it accepts,
    say how it reads them and whether that is what was meant.

    ``explained`` is :func:`reading` of ``spec``, which the caller explains anyway. ``budget`` bounds
    the bytes any trial may allocate: given tensors over it are judged on torch's meta device.
    """
    expected = expected_tensors(explained)
    fed, supplied = fed_shapes(spec, expected)
    shapes = {key: t.shape for key, t in expected.items()}
    trials = Trials(spec, attempt, budget)
    allocated = trials.fits(spec, fed)
    error = attempt(spec, fed, "", not allocated)
    notes = list(side_notes(spec, explained, fed, supplied, allocated, trials))
    if error is None:
        meant, suspect_text = reading_suspect(spec, explained, fed)
        fixes: tuple[Fix, ...] = ()
        verdict = "accepted"
        explanation = accepted(explained, expected, fed)
        if meant:
            verdict = "suspect" if suspect_text else "accepted"
            fixes = tuple(intent_fixes(spec, explained, fed, meant, trials))
            if suspect_text:
                explanation = suspect_text
        return Diagnosis(
            True, fed, shapes, None, explanation, fixes, verdict, tuple(notes), supplied, (), allocated
        )
    problems = list(refusal_reasons(explained, expected, fed, spec))
    if error.startswith(NOT_RUN):  # the tool's own words: torch crashed or would crash, not answer
        problems.insert(0, _("torch gave no answer: {reason}.").format(reason=error.removeprefix(NOT_RUN)))
    explanation = " ".join(problems) or _("torch refused these shapes; its message says why.")
    fixes, unbuilt = find_fixes(spec, explained, expected, fed, trials)
    notes.extend(trials.notes(allocated))
    if not fixes and not unbuilt and allocated:
        notes.append(why_no_fix(explained, fed, trials.tried))
    torch_error = None if error.startswith(NOT_RUN) else error
    return Diagnosis(
        False,
        fed,
        shapes,
        torch_error,
        explanation,
        fixes,
        "refused",
        tuple(notes),
        supplied,
        unbuilt,
        allocated,
    )
