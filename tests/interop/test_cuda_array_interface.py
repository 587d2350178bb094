"""The CUDA array interface v3 (tensorrt_mini/interop/cuda_array_interface.py). Under the
simulator, device addresses are host addresses, so a stand-in exposing a numpy array's
memory through __cuda_array_interface__ plays CuPy's or Numba's device array; only a GPU
checks real device memory and the stream wait (the `gpu` run of this file)."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime


@pytest.fixture(autouse=True)
def _needs_cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")


class _DeviceArray:
    """Another library's device array: its memory and the interface describing it."""

    def __init__(self, interface, keep=None):
        self.__cuda_array_interface__ = interface
        self._keep = keep


def _simulated_device_array(array, stream=None, read_only=False):
    if not isinstance(cuda_runtime.runtime(), cuda_runtime.Simulated):
        pytest.skip("a host array stands for device memory only under the simulator")
    return _DeviceArray({"shape": array.shape, "typestr": array.dtype.str,
                         "strides": array.strides, "data": (array.ctypes.data, read_only),
                         "version": 3, "stream": stream}, keep=array)


def test_interface_of_cuda_tensors():
    t = tm.arange(12, dtype=tm.float32, device="cuda").reshape(3, 4)
    desc = t.__cuda_array_interface__
    assert desc == {"shape": (3, 4), "typestr": "<f4", "strides": None,
                    "data": (t.data_ptr(), False), "version": 3, "stream": 1}
    view = t.t()[1:, ::2]
    desc = view.__cuda_array_interface__
    assert desc["shape"] == (3, 2) and desc["strides"] == (4, 32)
    assert desc["data"] == (view.data_ptr(), False)
    assert tm.ones(0, 2, device="cuda").__cuda_array_interface__["data"] == (0, False)
    assert not hasattr(tm.ones(2), "__cuda_array_interface__")  # host memory has none
    with pytest.raises(RuntimeError, match="requires grad"):
        tm.ones(2, device="cuda", requires_grad=True).__cuda_array_interface__


def test_as_tensor_round_trip_shares_memory():
    t = tm.arange(12, dtype=tm.float32, device="cuda").reshape(3, 4)
    for view in (t, t.t(), t[:, 1::2], t[:1].expand(2, 4)):
        u = tm.as_tensor(_DeviceArray(view.__cuda_array_interface__, keep=view))
        assert u.device == t.device and u.data_ptr() == view.data_ptr()
        assert u.stride() == view.stride() and u.tolist() == view.tolist()
    u = tm.as_tensor(_DeviceArray(t.t().__cuda_array_interface__, keep=t))
    u[3, 0] = -7
    assert t[0, 3].item() == -7


def test_as_tensor_of_another_librarys_device_array():
    a = np.arange(8.0).reshape(2, 4)[:, ::2]
    u = tm.as_tensor(_simulated_device_array(a, stream=1))
    assert u.device.type == "cuda" and u.data_ptr() == a.ctypes.data and u.stride() == (4, 2)
    assert (u * 2).tolist() == (a * 2).tolist()  # a kernel reads the foreign memory
    u.add_(1)  # and writes it
    assert a.tolist() == [[1.0, 3.0], [5.0, 7.0]]
    copied = tm.tensor(_simulated_device_array(a))
    assert copied.device.type == "cuda" and copied.data_ptr() != a.ctypes.data
    assert copied.tolist() == a.tolist()
    cpu = tm.as_tensor(_simulated_device_array(a), device="cpu", dtype=tm.float32)
    assert cpu.device.type == "cpu" and cpu.dtype is tm.float32


def test_read_only_device_array_is_never_written():
    a = np.arange(3.0)
    u = tm.as_tensor(_simulated_device_array(a, read_only=True))
    assert u.storage().read_only and (u + 1).tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="read-only"):
        u.fill_(0)
    assert a.tolist() == [0.0, 1.0, 2.0]


def test_cupy_and_numba_device_arrays_on_a_gpu():
    if isinstance(cuda_runtime.runtime(), cuda_runtime.Simulated):
        pytest.skip("CuPy and Numba device arrays have no __cuda_array_interface__ under the "
                    "simulator")
    import cupy
    from numba import cuda
    t = tm.arange(6.0, device="cuda").reshape(2, 3).t()
    c = cupy.asarray(t)  # CuPy reads the interface
    assert c.data.ptr == t.data_ptr() and c.strides == tuple(4 * s for s in t.stride())
    d = cuda.to_device(np.arange(4.0))
    u = tm.as_tensor(d)
    assert u.device.type == "cuda" and u.data_ptr() == d.__cuda_array_interface__["data"][0]
    u.mul_(2)
    assert d.copy_to_host().tolist() == [0.0, 2.0, 4.0, 6.0]
