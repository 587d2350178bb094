"""tm.tensor (a copy) and tm.as_tensor (shared where it can be) of other libraries' arrays
(tensorrt_mini/interop/foreign.py), with torch's dtype and device semantics."""
import numpy as np
import pytest

import tensorrt_mini as tm


class _ArrayInterface:
    """An object with only __array_interface__ (as many C extensions export memory)."""

    def __init__(self, array):
        self.__array_interface__ = array.__array_interface__
        self._keep = array


class _ArrayMethod:
    """An object with only __array__."""

    def __init__(self, array):
        self._array = array

    def __array__(self, dtype=None, copy=None):
        return self._array


def test_torch_tensors():
    torch = pytest.importorskip("torch")
    src = torch.arange(6.0).reshape(2, 3).t()
    shared = tm.as_tensor(src)
    assert shared.data_ptr() == src.data_ptr() and shared.stride() == src.stride()
    copied = tm.tensor(src)
    assert copied.data_ptr() != src.data_ptr() and copied.tolist() == src.tolist()
    assert tm.as_tensor(src, dtype=tm.float64).tolist() == src.tolist()
    ints = tm.tensor(torch.tensor([1, 2]), dtype=tm.float32)
    assert ints.dtype is tm.float32 and ints.tolist() == [1.0, 2.0]
    bf = tm.as_tensor(torch.ones(2, dtype=torch.bfloat16))
    assert bf.dtype is tm.bfloat16 and bf.tolist() == [1.0, 1.0]
    grad = torch.ones(2, requires_grad=True)  # refuses DLPack: its values are read detached
    assert tm.tensor(grad).tolist() == [1.0, 1.0] and not tm.tensor(grad).requires_grad
    t = tm.tensor(src, requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_objects_with_array_interface_or_array():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)[:, ::2]
    shared = tm.as_tensor(_ArrayInterface(a))
    assert shared.dtype is tm.int32 and shared.data_ptr() == a.ctypes.data
    shared[0, 0] = 40
    assert a[0, 0] == 40
    copied = tm.tensor(_ArrayInterface(a))
    assert copied.data_ptr() != a.ctypes.data and copied.tolist() == a.tolist()
    b = np.ones((2, 2), dtype=np.float32)
    assert tm.as_tensor(_ArrayMethod(b)).data_ptr() == b.ctypes.data
    assert tm.tensor(_ArrayMethod(b), dtype=tm.int64).tolist() == [[1, 1], [1, 1]]


def test_numbers_tensors_and_numpy_scalars_keep_their_own_path():
    t = tm.ones(2, requires_grad=True)
    assert tm.as_tensor(t) is t  # as torch: the tensor itself, still in its graph
    assert tm.tensor(np.float32(2)).dtype is tm.float32
    assert tm.tensor([np.int16(1), np.int16(2)]).dtype is tm.int16
    assert tm.as_tensor(np.arange(3)).dtype is tm.int64
