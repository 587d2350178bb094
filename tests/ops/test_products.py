"""tensordot, addmm, addmv, addr, baddbmm, outer/ger, vdot, kron and cross: values
against numpy (batched,
transposed and size-0 operands, float32 and float64), dtypes, strides and errors against
torch, gradients by gradcheck, and the cuda device against the cpu."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from oracle import assert_values, close_to_torch, same_as_torch

RNG = np.random.default_rng(0)


def values(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=0, max_size=4),
       st.sampled_from([np.float32, np.float64]), st.booleans())
def test_tensordot_matches_numpy(k, sizes, dtype, transposed):
    """Any split of a's dims into free and contracted ones, with b's contracted dims first."""
    k = min(k, len(sizes))
    a = values(*sizes, dtype=dtype)
    b = values(*(sizes[len(sizes) - k:] + [2]), dtype=dtype)
    x = tm.tensor(np.array(a.T, order="C")).permute(*range(a.ndim - 1, -1, -1)) \
        if transposed else tm.tensor(a)
    assert_values(tm.tensordot(x, tm.tensor(b), k), np.tensordot(a, b, k),
                  dtype=tm.float32 if dtype is np.float32 else tm.float64, rtol=1e-4, atol=1e-5)


def test_tensordot_dim_lists():
    a, b = values(2, 3, 4), values(4, 2, 5)
    x, y = tm.tensor(a), tm.tensor(b)
    assert_values(tm.tensordot(x, y, ([0, 2], [1, 0])), np.tensordot(a, b, ([0, 2], [1, 0])))
    assert_values(tm.tensordot(x, y, [[2], [0]]), np.tensordot(a, b, ([2], [0])))
    assert_values(tm.tensordot(x, y, 0), np.tensordot(a, b, 0))
    assert_values(tm.tensordot(x, y, ([-1], [0])), np.tensordot(a, b, ([2], [0])))


@pytest.mark.parametrize("expr", [
    "lib.tensordot(lib.ones(2, 3), lib.ones(4, 5), 1)",
    "lib.tensordot(lib.ones(2, 3), lib.ones(3, 5), -1)",
    "lib.tensordot(lib.ones(2, 3), lib.ones(3, 5), 3)",
    "lib.tensordot(lib.ones(2, 3), lib.ones(3, 5), ([1, 0], [0]))",
    "lib.tensordot(lib.ones(2, 3), lib.ones(3, 5, dtype=lib.float64), 1)",
    "lib.tensordot(lib.ones(2, 3), lib.ones(3, 5), ([1], [0]))",
    "lib.tensordot(lib.ones(2, 1), lib.arange(15.).reshape(3, 5), ([1], [0]))",
    "lib.tensordot(lib.arange(6).reshape(2, 3), lib.arange(6).reshape(3, 2), 1)",
    "lib.tensordot(lib.ones(0, 3), lib.ones(3, 2), 1)",
    "lib.baddbmm(lib.ones(2, 3), lib.ones(2, 3, 4), lib.ones(2, 4, 5))",
    "lib.baddbmm(lib.ones(3, 1), lib.ones(2, 3, 4), lib.ones(2, 4, 5), beta=0.5, alpha=2)",
    "lib.baddbmm(lib.ones(3, 5), lib.ones(2, 3, 4), lib.ones(2, 3, 5))",
    "lib.baddbmm(lib.ones(3, 5, dtype=lib.float64), lib.ones(2, 3, 4), lib.ones(2, 4, 5))",
    "lib.baddbmm(lib.full((3, 5), float('nan')), lib.ones(2, 3, 4), lib.ones(2, 4, 5), beta=0)",
    "lib.addmm(lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3))",
    "lib.addmm(lib.arange(3.), lib.ones(2, 4), lib.ones(4, 3), beta=2, alpha=-1)",
    "lib.addmm(lib.ones(2, 4, 3), lib.ones(2, 2, 4), lib.ones(4, 3))",
    "lib.ones(2, 3).addmm(lib.ones(2, 0), lib.ones(0, 3))",
    "lib.addmv(lib.ones(2), lib.ones(2, 3), lib.arange(3.), alpha=3)",
    "lib.addmv(lib.ones(4), lib.ones(2, 3), lib.ones(3))",
    "lib.addmv(lib.ones(2), lib.ones(2, 3), lib.ones(2))",
    "lib.addr(lib.ones(2, 3), lib.arange(2.), lib.arange(3.), beta=0.5)",
    "lib.addr(lib.ones(2, 3), lib.ones(2, 2), lib.ones(3))",
    "lib.addr(lib.ones(3, 3), lib.ones(2), lib.ones(3))",
    "lib.addr(lib.ones(2, 3, dtype=lib.bool), lib.ones(2, dtype=lib.bool), "
    "lib.ones(3, dtype=lib.bool))",
    "lib.addmm(lib.ones(2, 2, dtype=lib.float64), lib.ones(2, 2), lib.ones(2, 2))",
    "lib.addmm(lib.ones(2, 2, dtype=lib.int64), lib.ones(2, 2, dtype=lib.int64), "
    "lib.ones(2, 2, dtype=lib.int64), alpha=2.5, beta=1.5)",
    "lib.addmv(lib.ones(2, dtype=lib.float64), lib.ones(2, 2), lib.ones(2))",
    "lib.addr(lib.ones(2, 2, dtype=lib.float64), lib.ones(2), lib.ones(2))",
    "lib.addr(lib.ones(2, 2), lib.ones(2, dtype=lib.float64), lib.arange(2))",
    "lib.addr(lib.ones(2, 2, dtype=lib.int64), lib.arange(2), lib.arange(2), alpha=2)",
    "lib.outer(lib.arange(2), lib.arange(3.))",
    "lib.outer(lib.ones(2, 2), lib.ones(3))",
    "lib.ger(lib.ones(2), lib.ones(3, 3))",
    "lib.arange(3.).outer(lib.arange(2.))",
    "lib.vdot(lib.arange(3.), lib.arange(3.))",
    "lib.vdot(lib.ones(2, 2), lib.ones(3))",
    "lib.vdot(lib.ones(2), lib.ones(3))",
    "lib.vdot(lib.ones(2), lib.ones(2, dtype=lib.float64))",
    "lib.kron(lib.arange(6.).reshape(2, 3), lib.arange(4.))",
    "lib.kron(lib.arange(6).reshape(2, 3), lib.arange(8.).reshape(2, 2, 2))",
    "lib.kron(lib.arange(6).reshape(2, 3), lib.tensor(2))",
    "lib.kron(lib.ones(0, 2), lib.ones(3))",
    "lib.cross(lib.arange(3.), lib.arange(3.).flip(0), dim=0)",
    "lib.cross(lib.arange(6.).reshape(2, 3), lib.arange(3.) - 1, dim=1)",
    "lib.cross(lib.arange(6.).reshape(2, 3), lib.arange(3.).reshape(1, 3) - 1, dim=1)",
    "lib.cross(lib.ones(4, 3), lib.ones(4, 3), dim=0)",
    "lib.cross(lib.ones(4, 4), lib.ones(4, 4), dim=1)",
    "lib.cross(lib.ones(3), lib.ones(3, dtype=lib.int64), dim=0)",
    "lib.cross(lib.ones(2, 3), lib.ones(2, 3), dim=2)",
    "lib.arange(9.).reshape(3, 3).cross(lib.eye(3), dim=0)",
    "lib.linalg.cross(lib.arange(6.).reshape(2, 3), lib.ones(1, 3))",
    "lib.linalg.cross(lib.ones(4, 3), lib.ones(3))",
    "lib.linalg.cross(lib.ones(2), lib.ones(2))",
])
def test_matches_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", [
    "lib.baddbmm(lib.ones(3, 1), t3, t3.transpose(1, 2), beta=0.5, alpha=2)",
    "lib.addmm(lib.ones(4), m.t(), m, beta=-1)",
    "lib.addmv(lib.ones(4), m.t(), m[:, 0], alpha=0.5)",
    "lib.addr(m.t(), m[0].flip(0), m[:, 0], alpha=0.5)",
    "lib.baddbmm(m.t(), t3.transpose(1, 2), t3[:, :, :3], alpha=2)",
    "lib.tensordot(t3.permute(2, 0, 1), m, ([0], [1]))",
])
def test_transposed_operands_match_torch(expr):
    torch_values = values(3, 4, dtype=np.float32), values(2, 3, 4, dtype=np.float32)

    def fn(lib):
        m, t3 = (lib.tensor(v) for v in torch_values)
        return eval(expr, {"lib": lib, "m": m, "t3": t3})
    close_to_torch(fn, rtol=1e-5, atol=1e-5)


def test_cross_without_dim_warns_as_torch():
    with pytest.warns(UserWarning, match="Using torch.cross without specifying the dim arg"):
        got = tm.cross(tm.ones(4, 3), tm.arange(12.).reshape(4, 3))
    assert_values(got, np.cross(np.ones((4, 3)), np.arange(12.0).reshape(4, 3)))
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="no dimension of size 3"):
        tm.cross(tm.ones(4, 4), tm.ones(4, 4))


def test_values_against_numpy():
    a, b, c = values(2, 3), values(3, 4), values(2, 4)
    x, y, z = tm.tensor(a), tm.tensor(b), tm.tensor(c)
    assert_values(tm.addmm(z, x, y, beta=0.5, alpha=2), 0.5 * c + 2 * a @ b)
    a3, b3, c3 = values(5, 2, 3), values(5, 3, 4), values(2, 3, 4)
    assert_values(tm.baddbmm(z, tm.tensor(a3), tm.tensor(b3), beta=0, alpha=-1), -(a3 @ b3))
    assert_values(tm.addr(x, tm.tensor(c[:, 0]), tm.tensor(b[:, 0]), alpha=3),
                  a + 3 * np.outer(c[:, 0], b[:, 0]))
    assert_values(tm.kron(x, y), np.kron(a, b))
    assert_values(tm.kron(tm.tensor(a3), y.t()), np.kron(a3, b.T))
    u, v = values(5, 3), values(5, 3)
    assert_values(tm.linalg.cross(tm.tensor(u), tm.tensor(v)), np.cross(u, v))
    assert_values(tm.tensordot(tm.tensor(a3).transpose(0, 2), tm.tensor(c3), ([0, 1], [1, 0])),
                  np.tensordot(a3.transpose(2, 1, 0), c3, ([0, 1], [1, 0])))


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    a, b = values(2, 3), values(3, 2)
    results = []
    for device in ("cpu", "cuda"):
        x, y = tm.tensor(a, device=device), tm.tensor(b, device=device)
        results.append([np.asarray(t.cpu()) for t in (
            tm.tensordot(x, y, 1), tm.addmm(x[:, :2], x, y, beta=2), tm.kron(x, y),
            tm.linalg.cross(x, y.t()), tm.outer(x[0], y[0]))])
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_allclose(got, expected, rtol=1e-12)
