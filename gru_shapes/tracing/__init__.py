"""Tracing the recurrent layers inside a user's own model: loading the target (target), forward hooks
that record each call (recorder), a TorchFunctionMode that follows what the model does with the
results (follower, ops), and the trace as plain data (traced). ``gru_shapes.trace`` is the door.
"""
