"""Shared pytest setup. Its presence also puts tests/ on sys.path (pytest inserts the
folder of a conftest that is not inside a package), so test files anywhere below can
`import oracle`."""
import os

import pytest

# The cuda device runs under Numba's CUDA simulator unless the caller says otherwise
# (NUMBA_ENABLE_CUDASIM=0 on a GPU machine). numba.cuda reads the variable once, on its
# first import, so it is set here, before any test imports it.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which may be absent
def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject's default): one worker per core, at most four. Each worker
    compiles its own kernels and holds its own Numba and CuPy state (about 1 GB), and
    the kernels' thread pools already use the cores on their own."""
    return max(1, min(4, os.cpu_count() or 1))
