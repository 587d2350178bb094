"""How kernel arguments reach a launch: the parameter block CuPy.launch hands to
cuLaunchKernel (each argument in its parameter's own type), what the simulator refuses
(what that packing would pack wrongly), and the simulator's mapping of addresses back to
buffers. No GPU needed: CuPy is faked where tensorrt_mini hands over to it (the driver's
launchKernel, which here reads the block as the driver would)."""
import copy
import ctypes
import gc
import pickle
import re
import struct
import sys
import threading
from types import SimpleNamespace

import numpy as np
import pytest
from numba import types

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

pytestmark = pytest.mark.skipif(not cuda_runtime.is_available(),
                                reason=f"cuda device unavailable: {cuda_runtime.unavailable()}")

F32P, I64, F32, F64 = types.CPointer(types.float32), types.int64, types.float32, types.float64
I32, BOOL, U8 = types.int32, types.boolean, types.uint8


class _Kernel:
    def __init__(self, *argtypes):
        self.name = "test." + ".".join(map(str, argtypes))
        self.argtypes = argtypes


class _FakeCuPy:
    """What CuPy.launch calls. launchKernel reads each argument's word during the call, as
    the driver does (`arity` words: the driver knows the count from the kernel)."""

    class DriverError(Exception):
        def __init__(self, message, status=1):
            super().__init__(message)
            self.status = status

    def __init__(self, arity=0, load_error=None):
        self.arity, self.launches, self.contexts = arity, [], []
        stream = SimpleNamespace(ptr=0x5EED)

        def launch(f, gx, gy, gz, bx, by, bz, shared, stream_ptr, params, extra):
            pointers = (ctypes.c_uint64 * self.arity).from_address(params)
            self.launches.append(dict(
                function=f, grid=(gx, gy, gz), block=(bx, by, bz), shared=shared,
                stream=stream_ptr, extra=extra, pointers=list(pointers),
                words=[ctypes.string_at(p, 8) for p in pointers]))

        def raw_module(path):
            if load_error:
                raise self.DriverError(load_error)
            return SimpleNamespace(get_function=lambda entry: SimpleNamespace(
                kernel=SimpleNamespace(ptr=0xF00D)))

        self.cuda = SimpleNamespace(
            Device=lambda: SimpleNamespace(compute_capability="90"),
            alloc=None, memory=SimpleNamespace(OutOfMemoryError=MemoryError),
            get_current_stream=lambda: stream,
            driver=SimpleNamespace(launchKernel=launch, CUDADriverError=self.DriverError),
            runtime=SimpleNamespace(
                memGetInfo=lambda: self.contexts.append(threading.get_ident()),
                driverGetVersion=lambda: 13000))
        self.RawModule = raw_module


@pytest.fixture
def fake_gpu(monkeypatch):
    """(fake CuPy, a CuPy runtime driving it); nothing is compiled."""
    from tensorrt_mini.kernels.cuda import compiler
    monkeypatch.setattr(compiler, "ptx", lambda kernel, cc: ("unused.ptx", "entry"))
    fake = _FakeCuPy()
    return fake, cuda_runtime.CuPy(fake)


def test_a_launch_that_breaks_a_graph_capture_says_so(fake_gpu):
    fake, rt = fake_gpu

    def refuse(*args):
        raise fake.DriverError("CUDA_ERROR_STREAM_CAPTURE_IMPLICIT", status=906)
    fake.cuda.driver.launchKernel = refuse
    rt = cuda_runtime.CuPy(fake)
    with pytest.raises(RuntimeError, match="could not join the CUDA graph being captured"):
        rt.launch(_Kernel(I64), (1,), (1,), [0])

    def other(*args):
        raise fake.DriverError("CUDA_ERROR_ILLEGAL_ADDRESS", status=700)
    fake.cuda.driver.launchKernel = other
    rt = cuda_runtime.CuPy(fake)
    with pytest.raises(fake.DriverError, match="ILLEGAL_ADDRESS"):
        rt.launch(_Kernel(I64), (1,), (1,), [0])


def _word(code, value):
    return struct.pack("<" + code, value).ljust(8, b"\0")


def test_each_argument_is_packed_in_its_parameter_type(fake_gpu):
    fake, rt = fake_gpu
    kernel = _Kernel(F32P, I64, I32, F32, F64, BOOL, U8, I64, F32P)
    args = [0x7F00_0000_1000, -3, -7, np.float32(1.5), -2.25, True, np.uint8(200), 1 << 62,
            0x7F00_0000_2000]
    fake.arity = len(args)
    rt.launch(kernel, (3,), (128, 2), list(args))
    (seen,) = fake.launches
    assert seen["words"] == [_word("Q", args[0]), _word("q", -3), _word("i", -7),
                             _word("f", 1.5), _word("d", -2.25), _word("?", True),
                             _word("B", 200), _word("q", 1 << 62), _word("Q", args[8])]
    # the params array points at one 8-byte word per argument, in order
    assert seen["pointers"] == [seen["pointers"][0] + 8 * i for i in range(len(args))]
    # on CuPy's current stream, where its copies and cuBLAS calls go
    assert seen["function"] == 0xF00D and seen["stream"] == 0x5EED
    assert (seen["grid"], seen["block"]) == ((3, 1, 1), (128, 2, 1))
    assert seen["shared"] == 0 and seen["extra"] == 0


def test_python_ints_for_float_parameters_arrive_as_float_bits(fake_gpu):
    fake, rt = fake_gpu
    fake.arity = 3
    rt.launch(_Kernel(F32, F64, I64), (1,), (1,), [1, 3, True])
    assert fake.launches[0]["words"] == [_word("f", 1.0), _word("d", 3.0), _word("q", 1)]
    assert fake.launches[0]["words"][1] != _word("q", 3)  # not the int's bits


def test_all_int_kernels_write_the_same_words_and_rewrite_them_per_call(fake_gpu):
    fake, rt = fake_gpu
    kernel = _Kernel(F32P, F32P, I64, I64)  # packed by one slice assignment
    fake.arity = 4
    for args in ([0x1000, 0x2000, np.int64(-1), 5], [0x3000, 0x4000, 0, np.int32(-9)]):
        rt.launch(kernel, (2, 2, 2), (64,), args)
        assert fake.launches[-1]["words"] == [_word("Q", args[0]), _word("Q", args[1]),
                                              _word("q", args[2]), _word("q", args[3])]
    assert fake.launches[0]["pointers"] == fake.launches[1]["pointers"]  # the kept block


def test_the_gpu_path_refuses_what_it_cannot_pack(fake_gpu):
    fake, rt = fake_gpu
    fake.arity = 2
    for kernel, args, bad in [(_Kernel(F32P, I64), [1.5, 2], "argument 0 \\(float32\\*\\)"),
                              (_Kernel(F32P, I64), [0x1000, 2.0], "argument 1 \\(int64\\)"),
                              (_Kernel(F32P, F32), [0x1000, "x"], "argument 1 \\(float32\\)"),
                              (_Kernel(F32P, I32), [0x1000, 1 << 40], "argument 1 \\(int32\\)")]:
        with pytest.raises(TypeError, match=f"{re.escape(kernel.name)}: {bad} cannot take"):
            rt.launch(kernel, (1,), (1,), args)
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        rt.launch(_Kernel(F32P, I64), (1,), (1,), [0x1000])
    assert fake.launches == []


def test_each_thread_has_its_own_block_and_context(fake_gpu):
    fake, rt = fake_gpu
    kernel = _Kernel(F32P, I64)
    fake.arity = 2
    rt.launch(kernel, (1,), (1,), [0x1000, 1])
    thread = threading.Thread(target=rt.launch, args=(kernel, (1,), (1,), [0x2000, 2]))
    thread.start()
    thread.join()
    main, other = fake.launches
    assert other["words"] == [_word("Q", 0x2000), _word("q", 2)]
    assert set(main["pointers"]).isdisjoint(other["pointers"])
    # the main thread's block still holds what it was given
    assert [ctypes.string_at(p, 8) for p in main["pointers"]] == main["words"]
    assert fake.contexts == [threading.get_ident(), thread.ident]  # once per thread


@pytest.fixture
def sim():
    if not isinstance(cuda_runtime.runtime(), cuda_runtime.Simulated):
        pytest.skip("the simulator's address mapping")
    return cuda_runtime.runtime()


def test_simulator_maps_addresses_to_the_buffer_they_point_into(sim):
    buf = sim.empty(8, np.dtype(np.float32))
    buf[:] = np.arange(8)
    base = sim.address(buf)
    assert np.shares_memory(sim._array_at(base + 12), buf)
    np.testing.assert_array_equal(sim._array_at(base + 12), [3, 4, 5, 6, 7])
    assert sim._array_at(base + 32).size == 0  # one past the end: an empty range
    for bad in (base + 2, base + 36):  # inside an element; past the end
        with pytest.raises(ValueError, match="not an element of a live cuda buffer"):
            sim._array_at(bad)


def test_simulator_forgets_freed_buffers(sim):
    buf = sim.empty(4, np.dtype(np.float64))
    base = sim.address(buf)
    del buf
    gc.collect()
    assert base not in sim._buffers


def test_simulator_refuses_what_the_gpu_path_would_pack_wrongly(sim):
    kernel = _Kernel(F32P, I64, F32)
    buf = sim.empty(4, np.dtype(np.float32))
    ptr = sim.address(buf)
    for i, bad in [(1, np.float64(1.0)), (1, 1.0), (1, np.bool_(True)), (1, 1 << 63),
                   (0, -ptr), (0, float(ptr)), (2, 1e300), (2, "1")]:
        args = [ptr, 1, 1.0]
        args[i] = bad
        with pytest.raises(TypeError, match=re.escape(f"argument {i} ({kernel.argtypes[i]}) "
                                                      "cannot take")):
            sim.launch(kernel, (1,), (1,), args)
    kernel = _Kernel(F32P, I64, BOOL)  # struct's "?" takes any object, by its truth
    for bad in (0.5, "yes", None):
        args = [ptr, 1, bad]
        with pytest.raises(TypeError, match=re.escape("argument 2 (bool) cannot take")):
            sim.launch(kernel, (1,), (1,), args)
    with pytest.raises(TypeError, match="takes 3 arguments, got 2"):
        sim.launch(kernel, (1,), (1,), [ptr, 1])
    kernel = _Kernel(F32P, I64, F32)
    for grid, block in [((0,), (1,)), ((1,), (1, 0)), ((), (1,)), ((1, 1, 1, 1), (1,)),
                        ([1], (1,))]:
        with pytest.raises(ValueError, match="needs to be a tuple of 1 to 3 dims, each at"):
            sim.launch(kernel, grid, block, [ptr, 1, 1.0])


def test_simulator_takes_what_the_gpu_path_packs_right(sim, monkeypatch):
    from tensorrt_mini.kernels.cuda import compiler
    called = []
    monkeypatch.setattr(compiler, "simulate", lambda k, g, b, args: called.append(args))
    kernel = _Kernel(F32P, I64, F32)  # an int64 from any integer, a float32 from an int
    out = sim.empty(1, np.dtype(np.float32))
    sim.launch(kernel, (1,), (1,), [sim.address(out), np.int32(3), 2])
    (args,) = called
    assert np.shares_memory(args[0], out) and args[1:] == [3, 2]


def test_tiny_op_path_takes_the_vector_kernel_only_when_aligned(monkeypatch):
    from tensorrt_mini.backends import cuda as backend
    names = []
    real = backend._rt.launch
    monkeypatch.setattr(backend._rt, "launch",
                        lambda k, g, b, args: names.append(k.name) or real(k, g, b, args))
    base = tm.arange(9, dtype=tm.float32, device="cuda")
    a, b = base[:8], tm.ones(8, device="cuda")
    names.clear()
    np.testing.assert_array_equal(np.array((a + b).cpu()), np.arange(8) + 1)
    np.testing.assert_array_equal(np.array((base[1:] + b).cpu()), np.arange(1, 9) + 1)  # misaligned
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
    rt = cuda_runtime.CuPy(_FakeCuPy(load_error="CUDA_ERROR_UNSUPPORTED_PTX_VERSION: the "
                                                "provided PTX was compiled with an unsupported "
                                                "toolchain."))
    with pytest.raises(RuntimeError, match=r"the CUDA driver \(13000\) cannot load test\..* "
                                           r"\(PTX ISA 9\.5, .*k\.ptx\): CUDA_ERROR_UNSUP") as e:
        rt.launch(_Kernel(I64), (1,), (1,), [1])
    assert e.value.__cause__ is None and e.value.__suppress_context__


def test_simulator_mapping_holds_while_another_thread_allocates_and_frees(sim):
    keep = sim.empty(16, np.dtype(np.float32))
    address = sim.address(keep) + 8
    gc.collect()  # buffers earlier tests left in garbage cycles are not this test's
    before = len(sim._buffers)
    stop, errors = threading.Event(), []

    def churn():
        while not stop.is_set():
            for _ in range(20):
                sim.empty(4, np.dtype(np.float32))  # made and freed at once

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


def test_threads_launch_at_once_each_with_its_own_arguments():
    # on a GPU: each thread packs its own parameter block, and a new thread's first launch
    # works even when nothing before it in that thread made a CUDA call (its output comes
    # from the pool's cache)
    n = 16
    xs = [tm.ones(n, device="cuda") * i for i in range(4)]
    xs[0] + xs[1]  # freed at once, into the cache
    results, errors = {}, []

    def work(i):
        try:
            for _ in range(5):
                y = xs[i] + xs[i]
            results[i] = y.tolist()
        except Exception as e:  # collected: an assert in a thread would be lost
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == {i: [2.0 * i] * n for i in range(4)}


def test_the_simulator_allocates_only_for_a_numpy_dtype(sim):
    # CuPy.empty reads dtype.itemsize: a scalar type (np.int64) would fail there, on a GPU
    with pytest.raises(TypeError, match="numpy dtype"):
        sim.empty(4, np.int64)
    assert sim.empty(4, np.dtype(np.int64)).dtype == np.int64


class _DeviceArray:
    """A host array standing in for a CuPy array: what half_matmul reads of one."""

    def __init__(self, array):
        self.array, self.shape, self.size, self.ndim = array, array.shape, array.size, array.ndim
        self.data = SimpleNamespace(ptr=array.ctypes.data)

    def fill(self, value):
        self.array.fill(value)


class _FakeCublas:
    """cuBLAS's strided-batched gemmEx, column-major, over host memory at the addresses."""
    TYPES = {2: np.float16, 14: np.uint16}

    def __init__(self):
        self.mode, self.calls, self.stream = 1, [], None

    def getPointerMode(self, handle):
        return self.mode

    def setPointerMode(self, handle, mode):
        self.mode = mode

    def setStream(self, handle, stream):
        self.stream = stream

    def gemmStridedBatchedEx(self, handle, ta, tb, m, n, k, alpha, A, a_type, lda, stride_a,
                             B, b_type, ldb, stride_b, beta, C, c_type, ldc, stride_c, batch,
                             compute, algo):
        from tensorrt_mini.kernels import half
        self.calls.append(dict(types=(a_type, b_type, c_type), compute=compute, mode=self.mode,
                               ops=(ta, tb)))
        dtype = self.TYPES[a_type]

        def matrix(address, rows, cols, ld):  # column-major: (r, c) at r + c * ld
            return np.ndarray((rows, cols), dtype, ctypes.cast(address, ctypes.POINTER(
                ctypes.c_uint16 * (ld * cols))).contents, strides=(2, 2 * ld))

        def wide(x):
            return half.bf16_to_f32(x) if dtype == np.uint16 else x.astype(np.float32)
        scale = [ctypes.c_float.from_address(p).value for p in (alpha, beta)]
        for i in range(batch):
            a = matrix(A + 2 * i * stride_a, m, k, lda)
            b = matrix(B + 2 * i * stride_b, k, n, ldb)
            c = matrix(C + 2 * i * stride_c, m, n, ldc)
            result = scale[0] * (wide(a) @ wide(b)) + (scale[1] * wide(c) if scale[1] else 0)
            c[...] = half.f32_to_bf16(result) if dtype == np.uint16 else half.f32_to_f16(result)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_matmul_calls_gemmex_with_float32_compute(fake_gpu, monkeypatch, name):
    """The row-major product through column-major cuBLAS (out^T = b^T a^T), batched, as
    the simulator's numpy matmul computes it."""
    fake, rt = fake_gpu
    cublas = _FakeCublas()
    for name_ in ("cupy_backends", "cupy_backends.cuda", "cupy_backends.cuda.libs"):
        monkeypatch.setitem(sys.modules, name_, SimpleNamespace(cublas=cublas))
    fake.cuda.device = SimpleNamespace(get_cublas_handle=lambda: 7)
    rng = np.random.default_rng(0)
    store = np.float16 if name == "float16" else np.uint16
    from tensorrt_mini.kernels import half
    a32, b32 = rng.standard_normal((2, 3, 5)).astype(np.float32), rng.standard_normal((2, 5, 4)).astype(np.float32)
    a, b = (x.astype(np.float16) if store == np.float16 else half.f32_to_bf16(x) for x in (a32, b32))
    out = np.zeros((2, 3, 4), store)
    rt.half_matmul(_DeviceArray(out), _DeviceArray(a), _DeviceArray(b), name)
    want = np.zeros_like(out)
    cuda_runtime.Simulated().half_matmul(want, a, b, name)
    np.testing.assert_array_equal(out, want)
    (call,) = cublas.calls
    kind = 2 if name == "float16" else 14
    assert call["types"] == (kind,) * 3 and call["compute"] == 68  # CUBLAS_COMPUTE_32F
    assert call["mode"] == 0 and cublas.mode == 1 and cublas.stream == 0x5EED
