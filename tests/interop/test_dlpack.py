"""DLPack (tensorrt_mini/interop/dlpack.py): zero-copy exchange with numpy and torch on
cpu, and with tm itself on the cuda device (the simulator here), for every layout a
producer may hand over; the capsule protocol (versions, read-only flag, copy, dl_device,
streams) as the Array API standard states it."""
import gc

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.interop import dlpack as tm_dlpack
from tensorrt_mini.interop.dlpack_abi import DLDeviceType


def _layouts(make):
    """Views of a fresh 3x4 float32 array as `make` builds them: contiguous, transposed,
    stepped, expanded (stride 0), size 0 and 0-d."""
    base = make()
    return {"contiguous": base, "transposed": base.T, "stepped": base[:, ::2],
            "expanded": base[:1].expand(3, 4) if hasattr(base, "expand")
            else np.broadcast_to(base[:1], (3, 4)),
            "empty": base[:0], "scalar": base[1, 2, ...]}


def _tm_base():
    return tm.arange(12, dtype=tm.float32).reshape(3, 4)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "expanded", "empty",
                                    "scalar"])
def test_numpy_reads_tm_memory(layout):
    t = _layouts(_tm_base)[layout]
    a = np.from_dlpack(t)
    assert a.shape == tuple(t.shape)
    assert a.tolist() == t.tolist()
    if t.numel():
        assert a.ctypes.data == t.data_ptr()
        assert a.strides == tuple(s * 4 for s in t.stride())


def test_writes_show_both_ways_with_numpy():
    t = _tm_base().t()
    a = np.from_dlpack(t)
    a[0, 1] = -5
    assert t[0, 1].item() == -5
    t[2, 0] = 7
    assert a[2, 0] == 7
    b = np.arange(6.0).reshape(2, 3)[:, ::2]
    u = tm.from_dlpack(b)
    assert u.data_ptr() == b.ctypes.data and u.stride() == (3, 2)
    u[1, 1] = 50
    assert b[1, 1] == 50
    b[0, 0] = -1
    assert u[0, 0].item() == -1


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "expanded", "empty",
                                    "scalar"])
def test_tm_reads_numpy_memory(layout):
    a = _layouts(lambda: np.arange(12.0, dtype=np.float32).reshape(3, 4))[layout]
    t = tm.from_dlpack(a)
    assert tuple(t.shape) == a.shape and t.dtype is tm.float32
    assert t.tolist() == a.tolist()
    if a.size:
        assert t.data_ptr() == a.ctypes.data
        assert tuple(s * 4 for s in t.stride()) == a.strides


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "stepped", "expanded", "empty",
                                    "scalar"])
def test_torch_round_trip_shares_memory(layout):
    torch = pytest.importorskip("torch")
    t = _layouts(_tm_base)[layout]
    x = torch.from_dlpack(t)
    assert x.shape == tuple(t.shape) and x.tolist() == t.tolist()
    if t.numel():
        assert x.data_ptr() == t.data_ptr() and x.stride() == t.stride()
    src = _layouts(lambda: torch.arange(12.0).reshape(3, 4))[layout]
    u = tm.from_dlpack(src)
    assert u.tolist() == src.tolist()
    if src.numel():
        assert u.data_ptr() == src.data_ptr() and u.stride() == src.stride()


def test_writes_show_both_ways_with_torch():
    torch = pytest.importorskip("torch")
    t = _tm_base()
    x = torch.from_dlpack(t)
    x[1, 1] = 100
    assert t[1, 1].item() == 100
    t.mul_(2)
    assert x[0, 1].item() == 2
    y = torch.zeros(2, 3)
    u = tm.from_dlpack(y)
    u.add_(3)
    assert y.tolist() == [[3.0] * 3] * 2


@pytest.mark.parametrize("name", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16",
                                  "bfloat16", "float32", "float64"])
def test_every_dtype_crosses_to_torch_and_back(name):
    torch = pytest.importorskip("torch")
    values = [0, 1, 1] if name == "bool" else [1.5, -2.0, 3.0] if "float" in name else [1, 2, 3]
    t = tm.tensor(values, dtype=getattr(tm, name if name != "bool" else "bool"))
    x = torch.from_dlpack(t)  # bfloat16 as kDLBfloat, which torch reads
    assert str(x.dtype) == f"torch.{name}" and x.tolist() == t.tolist()
    back = tm.from_dlpack(torch.tensor(values, dtype=getattr(torch, name)))
    assert back.dtype is t.dtype and back.tolist() == t.tolist()


def test_capsule_versions_follow_max_version():
    t = _tm_base()
    assert "dltensor_versioned" in repr(t.__dlpack__(max_version=(1, 0)))
    assert '"dltensor"' in repr(t.__dlpack__())  # a consumer that names no version
    assert '"dltensor"' in repr(t.__dlpack__(max_version=(0, 8)))


def test_unconsumed_capsules_release_the_tensor():
    t = _tm_base()
    before = len(tm_dlpack._exported)
    capsules = [t.__dlpack__(), t.__dlpack__(max_version=(1, 1))]
    assert len(tm_dlpack._exported) == before + 2
    del capsules
    gc.collect()
    assert len(tm_dlpack._exported) == before
    u = tm.from_dlpack(t)  # consumed: the deleter runs when u's memory goes
    assert len(tm_dlpack._exported) == before + 1
    del u
    gc.collect()
    assert len(tm_dlpack._exported) == before


def test_a_capsule_is_consumed_once():
    capsule = tm.utils.dlpack.to_dlpack(_tm_base())
    tm.from_dlpack(capsule)
    with pytest.raises(RuntimeError, match="invalid capsule"):
        tm.from_dlpack(capsule)


def test_read_only_flag_travels_both_ways():
    a = np.arange(4.0)
    a.flags.writeable = False
    t = tm.from_dlpack(a)  # numpy flags it read-only in a versioned capsule
    assert t.data_ptr() == a.ctypes.data and t.storage().read_only
    with pytest.raises(RuntimeError, match="read-only"):
        t.add_(1)
    back = np.from_dlpack(t)  # numpy asks for a versioned capsule: the flag stays
    assert not back.flags.writeable and back.ctypes.data == a.ctypes.data
    with pytest.raises(BufferError, match="legacy"):
        t.__dlpack__()  # a legacy capsule cannot say it is read-only
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_copy_keyword():
    t = _tm_base()
    copied = tm.from_dlpack(t, copy=True)
    assert copied.data_ptr() != t.data_ptr() and copied.tolist() == t.tolist()
    shared = tm.from_dlpack(t, copy=False)
    assert shared.data_ptr() == t.data_ptr()
    a = np.from_dlpack(t, copy=True)
    assert a.ctypes.data != t.data_ptr()
    a[0, 0] = 99
    assert t[0, 0].item() == 0
    copied_legacy = tm.from_dlpack(_Legacy(t), copy=True)  # a producer without copy=
    assert copied_legacy.data_ptr() != t.data_ptr()


class _Legacy:
    """A producer from before the 2023.12 standard: __dlpack__ takes only stream."""

    def __init__(self, t):
        self._t = t

    def __dlpack__(self, stream=None):
        return self._t.__dlpack__(stream=stream)

    def __dlpack_device__(self):
        return self._t.__dlpack_device__()


def test_requires_grad_is_refused_as_torch_refuses_it():
    t = tm.ones(3, requires_grad=True)
    with pytest.raises(BufferError, match=r"Can't export tensors that require gradient, use "
                                          r"tensor.detach\(\)"):
        t.__dlpack__()
    assert tm.from_dlpack(t.detach()).data_ptr() == t.data_ptr()


def test_device_and_stream_arguments_on_cpu():
    t = _tm_base()
    assert t.__dlpack_device__() == (DLDeviceType.kDLCPU, 0)
    assert tm.from_dlpack(t.__dlpack__(dl_device=(1, 0))).data_ptr() == t.data_ptr()
    with pytest.raises(BufferError, match="cannot export"):
        t.__dlpack__(dl_device=(DLDeviceType.kDLCUDA, 0))
    with pytest.raises(TypeError, match="stream must be"):
        t.__dlpack__(stream="0")
    with pytest.raises(AssertionError, match="stream should be None on cpu"):
        t.__dlpack__(stream=5)
    assert tm.from_dlpack(t.__dlpack__(stream=-1)).data_ptr() == t.data_ptr()


def test_unsupported_dtypes_and_devices_are_refused():
    with pytest.raises(BufferError, match="no tensorrt_mini dtype"):
        tm.from_dlpack(np.ones(2, dtype=np.complex64))
    with pytest.raises(BufferError, match="negative strides"):
        tm.from_dlpack(np.arange(3.0)[::-1])


def _cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")


def test_cuda_round_trip_shares_device_memory():
    _cuda()
    t = tm.arange(6.0, device="cuda").reshape(2, 3)
    assert t.__dlpack_device__() == (DLDeviceType.kDLCUDA, 0)
    for view in (t, t.t(), t[:, ::2], t[:1].expand(4, 3)):
        u = tm.from_dlpack(view)
        assert u.device == t.device and u.data_ptr() == view.data_ptr()
        assert u.stride() == view.stride() and u.tolist() == view.tolist()
    u = tm.from_dlpack(t.t())
    u[2, 1] = -1
    assert t[1, 2].item() == -1
    assert (u + 1).tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 0.0]]  # kernels read it


def test_cuda_streams_and_host_copies():
    _cuda()
    t = tm.arange(6.0, device="cuda")
    for stream in (None, -1, 1, 2):  # legacy default, no sync, legacy, per-thread
        assert tm.from_dlpack(t.__dlpack__(stream=stream)).data_ptr() == t.data_ptr()
    with pytest.raises(ValueError, match="ambiguous"):
        t.__dlpack__(stream=0)
    host = np.from_dlpack(t, device="cpu")  # dl_device=(kDLCPU, 0): a copy
    assert host.tolist() == t.tolist()
    host = tm.from_dlpack(t.__dlpack__(stream=1, dl_device=(1, 0), max_version=(1, 0)))
    assert host.device.type == "cpu" and host.data_ptr() != t.data_ptr()
    with pytest.raises(BufferError, match="copy=False"):
        t.__dlpack__(dl_device=(1, 0), copy=False)
    moved = tm.from_dlpack(t, device="cpu")
    assert moved.device == tm.device("cpu") and moved.tolist() == t.tolist()
    with pytest.raises(ValueError, match="without copying"):
        tm.from_dlpack(t, device="cpu", copy=False)
    up = tm.from_dlpack(np.arange(3.0), device="cuda")
    assert up.device.type == "cuda" and up.tolist() == [0.0, 1.0, 2.0]


def test_cupy_round_trip_on_a_gpu():
    _cuda()
    if isinstance(cuda_runtime.runtime(), cuda_runtime.Simulated):
        pytest.skip("CuPy arrays need a GPU")
    import cupy
    a = cupy.arange(12, dtype=cupy.float32).reshape(3, 4)[:, ::2]
    u = tm.from_dlpack(a)
    assert u.device.type == "cuda" and u.data_ptr() == a.data.ptr and u.stride() == (4, 2)
    u.add_(1)
    assert float(a[0, 0]) == 1.0
    t = tm.arange(6.0, device="cuda").reshape(2, 3).t()
    b = cupy.from_dlpack(t)  # passes CuPy's current stream: the handshake runs
    assert b.data.ptr == t.data_ptr() and b.strides == tuple(4 * s for s in t.stride())
    b[0, 1] = -1
    assert t[0, 1].item() == -1
