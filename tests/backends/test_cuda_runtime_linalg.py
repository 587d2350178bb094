"""The CuPy runtime's linalg, with numpy standing in for CuPy: what it asks CuPy to raise
for, how a refused matrix becomes lapack.Failed, and inputs with no elements (which go to
numpy on the host). cuSOLVER itself runs only on a GPU (bench/gpu_check)."""
import contextlib

import numpy as np
import pytest

from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.kernels import lapack


class _NumpyAsCuPy:
    """numpy under CuPy's names: asnumpy and asarray move nothing."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def asnumpy(a):
        return np.asarray(a)


def _runtime():
    modes = []

    @contextlib.contextmanager
    def errstate(linalg):
        modes.append(linalg)
        yield

    rt = object.__new__(cuda_runtime.CuPy)
    rt._cp, rt._errstate = _NumpyAsCuPy(), errstate
    return rt, modes


def test_results_and_raising_modes():
    rt, modes = _runtime()
    a = np.array([[[2.0, 1.0], [1.0, 3.0]]] * 2)
    inv, det = np.empty_like(a), np.empty(2)
    rt.linalg("inv", [inv], [a], ())
    rt.linalg("det", [det], [a], ())
    np.testing.assert_allclose(inv, np.linalg.inv(a))
    np.testing.assert_allclose(det, [5.0, 5.0])
    assert modes == ["raise", "ignore"]  # a singular matrix's det is 0, not an error


def test_a_refused_matrix_is_named():
    rt, _ = _runtime()
    a = np.stack([np.eye(3), np.ones((3, 3))])
    with pytest.raises(lapack.Failed) as info:
        rt.linalg("inv", [np.empty_like(a)], [a], ())
    assert (info.value.batch_index, info.value.info) == (1, 2)


def test_inputs_without_elements_go_to_the_host():
    rt, modes = _runtime()
    u, s, vh = np.full((3, 3), 7.0), np.empty(0), np.empty((0, 0))
    rt.linalg("svd", [u, s, vh], [np.empty((3, 0))], (True,))
    np.testing.assert_array_equal(u, np.eye(3))
    assert modes == []
