"""Benchmark suite: tensorrt_mini beside torch and numpy on the cpu, torch and CuPy on cuda.

Run it with `python -m bench [--device cpu|cuda] [--quick] [--only NAME]`; NOTES.md says
how it measures. Not shipped in the wheel: it imports tensorrt_mini like any user would.
"""
