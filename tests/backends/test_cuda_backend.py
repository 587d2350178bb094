"""The cuda backend against the CPU backend, through the public ops.

Under Numba's CUDA simulator (the suite's default, see tests/conftest.py) this runs the
whole cuda path on the CPU: planning, metadata, kernel variants, split reductions.
Each case builds the same tensors on both devices and must agree on values, dtype, shape
and strides. Sizes stay small: a simulated thread costs ~130 µs.
"""
import math
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from oracle import host

pytestmark = pytest.mark.skipif(not cuda_runtime.is_available(),
                                reason=f"cuda device unavailable: {cuda_runtime.unavailable()}")

DTYPES = (tm.bool, tm.uint8, tm.int8, tm.int16, tm.int32, tm.int64, tm.float32, tm.float64)


def data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if dtype is tm.bool:
        return rng.random(shape) < 0.5
    if dtype.is_floating_point:
        return (rng.standard_normal(shape) * 3).astype(dtype.np)
    lo = 0 if dtype is tm.uint8 else -50
    return rng.integers(lo, 50, shape).astype(dtype.np)


def pair(array):
    """The same values as a cpu and a cuda tensor."""
    return tm.tensor(array), tm.tensor(array, device="cuda")


def same(cpu, cuda, rtol=2e-6, atol=1e-6):
    if isinstance(cpu, tuple):
        for a, b in zip(cpu, cuda):
            same(a, b, rtol, atol)
        return
    assert cuda.device == tm.device("cuda", 0)
    assert cuda.dtype is cpu.dtype
    assert cuda.shape == cpu.shape
    assert cuda.stride() == cpu.stride()
    want, got = np.array(cpu), np.array(cuda.cpu())  # numpy refuses a cuda tensor, as torch's
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def check(fn, *arrays, rtol=2e-6, atol=1e-6):
    cpu, cuda = zip(*(pair(a) for a in arrays))
    same(fn(*cpu), fn(*cuda), rtol, atol)


# layouts that reach each kernel variant: (make view of a base tensor, base shape)
LAYOUTS = {
    "contiguous": (lambda t: t, (6, 10)),
    "transposed": (lambda t: t.t(), (10, 6)),  # a + b.T: tiled
    "offset slice": (lambda t: t[1:, 3:], (7, 13)),  # contiguous rows, unaligned: strided
    "every other": (lambda t: t[:, ::2], (6, 20)),
    "offset flat": (lambda t: t.view(-1)[1:61].view(6, 10), (7, 10)),  # dense, unaligned
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_binary_across_layouts(dtype, layout):
    view, shape = LAYOUTS[layout]
    op = tm.maximum if dtype is tm.bool else tm.add
    check(lambda a, b: op(view(a), b), data(shape, dtype, 1), data((6, 10), dtype, 2))
    check(lambda a: view(a) * 3 if dtype is not tm.bool else ~view(a), data(shape, dtype, 3))


@pytest.mark.parametrize("name", ["neg", "abs", "exp", "log", "sqrt", "sigmoid", "tanh", "round",
                                  "floor", "isnan", "logical_not", "relu", "sign", "erf"])
def test_unary(name):
    x = data((5, 7), tm.float32)
    x[0, :3] = [np.nan, np.inf, -0.0]
    check(lambda t: getattr(tm, name)(t.t()), x, rtol=1e-5)


@pytest.mark.parametrize("dtype", [tm.int32, tm.float64], ids=str)
def test_scalar_operands_on_either_side(dtype):
    x = data((4, 9), dtype, 5)
    x[x == 0] = 1
    check(lambda t: (2 - t, t - 2, 7 // t, t % 3, 2 ** (t % 4) if dtype is tm.int32 else t ** 2,
                     t > 1), x)


def test_broadcast_where_and_comparisons():
    c, a, b = data((4, 1), tm.bool), data((1, 5), tm.float32, 1), data((4, 5), tm.float32, 2)
    check(lambda c, a, b: (tm.where(c, a, b), a < b, tm.logical_xor(a > 0, b > 0)), c, a, b)


def test_batched_transpose_is_tiled():
    a, b = data((3, 9, 6), tm.float32, 1), data((3, 6, 9), tm.float32, 2)
    check(lambda a, b: a + b.transpose(1, 2), a, b)
    check(lambda b: b.transpose(1, 2).contiguous(), b)


def test_in_place_through_views():
    def fn(t):
        t[1:].add_(1)
        t.t()[::2].mul_(2)
        t[:, 0].fill_(-1)
        return t
    check(fn, data((4, 6), tm.float32))


@pytest.mark.parametrize("src", DTYPES, ids=str)
def test_casts(src):
    x = data((3, 5), src)
    check(lambda t: tuple(t.t().to(d) for d in DTYPES), x)


def test_transfers_and_creation():
    x = data((3, 4), tm.float64)
    cuda = tm.tensor(x, device="cuda")
    assert cuda.t().cpu().stride() == (3, 1)
    np.testing.assert_array_equal(np.array(cuda.t().to("cpu")), x.T)
    np.testing.assert_array_equal(np.array(tm.ones(2, 3, device="cuda").cpu()), np.ones((2, 3)))
    np.testing.assert_array_equal(
        np.array(tm.full((2,), 7, device="cuda", dtype=tm.int8).cpu()), [7, 7])
    np.testing.assert_array_equal(np.array(tm.arange(5, device="cuda").cpu()), np.arange(5))


REDUCTIONS = {
    "sum": lambda t, d: t.sum(d), "prod": lambda t, d: t.prod(d) if d is not None else t.prod(),
    "amax": lambda t, d: t.amax(d if d is not None else ()),
    "amin": lambda t, d: t.amin(d if d is not None else ()),
    "all": lambda t, d: t.all(d) if d is not None else t.all(),
    "any": lambda t, d: t.any(d) if d is not None else t.any(),
    "mean": lambda t, d: t.mean(d), "var": lambda t, d: t.var(d), "std": lambda t, d: t.std(d),
}
DIMS = [None, 0, 1, 2, (0, 2), (1, 2), -1]


@pytest.mark.parametrize("dims", DIMS, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions(name, dims):
    fn = REDUCTIONS[name]
    dtypes = {"mean": [tm.float32], "var": [tm.float64], "std": [tm.float32],
              "all": [tm.bool, tm.float32], "any": [tm.bool, tm.int8]}.get(name, [tm.int16, tm.float64])
    for dtype in dtypes:
        if name in ("prod",) and dims is not None and not isinstance(dims, int):
            continue  # torch's prod takes one dim
        x = data((4, 19, 3), dtype, 4)  # 19 rows: long enough to split into chunks
        if name == "prod" and dtype is not tm.bool:
            x = (x % 3).astype(dtype.np)
        check(lambda t: fn(t, dims), x, rtol=1e-5)
        check(lambda t: fn(t.permute(2, 0, 1), dims), x, rtol=1e-5)  # strided input
        # dense rows one element off the vector boundary: the scalar kernel, or vectors
        # from each row's first aligned element (the simulator refuses a misaligned one)
        check(lambda t: fn(t.view(-1)[1:225].view(4, 8, 7), dims), x, rtol=1e-5)


def test_reductions_of_empty_and_keepdim():
    x = np.zeros((0, 3), np.float32)
    check(lambda t: (t.sum(0), t.prod(0), t.sum(1, keepdim=True), t.all(), t.any()), x)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", [tm.float32, tm.int64, tm.bool], ids=str)
def test_max_min_and_arg(dtype, dim):
    x = data((4, 19, 3), dtype, 6)
    if dtype is tm.float32:
        x = np.floor(x)  # ties
        x[1, 7, 0] = np.nan
    if dtype is tm.bool:  # torch has max and min for bool, but no argmax or argmin
        check(lambda t: (t.max(dim), t.min(dim), t.transpose(0, 2).max(dim)), x)
        check(lambda t: (t.max(), t.amin()), x)
        return
    check(lambda t: (t.max(dim), t.min(dim), t.argmax(dim), t.argmin(dim),
                     t.transpose(0, 2).max(dim)), x)
    check(lambda t: (t.argmax(), t.max(), t.amin()), x)


def test_matmul():
    a, b = data((2, 3, 4), tm.float32, 1), data((2, 4, 5), tm.float32, 2)
    check(lambda a, b: (a @ b, a[0] @ b[1], b.transpose(1, 2) @ a.transpose(1, 2),
                        a[0, 0] @ b[0]), a, b, rtol=1e-5, atol=1e-5)


def test_advanced_indexing():
    x = data((6, 5), tm.float32)

    def fn(t):
        idx = tm.tensor([4, 0, 4, 2], device=t.device)
        got = (t[idx], t[:, [1, 3]], t[t > 0], t.t()[[0, 2]])
        u = t.clone()
        u[idx, 1] = 9.0
        u[u < -2] = 0.0
        u[[0, 1], [2, 3]] = tm.tensor([5.0, 6.0], device=t.device)
        return got + (u,)
    check(fn, x)


def test_take_keeps_a_dense_copy_of_strided_offsets_alive_for_its_launch():
    from tensorrt_mini.backends import cuda as backend
    x = tm.arange(10, dtype=tm.float32, device="cuda")
    offsets = tm.tensor([[0, 1, 2], [7, 8, 9]], device="cuda").t()  # strided: copied first
    out = tm.empty(3, 2, device="cuda")
    backend.take(out, x, offsets)
    assert host(out).tolist() == [[0, 7], [1, 8], [2, 9]]

@pytest.mark.parametrize("dtype", [tm.float32, tm.int64, tm.int8, tm.bool], ids=str)
def test_index_put_accumulates_repeats(dtype):
    from tensorrt_mini.ops.indexing import index_put_

    def fn(t):
        offsets = tm.tensor([1, 1, 4, 1, 0, 4], device=t.device)  # storage offsets
        values = tm.tensor(data((6,), dtype, 9), device=t.device)
        return index_put_(t, offsets, values, (6,), accumulate=True)
    check(fn, data((6,), dtype))


def test_random_draws_are_seeded_and_in_range():
    tm.manual_seed(3)
    a = tm.rand(1000, device="cuda")
    b = tm.randn(2, 3, 4, device="cuda", dtype=tm.float64)
    c = tm.randint(-3, 5, (500,), device="cuda")
    tm.manual_seed(3)
    np.testing.assert_array_equal(host(tm.rand(1000, device="cuda")), host(a))
    x = host(a)
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() < 1 and abs(x.mean() - .5) < .05
    assert host(b).dtype == np.float64 and np.isfinite(host(b)).all()
    assert set(np.unique(host(c))) == set(range(-3, 5))
    y = tm.zeros(6, 4, device="cuda").t()
    y.uniform_(2, 3)  # a strided target
    assert (2 <= host(y)).all() and (host(y) < 3).all()


@pytest.mark.parametrize("opt", ["sgd", "adam", "adamw"])
def test_optimizer_steps_match_the_cpu(opt):
    w0 = data((4, 3), tm.float32)
    results = []
    for device in ("cpu", "cuda"):
        w = tm.tensor(w0, device=device, requires_grad=True)
        make = {"sgd": lambda p: tm.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                              weight_decay=0.01),
                "adam": lambda p: tm.optim.Adam(p, lr=0.1, amsgrad=True),
                "adamw": lambda p: tm.optim.AdamW(p, lr=0.1)}[opt]
        o = make([w])
        for _ in range(3):
            o.zero_grad()
            (w * w).sum().backward()
            o.step()
        results.append(w.detach())
    same(results[0], results[1], rtol=1e-5)


def test_printing_fetches_a_summary():
    """A large tensor prints a summary, fetched from the device through gather_host."""
    x = tm.arange(2000, device="cuda").view(40, 50).t()
    text = repr(x)
    assert "..." in text and "1999" in text
    assert text == repr(x.cpu())[:-1] + ", device='cuda:0')"


def test_lesson_runs_on_the_cuda_device():
    import test_lesson
    for i, shown in test_lesson.run_lesson("cuda"):
        want = test_lesson.EXPECTED[i]
        if "tensor(" in want:
            want = want[:-1] + ", device='cuda:0')"
        want = want.replace("torch.FloatStorage", "torch.cuda.FloatStorage")
        assert shown == want, f"cell {i}"


def test_unavailable_cuda_says_what_is_missing():
    """Without the simulator and without a GPU, device='cuda' is a clear RuntimeError."""
    if cuda_runtime.unavailable() is None and not _simulated():
        pytest.skip("a GPU is present")
    code = ("import tensorrt_mini as tm\n"
            "try:\n    tm.zeros(2, device='cuda')\n"
            "except RuntimeError as e:\n    print('RuntimeError:', e)\n")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("RuntimeError: device='cuda' is not available: ")
    assert "pip install tensorrt_mini[cuda]" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_unavailable_names_the_missing_package(monkeypatch):
    import importlib.util
    from tensorrt_mini.kernels.cuda import compiler
    real = importlib.util.find_spec
    missing = set()
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in missing else real(name, *a))
    missing.add("numba_cuda")
    assert cuda_runtime.unavailable() == "numba-cuda is not installed"
    missing.clear()
    monkeypatch.setattr(compiler, "SIMULATOR", False)  # as on a machine meant for a GPU
    missing.add("cupy")
    assert cuda_runtime.unavailable() == "CuPy is not installed"


def _simulated():
    from tensorrt_mini.kernels.cuda import compiler
    return compiler.SIMULATOR


class _FakeCuPy:
    """Enough of CuPy to drive CuPy.empty's out-of-memory path."""

    class OutOfMemoryError(Exception):
        pass

    def __init__(self, failures):
        self.failures, self.freed, self.asked = failures, 0, []
        self.cuda = SimpleNamespace(
            Device=lambda: SimpleNamespace(compute_capability="90"), alloc=self._alloc,
            memory=SimpleNamespace(OutOfMemoryError=self.OutOfMemoryError),
            driver=SimpleNamespace(launchKernel=None, CUDADriverError=Exception),
            get_current_stream=None, runtime=SimpleNamespace(memGetInfo=lambda: None))

    def _alloc(self, nbytes):
        self.asked.append(nbytes)
        if self.failures:
            self.failures -= 1
            raise self.OutOfMemoryError("raw CuPy message")
        return SimpleNamespace(ptr=0x1000)

    def get_default_memory_pool(self):
        fake = self

        class Pool:
            def free_all_blocks(self):
                fake.freed += 1
        return Pool()


def test_out_of_memory_frees_cached_blocks_and_retries_once():
    fake = _FakeCuPy(failures=1)
    rt = cuda_runtime.CuPy(fake)
    assert rt.empty(10, np.dtype(np.float32)).ptr == 0x1000
    assert fake.freed == 1 and fake.asked == [40, 40]

    fake = _FakeCuPy(failures=2)
    rt = cuda_runtime.CuPy(fake)
    with pytest.raises(tm.OutOfMemoryError, match=r"CUDA out of memory. Tried to allocate 1\.00 GiB") as e:
        rt.empty(1 << 28, np.dtype(np.float32))
    assert e.value.__cause__ is None and e.value.__suppress_context__
    assert isinstance(e.value, RuntimeError) and tm.cuda.OutOfMemoryError is tm.OutOfMemoryError
    assert fake.freed == 1


def test_only_cuda_0():
    with pytest.raises(RuntimeError, match="cuda:0"):
        tm.zeros(2, device="cuda:1")


def test_plans_are_cached_per_layout():
    from tensorrt_mini.backends import cuda as backend
    a = tm.zeros(3, 4, device="cuda")
    backend._ew_plans.clear()
    backend._tiny_plans.clear()
    for _ in range(3):
        a + a.t().t()  # the tiny-op path's own table
        a.t() * 2
        a.t() - a.t()
    # one per (op, dtypes, layout), not per call
    assert len(backend._ew_plans) == 2 and len(backend._tiny_plans) == 1


# --- real GPU only: sizes that fill whole vector tiles and split reductions ---------------
def _real_gpu():
    return cuda_runtime.is_available() and not _simulated()


gpu = pytest.mark.skipif(not _real_gpu(), reason="needs a real GPU (NUMBA_ENABLE_CUDASIM=0)")


@pytest.mark.gpu
@gpu
def test_gpu_large_elementwise_and_transposes():
    a, b = data((1024, 1536), tm.float32, 1), data((1536, 1024), tm.float32, 2)
    check(lambda a, b: (a + b.t(), a * 2 + 1, b.t().contiguous(), a[1:, 1:] - b.t()[1:, 1:],
                        tm.where(a > 0, a, b.t())), a, b)
    check(lambda x: (x.to(tm.float64), x.to(tm.int8), x > 0), data((1 << 20) + 3, tm.float32))


@pytest.mark.gpu
@gpu
def test_gpu_large_reductions():
    x = data((2048, 1024), tm.float32, 3)
    # fp32 sums in another order: an absolute error of ~1e-5 where sums nearly cancel
    check(lambda t: (t.sum(0), t.sum(1), t.sum(), t.t().sum(1)), x, rtol=1e-4, atol=1e-3)
    check(lambda t: (t.amax(0), t.max(1), t.argmin(0), t.mean(), t.var(0)), x, rtol=1e-4,
          atol=1e-5)  # the mean is ~-0.003: a wrong count or a lost block shows
    # the vector widths the simulator cannot reach: int16 rows (8 a vector) with int64
    # partials (2), float64 (2), and int8/bool (16), each from an aligned and an offset start
    for dtype in (tm.int16, tm.float64, tm.int8, tm.bool):
        y = data((1031, 517), dtype, 4)
        check(lambda t: (t.sum(1), t.sum(), t.amax(1), t.view(-1)[1:].sum(), t.any(1)), y,
              rtol=1e-9, atol=1e-9)


@pytest.mark.gpu
@gpu
def test_gpu_matmul_and_random():
    a, b = data((8, 64, 32), tm.float32, 1), data((8, 32, 48), tm.float32, 2)
    check(lambda a, b: (a @ b, a.transpose(1, 2).transpose(1, 2) @ b[0]), a, b, rtol=1e-4,
          atol=1e-3)
    u = host(tm.rand(1 << 20, device="cuda"))
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 1e-2


def _catalog_call(name, x, y):
    """Op `name` of the catalog on x (and y), with inputs in its domain."""
    from tensorrt_mini.kernels import catalog
    op = catalog.get(name)
    if name in ("bitwise_left_shift", "bitwise_right_shift"):
        return getattr(tm, name)((x * 100).to(tm.int32), (y * 5).to(tm.int32))
    if "f" not in op.kinds:
        return getattr(tm, name)(*((x * 100).to(tm.int32), (y * 100).to(tm.int32))[:op.arity])
    if name == "acosh":
        return tm.acosh(x + 1)
    if name in ("floor_divide", "remainder", "fmod"):
        return getattr(tm, name)(x * 10, y + 0.5)
    args = (x, y, (x + y) / 2)[:op.arity] if name != "where" else (x > 0.5, x, y)
    if name in ("addcmul", "addcdiv"):
        return getattr(tm, name)(*args, value=0.5)
    if name == "nan_to_num":
        return tm.nan_to_num(x)
    if name == "hardshrink":
        return tm.hardshrink(x, 0.5)
    return getattr(tm, name)(*args)


@pytest.mark.gpu
@gpu
def test_gpu_catalog_ops_and_user_kernels():
    """Every public op of the catalog on the GPU (vector, tiled and strided kernels)
    against the CPU, and user kernels (tm.elementwise, tm.reduction)."""
    import math
    from tensorrt_mini.kernels import catalog
    rng = np.random.default_rng(7)
    base = [rng.uniform(0.1, 0.9, (517, 1031)).astype(np.float32) for _ in range(2)]
    for name in sorted(n for n, op in catalog.OPS.items() if op.public):
        for view in (lambda t: t, lambda t: t.t(), lambda t: t[:, 1::3]):
            cpu = _catalog_call(name, view(tm.tensor(base[0])), view(tm.tensor(base[1])))
            cuda = _catalog_call(name, view(tm.tensor(base[0], device="cuda")),
                                 view(tm.tensor(base[1], device="cuda")))
            same(cpu, cuda, rtol=1e-5, atol=1e-6)

    gelu = tm.elementwise(
        lambda x: 0.5 * x * (1.0 + math.tanh(0.7978845608 * (x + 0.044715 * x * x * x))))
    pair = tm.elementwise(lambda a, b, s: (a * b + s, a > b))
    lse = tm.reduction(lambda x: (x, 1.0), _lse_combine, (-math.inf, 0.0),
                       post=lambda s: s[0] + math.log(s[1]))
    x, y = data((1031, 517), tm.float32, 8), data((517, 1031), tm.float32, 9)
    check(lambda a, b: (gelu(a), *pair(a, b.t(), 2.0), lse(a, dim=1), lse(a.t(), dim=1)), x, y,
          rtol=1e-5, atol=1e-5)


def _lse_combine(a, b):
    m = max(a[0], b[0])
    if m == -math.inf:
        return a
    return (m, a[1] * math.exp(a[0] - m) + b[1] * math.exp(b[0] - m))
