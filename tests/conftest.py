"""Shared pytest setup. Its presence also puts tests/ on sys.path (pytest inserts the
folder of a conftest that is not inside a package), so test files anywhere below can
`import oracle`."""
import os

# The cuda device runs under Numba's CUDA simulator unless the caller says otherwise
# (NUMBA_ENABLE_CUDASIM=0 on a GPU machine). numba.cuda reads the variable once, on its
# first import, so it is set here, before any test imports it.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
