"""The cuda backend's sort, topk, scans, searches and scatter reductions against the cpu
backend's, through the public ops. On a GPU these run CuPy's sort, partition, scans and
searches (CUB and Thrust) and the compare-and-swap scatter kernels; under the simulator
the same code runs over numpy. No hypothesis here: bench/gpu_check.sh runs this file."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

pytestmark = pytest.mark.skipif(not cuda_runtime.is_available(),
                                reason=f"cuda device unavailable: {cuda_runtime.unavailable()}")

SORTABLE = (tm.bool, tm.uint8, tm.int8, tm.int16, tm.int32, tm.int64, tm.float32, tm.float64)


def values(shape, dtype, seed=0):
    """Random values with ties (and, for floats, nan, -0.0 and infinities)."""
    rng = np.random.default_rng(seed)
    if dtype is tm.bool:
        return rng.random(shape) < 0.5
    a = rng.integers(0 if dtype is tm.uint8 else -4, 5, shape).astype(dtype.np)
    if dtype.is_floating_point:
        flat = a.reshape(-1)
        specials = [np.nan, -0.0, np.inf, -np.inf]
        flat[:len(specials)] = specials[:flat.size]
        rng.shuffle(flat)
    return a


def both(fn, *arrays):
    """fn on cpu tensors and on cuda tensors: each result's (values, dtype, strides)."""
    out = []
    for device in ("cpu", "cuda"):
        result = fn(*(tm.tensor(a, device=device) for a in arrays))
        result = result if isinstance(result, tuple) else (result,)
        out.append([(np.asarray(r.cpu()), r.dtype, r.stride()) for r in result])
    return out


def agree(cpu, cuda, rtol=0.0):
    """Same dtypes and strides; values equal (nan where nan), or within rtol."""
    assert len(cpu) == len(cuda)
    for (a, da, sa), (b, db, sb) in zip(cpu, cuda):
        assert da == db and sa == sb
        if rtol:
            np.testing.assert_allclose(a, b, rtol=rtol)
        else:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", SORTABLE)
@pytest.mark.parametrize("descending", [False, True])
def test_sort(dtype, descending):
    a = values((3, 17), dtype)
    agree(*both(lambda x: x.sort(1, descending=descending), a))
    agree(*both(lambda x: x.t().sort(0, descending=descending), a))


@pytest.mark.parametrize("dtype", (tm.int32, tm.int64, tm.float32, tm.float64))
def test_topk_and_friends(dtype):
    a = values((4, 33), dtype)
    for fn in (lambda x: x.topk(5), lambda x: x.topk(3, largest=False), lambda x: x.kthvalue(4),
               lambda x: x.median(1), lambda x: x.msort(), lambda x: x.argsort(1)):
        agree(*both(fn, a))


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
def test_scans(name):
    a = np.random.default_rng(1).standard_normal((3, 9)).astype(np.float64)
    # (the cpu adds in float64, a GPU scan in its own order)
    agree(*both(lambda x: getattr(x, name)(1), a),
          rtol=1e-12 if name in ("cumsum", "cumprod", "logcumsumexp") else 0.0)
    if name != "logcumsumexp":
        ints = np.arange(12, dtype=np.int32).reshape(3, 4) - 5
        agree(*both(lambda x: getattr(x, name)(0), ints))


def test_searches_and_sets():
    seq = np.array([[1.0, 3.0, 3.0, 7.0], [0.0, 2.0, 4.0, 6.0]])
    query = np.array([[3.0, 8.0, 0.5], [2.0, 2.0, -1.0]])
    for right in (False, True):
        agree(*both(lambda s, q: tm.searchsorted(s, q, right=right), seq, query))
    ints = np.array([3, 1, 3, 2, 2, 7])
    for fn in (lambda x: x.unique(return_inverse=True, return_counts=True),
               lambda x: tm.bincount(x), lambda x: tm.isin(x, x[:2]),
               lambda x: x.unique_consecutive(return_counts=True)):
        agree(*both(fn, ints))


@pytest.mark.parametrize("dtype", (tm.int8, tm.int64, tm.float32))
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce(dtype, reduce):
    x = values((3, 6), dtype, seed=2)
    src = values((3, 8), dtype, seed=3)
    index = np.random.default_rng(4).integers(0, 6, (3, 8))
    for include_self in (True, False):
        # (a GPU's atomics combine repeats in any order: floats round differently)
        loose = dtype.is_floating_point and reduce in ("sum", "mean", "prod")
        agree(*both(lambda a, i, s: a.scatter_reduce(1, i, s, reduce, include_self=include_self),
                    x, index, src), rtol=1e-6 if loose else 0.0)


def test_index_ops_einsum_and_pad():
    a = np.arange(12.0).reshape(3, 4)
    b = np.arange(8.0).reshape(4, 2)
    for fn in (lambda x, y: x.index_add(0, tm.tensor([2, 0], device=x.device), x[:2]),
               lambda x, y: x.index_fill(1, tm.tensor([1, 3], device=x.device), -1.0),
               lambda x, y: x.masked_scatter(x > 5, x * 10),
               lambda x, y: tm.einsum("ij,jk->ik", x, y),
               lambda x, y: tm.einsum("ii->i", x[:, :3]),
               lambda x, y: tm.nn.functional.pad(x[None], (1, 2), mode="reflect"),
               lambda x, y: tm.nn.functional.pad(x[None], (2, 1), mode="circular")):
        agree(*both(fn, a, b))
