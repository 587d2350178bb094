"""The CUDA kernels are tested two ways:

- in this process under Numba's CUDA simulator. numba.cuda reads NUMBA_ENABLE_CUDASIM
  once, at its first import, so the variable must be set before anything imports it;
  the suite-wide conftest (tests/conftest.py) is the right home for this default, which
  is repeated here so that this folder also runs on its own. On a GPU machine run with
  NUMBA_ENABLE_CUDASIM=0: the simulator tests then skip.
- compiled to PTX in a subprocess without the simulator (test_cuda_ptx.py).
"""
import os

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def sim():
    """The compiler module, when this process runs the simulator."""
    from tensorrt_mini.kernels.cuda import compiler
    if not compiler.SIMULATOR:
        pytest.skip("numba.cuda was imported without the simulator (NUMBA_ENABLE_CUDASIM=0)")
    return compiler
