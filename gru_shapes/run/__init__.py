"""The real forward pass and everything evaluated on its tensors: the pipeline (spec to report), the
memory guard, the runner, the module's own expectations, the step recomputed, the idioms, hand-off and
chunks run as code, and the trials a diagnosis makes. The only stage that imports torch to run a
module; nothing here imports torch before a run needs it, except the modules that run.
"""
