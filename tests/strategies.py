"""Hypothesis strategies over the settings the command line accepts."""

from __future__ import annotations

from hypothesis import strategies as st

valid_options = st.fixed_dictionaries(
    {
        "input_size": st.integers(1, 64),
        "hidden_size": st.integers(1, 64),
        "layers": st.integers(1, 4),
        "bidirectional": st.booleans(),
        "batch_first": st.booleans(),
        "bias": st.booleans(),
        "dropout": st.sampled_from([0.0, 0.25, 0.5, 1.0]),
        "batch_size": st.integers(0, 5),
        "seq_len": st.integers(1, 50),
        "seed": st.integers(0, 2**32),
    }
)

# Sizes around the edges, where torch starts refusing.
edge_options = st.fixed_dictionaries(
    {
        "input_size": st.integers(-2, 3),
        "hidden_size": st.integers(-2, 3),
        "layers": st.integers(-1, 3),
        "bidirectional": st.booleans(),
        "batch_first": st.booleans(),
        "bias": st.booleans(),
        "dropout": st.floats(-0.5, 1.5, allow_nan=False) | st.sampled_from([0.0, 1.0]),
        "batch_size": st.integers(-2, 3),
        "seq_len": st.integers(-2, 3),
    }
)
