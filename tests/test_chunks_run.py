"""The chunk comparison can fail: a changed tensor is caught and its difference reported."""

from __future__ import annotations

import pytest
import torch

from gru_shapes.run.chunks import compare


def test_the_chunk_comparison_fails_on_a_changed_tensor() -> None:
    whole = [torch.randn(2, 5, 4), torch.randn(1, 2, 4)]
    assert compare(whole, [t.clone() for t in whole], "float32") == (0.0, True)
    diff, equal = compare(whole, [whole[0] + 0.5, whole[1]], "float32")
    assert not equal and diff == pytest.approx(0.5)


def test_a_difference_within_the_dtypes_tolerance_is_equal() -> None:
    whole = [torch.ones(3, 4, dtype=torch.float16)]
    diff, equal = compare(whole, [whole[0] + 0.001], "float16")
    assert equal and 0 < diff < 1e-2
