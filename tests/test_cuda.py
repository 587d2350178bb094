"""tm.cuda: is_available and friends, as torch.cuda answers them, with and without a device.
The suite runs the cuda device under Numba's simulator (tests/conftest.py)."""
import subprocess
import sys

import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime


def test_with_a_device():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    assert tm.cuda.is_available() is True
    assert tm.cuda.device_count() == 1 and tm.cuda.current_device() == 0
    simulated = isinstance(cuda_runtime.runtime(), cuda_runtime.Simulated)
    assert (tm.cuda.get_device_name() == "Numba CUDA simulator") == simulated
    device = "cuda" if tm.cuda.is_available() else "cpu"  # the idiom it exists for
    x = tm.ones(3, device=device) * 2
    assert tm.cuda.synchronize() is None
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_without_a_device(monkeypatch):
    monkeypatch.setattr(cuda_runtime, "unavailable", lambda: "CuPy is not installed")
    monkeypatch.setattr(cuda_runtime, "_runtime", None)
    assert tm.cuda.is_available() is False
    assert tm.cuda.device_count() == 0
    for call in (tm.cuda.synchronize, tm.cuda.current_device, tm.cuda.get_device_name):
        with pytest.raises(RuntimeError, match="device='cuda' is not available: CuPy is not "
                                               "installed. Install the CUDA extras"):
            call()


def test_the_cupy_runtime_asks_cupy():
    calls = []

    class FakeCuPy:
        class cuda:
            class Device:
                id = 0

                def synchronize(self):
                    calls.append("synchronize")

            class runtime:
                @staticmethod
                def getDeviceProperties(i):
                    return {"name": b"NVIDIA H100 80GB HBM3"}

    rt = cuda_runtime.CuPy.__new__(cuda_runtime.CuPy)
    rt._cp = FakeCuPy
    assert rt.device_name() == "NVIDIA H100 80GB HBM3"
    rt.synchronize()
    assert calls == ["synchronize"]


def test_tm_cuda_imports_neither_cupy_nor_numba_cuda():
    code = ("import sys, tensorrt_mini as tm; tm.cuda.device_count; "
            "print('cupy' in sys.modules, 'numba.cuda' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.stdout.split() == ["False", "False"], run.stderr[-2000:]


def test_without_numba_cuda_a_cuda_tensor_names_the_extras(monkeypatch):
    """The backend's kernel imports used to fail first, with ModuleNotFoundError."""
    from tensorrt_mini import backends
    monkeypatch.setattr(cuda_runtime, "_runtime", None)
    monkeypatch.setattr(cuda_runtime, "unavailable", lambda: "numba-cuda is not installed")
    monkeypatch.delitem(backends.loaded, "cuda", raising=False)
    for make in (lambda: tm.tensor([1.], device="cuda"), lambda: tm.ones(2).cuda()):
        with pytest.raises(RuntimeError, match=r"numba-cuda is not installed.*tensorrt_mini\[cuda\]"):
            make()
