"""The shape model: what to build and feed (spec, validate), every tensor and parameter predicted and
explained (shapes), its cost, the final-state idioms, decoder hand-off and chunk plans, the step
equations, and what a slice of a result holds (follow, readings).

Plain Python and no torch, so it answers instantly at any size; the run checks it against torch.
"""
