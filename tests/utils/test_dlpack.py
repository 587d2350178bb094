"""tm.utils.dlpack, as torch.utils.dlpack: legacy capsules both ways."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.utils import dlpack


def test_legacy_capsules_cross_to_torch_and_back():
    torch = pytest.importorskip("torch")
    t = tm.arange(6, dtype=tm.int64).reshape(2, 3).t()
    capsule = dlpack.to_dlpack(t)
    assert 'capsule object "dltensor"' in repr(capsule)
    x = torch.utils.dlpack.from_dlpack(capsule)
    assert x.data_ptr() == t.data_ptr() and x.stride() == t.stride()
    assert x.tolist() == t.tolist()
    y = torch.arange(4.0)
    u = dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(y))
    assert u.data_ptr() == y.data_ptr()
    u[0] = 9
    assert y[0].item() == 9
    assert dlpack.from_dlpack is tm.from_dlpack


def test_device_types_are_dlpacks():
    torch = pytest.importorskip("torch")
    for name in ("kDLCPU", "kDLCUDA", "kDLCUDAHost", "kDLROCM", "kDLCUDAManaged", "kDLOneAPI"):
        assert int(getattr(dlpack.DLDeviceType, name)) == int(
            getattr(torch.utils.dlpack.DLDeviceType, name))
