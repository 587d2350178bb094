"""How kernel arguments reach a launch: addresses and scalars as CuPy passes them, and the
simulator's mapping of addresses back to buffers. No GPU needed: CuPy's side is faked at
the point where CuPy takes over (the loaded function), and the rule for what CuPy does
with each argument is the one `scalar_casts` documents."""
import copy
import gc
import pickle
import re
import threading

import numpy as np
import pytest
from numba import types

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

pytestmark = pytest.mark.skipif(not cuda_runtime.is_available(),
                                reason=f"cuda device unavailable: {cuda_runtime.unavailable()}")

F32P, I64, F32, F64 = types.CPointer(types.float32), types.int64, types.float32, types.float64


class _Kernel:
    def __init__(self, *argtypes):
        self.name = "test." + ".".join(map(str, argtypes))
        self.argtypes = argtypes


def test_scalar_casts_leave_addresses_and_int64_alone():
    casts = cuda_runtime.scalar_casts((F32P, I64, F32, F64, types.int32, types.uint32))
    assert casts == [(2, np.float32), (3, np.float64), (4, np.int32), (5, np.uint32)]


def test_cupy_launch_casts_only_what_cupy_would_pass_wrong():
    seen = []
    rt = cuda_runtime.CuPy.__new__(cuda_runtime.CuPy)  # no GPU: the loaded function is faked
    kernel = _Kernel(F32P, I64, F32, F64)
    rt._functions = {kernel.name: (lambda grid, block, args: seen.append((grid, block, args)),
                                   cuda_runtime.scalar_casts(kernel.argtypes))}
    rt.launch(kernel, (3,), (128,), [0x7F0000001000, 5, 2.5, 1])
    (grid, block, args), = seen
    assert (grid, block) == ((3,), (128,))
    assert args[:2] == (0x7F0000001000, 5) and type(args[0]) is int
    assert type(args[2]) is np.float32 and args[2] == 2.5
    assert type(args[3]) is np.float64 and args[3] == 1.0  # an int would arrive as int bits


@pytest.fixture
def sim():
    if not isinstance(cuda_runtime.runtime(), cuda_runtime.Simulated):
        pytest.skip("the simulator's address mapping")
    return cuda_runtime.runtime()


def test_simulator_maps_addresses_to_the_buffer_they_point_into(sim):
    buf = sim.empty(8, np.float32)
    buf[:] = np.arange(8)
    base = sim.address(buf)
    assert np.shares_memory(sim._array_at(base + 12), buf)
    np.testing.assert_array_equal(sim._array_at(base + 12), [3, 4, 5, 6, 7])
    assert sim._array_at(base + 32).size == 0  # one past the end: an empty range
    for bad in (base + 2, base + 36):  # inside an element; past the end
        with pytest.raises(ValueError, match="not an element of a live cuda buffer"):
            sim._array_at(bad)


def test_simulator_forgets_freed_buffers(sim):
    buf = sim.empty(4, np.float64)
    base = sim.address(buf)
    del buf
    gc.collect()
    assert base not in sim._buffers


def test_simulator_refuses_arguments_cupy_would_pass_as_other_bits(sim):
    kernel = _Kernel(F32P, I64)
    buf = sim.empty(4, np.float32)
    for bad in (np.float64(1.0), np.int32(1), 1.0, np.bool_(True)):
        with pytest.raises(TypeError, match="argument 1 \\(int64\\) must be an int"):
            sim.launch(kernel, (1,), (1,), [sim.address(buf), bad])
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        sim.launch(kernel, (1,), (1,), [sim.address(buf)])


def test_tiny_op_path_takes_the_vector_kernel_only_when_aligned(monkeypatch):
    from tensorrt_mini.backends import cuda as backend
    names = []
    real = backend._rt.launch
    monkeypatch.setattr(backend._rt, "launch",
                        lambda k, g, b, args: names.append(k.name) or real(k, g, b, args))
    base = tm.arange(9, dtype=tm.float32, device="cuda")
    a, b = base[:8], tm.ones(8, device="cuda")
    names.clear()
    np.testing.assert_array_equal(np.array(a + b), np.arange(8) + 1)
    np.testing.assert_array_equal(np.array(base[1:] + b), np.arange(1, 9) + 1)  # misaligned
    aligned, misaligned = names
    assert aligned.startswith("ew.contig.add.") and ".w1." not in aligned
    assert misaligned.replace(".w1.", ".w?.") == re.sub(r"\.w\d+\.", ".w?.", aligned)
    names.clear()
    assert (tm.zeros(0, device="cuda") + tm.zeros(0, device="cuda")).shape == (0,)
    assert names == []  # nothing to launch


def test_a_ptx_the_driver_refuses_is_named_with_the_driver_version(tmp_path, monkeypatch):
    from tensorrt_mini.kernels.cuda import compiler
    ptx = tmp_path / "k.ptx"
    ptx.write_text("//\n.version 9.5\n.target sm_90\n")
    monkeypatch.setattr(compiler, "ptx", lambda kernel, cc: (str(ptx), "entry"))

    class DriverError(Exception):
        pass

    class FakeCuPy:
        class cuda:
            class driver:
                CUDADriverError = DriverError

            class runtime:
                @staticmethod
                def driverGetVersion():
                    return 13000

        class RawModule:
            def __init__(self, path):
                raise DriverError("CUDA_ERROR_UNSUPPORTED_PTX_VERSION: the provided PTX was "
                                  "compiled with an unsupported toolchain.")

    rt = cuda_runtime.CuPy.__new__(cuda_runtime.CuPy)
    rt._cp, rt.cc, rt._functions = FakeCuPy, (9, 0), {}
    with pytest.raises(RuntimeError, match=r"the CUDA driver \(13000\) cannot load test\..* "
                                           r"\(PTX ISA 9\.5, .*k\.ptx\): CUDA_ERROR_UNSUP") as e:
        rt.launch(_Kernel(I64), (1,), (1,), [1])
    assert e.value.__cause__ is None and e.value.__suppress_context__


def test_simulator_mapping_holds_while_another_thread_allocates_and_frees(sim):
    keep = sim.empty(16, np.float32)
    address = sim.address(keep) + 8
    before = len(sim._buffers)
    stop, errors = threading.Event(), []

    def churn():
        while not stop.is_set():
            for _ in range(20):
                sim.empty(4, np.float32)  # made and freed at once

    thread = threading.Thread(target=churn)
    thread.start()
    try:
        for _ in range(50000):
            try:
                assert sim._array_at(address).size == 14
            except Exception as e:  # collected: an assert in this loop would hide the rest
                errors.append(repr(e))
    finally:
        stop.set()
        thread.join()
    gc.collect()
    assert errors == []
    assert len(sim._buffers) == len(sim._bases) == before  # what was freed is forgotten
    assert sim._bases == sorted(sim._buffers)


def test_a_copied_storage_has_its_own_address():
    s = tm.arange(3, dtype=tm.float32, device="cuda").untyped_storage()
    for copied in (copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert copied.data_ptr() != s.data_ptr()
        tm._tensor._new(copied, (3,), (1,)).add_(1)  # a kernel writes at the copy's address
        assert copied.tolist() == [1.0, 2.0, 3.0] and s.tolist() == [0.0, 1.0, 2.0]
