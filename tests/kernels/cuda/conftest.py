"""The CUDA kernels are tested two ways:

- in this process under Numba's CUDA simulator, which tests/conftest.py selects (unless
  NUMBA_ENABLE_CUDASIM=0, as on a GPU machine, where these tests skip);
- compiled to PTX in a subprocess without the simulator (test_cuda_ptx.py).
"""
import pytest


@pytest.fixture(scope="session")
def sim():
    """The compiler module, when this process runs the simulator."""
    from tensorrt_mini.kernels.cuda import compiler
    if not compiler.SIMULATOR:
        pytest.skip("numba.cuda was imported without the simulator (NUMBA_ENABLE_CUDASIM=0)")
    return compiler
