"""Differential fuzzing of tensorrt_mini against torch.

Each case is a short random program (cases.draw_program): input tensors of every dtype
and odd shapes, a chain of views over each, then a few ops. It runs step by step on tm
and on torch (cpu), and every step's errors, dtypes, shapes, values, strides and aliasing
are compared (compare.py). `python -m tests.fuzz --help` runs it by hand; test_fuzz.py
is CI's share.

Modules: literals (values and their source text), api (what tm offers), cases (a case's
steps), draw_views and draw_ops (each step), operands (partners, masks, indices), guards
(where torch itself is undefined), program (steps and variables), runner, compare,
summary.
"""
