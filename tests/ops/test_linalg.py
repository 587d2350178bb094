"""matmul, mm, bmm, mv and dot: values against numpy (batch broadcasting, 1-D operands,
transposed and strided operands), and PyTorch's errors, which name the kernel a matmul
lands in and the shapes involved."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import assert_values, host, needs_torch, same_as_torch
from view_strategies import layouts, shapes


@st.composite
def matmul_operands(draw):
    """Two operands of any ranks 1-4 whose matrix dims agree and batch dims broadcast,
    each in a random layout (transposed, stepped, expanded...)."""
    n, k, m = (draw(st.integers(0, 3)) for _ in range(3))
    batch = draw(shapes(max_dims=2, max_side=3))
    rank_a, rank_b = draw(st.integers(1, 2 + len(batch))), draw(st.integers(1, 2 + len(batch)))
    def shape(rank, mat):
        if rank == 1:
            return (k,)  # the shared dim; matmul adds and then drops the other one
        b = batch[len(batch) - (rank - 2):] if rank > 2 else ()
        b = tuple(1 if draw(st.booleans()) else x for x in b)
        return b + mat
    sa, sb = shape(rank_a, (n, k)), shape(rank_b, (k, m))
    dtype = draw(st.sampled_from([tm.float32, tm.float64, tm.int64]))
    x, a = draw(layouts(dtype, shape=st.just(sa)))
    y, b = draw(layouts(dtype, shape=st.just(sb)))
    return x, a, y, b


@settings(max_examples=80, deadline=None)
@given(matmul_operands())
def test_matmul_matches_numpy(case):
    x, a, y, b = case
    expected = np.matmul(a, b)
    got = tm.matmul(x, y)
    assert_values(got, expected, dtype=x.dtype, rtol=1e-4, atol=1e-4)
    assert_values(x @ y, expected, rtol=1e-4, atol=1e-4)


def test_matmul_cases():
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    b = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    x, y = tm.tensor(a), tm.tensor(b)
    assert_values(tm.mm(x, y), a @ b, dtype=tm.float32)
    assert_values(x.t().t() @ y, a @ b)
    assert_values(y.t() @ x.t(), b.T @ a.T)                      # transposed operands
    assert_values(tm.tensor(b)[:, ::2].t() @ x.t(), b[:, ::2].T @ a.T)
    assert_values(tm.arange(3.0) @ tm.arange(3.0), 5.0)          # 1-D @ 1-D: a 0-d dot
    assert (tm.arange(3.0) @ tm.arange(3.0)).shape == ()
    assert_values(tm.arange(2.0) @ x, np.arange(2.0) @ a)
    assert_values(x @ tm.arange(3.0), a @ np.arange(3.0))
    batch = np.arange(24.0, dtype=np.float32).reshape(2, 1, 3, 4)
    other = np.arange(60.0, dtype=np.float32).reshape(5, 4, 3)
    assert_values(tm.tensor(batch) @ tm.tensor(other), batch @ other)   # broadcast batch
    assert (tm.tensor(batch) @ tm.tensor(other)).shape == (2, 5, 3, 3)
    assert_values(tm.bmm(tm.ones(2, 2, 3), tm.ones(2, 3, 4)), np.full((2, 2, 4), 3.0))
    assert_values(tm.mv(x, tm.arange(3.0)), a @ np.arange(3.0))
    assert_values(tm.dot(tm.arange(3), tm.arange(3)), 5, dtype=tm.int64)
    assert_values(tm.ones(2, 0) @ tm.ones(0, 3), np.zeros((2, 3)))
    assert (tm.ones(0, 2) @ tm.ones(2, 3)).shape == (0, 3)
    assert_values(tm.full((2, 2), 100, dtype=tm.int8) @ tm.full((2, 2), 100, dtype=tm.int8),
                  np.full((2, 2), 20000).astype(np.int8), dtype=tm.int8)  # wraps, as in torch
    assert (x @ y).stride() == (4, 1) and x.matmul(y).shape == (2, 4)


def test_matmul_errors():
    o = tm.ones
    f64 = tm.float64
    cases = [
        (lambda: o(2, 3) @ o(2, 3), RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"),
        (lambda: o(3) @ o(4), RuntimeError, r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"),
        (lambda: o(4) @ o(3, 5), RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(1x4 and 3x5\)"),
        (lambda: o(4, 2) @ o(3), RuntimeError, r"size mismatch, got input \(4\), mat \(4x2\), vec \(3\)"),
        (lambda: o(2, 2, 3) @ o(4), RuntimeError, r"size mismatch, got input \(4\), mat \(4x3\), vec \(4\)"),
        (lambda: o(2, 3, 4) @ o(3, 5), RuntimeError, r"shapes cannot be multiplied \(6x4 and 3x5\)"),
        (lambda: o(2, 1, 3, 4) @ o(3, 3, 5), RuntimeError,
         r"Expected size for first two dimensions of batch2 tensor to be: \[6, 4\] but got: \[6, 3\]"),
        (lambda: o(2, 3, 4) @ o(3, 4, 5), RuntimeError, "The size of tensor a"),
        (lambda: o(3) @ o(2, 4, 2), RuntimeError, r"to be: \[2, 3\] but got: \[2, 4\]"),
        (lambda: tm.tensor(1.0) @ o(3), RuntimeError, "both arguments to matmul need to be at least 1D"),
        (lambda: o(2, 3) @ o(3, 2, dtype=f64), RuntimeError,
         "expected m1 and m2 to have the same dtype, but got: float != double"),
        (lambda: o(3) @ o(3, dtype=f64), RuntimeError, "dot : expected both vectors to have same dtype, "
                                                       "but found Float and Double"),
        (lambda: o(2, 3, dtype=f64) @ o(3), RuntimeError, "addmv input tensors must have the same dtype, "
                                                          "but got Float, Double, and Float"),
        (lambda: o(2, 2, 3) @ o(2, 3, 2, dtype=f64), RuntimeError, "expected scalar type Float but found Double"),
        (lambda: o(2, 2, dtype=tm.bool) @ o(2, 2, dtype=tm.bool), NotImplementedError,
         "\"addmm_impl_cpu_\" not implemented for 'Bool'"),
        (lambda: o(3, dtype=tm.bool) @ o(3, dtype=tm.bool), NotImplementedError, "\"dot\" not implemented"),
        (lambda: tm.mm(o(2, 2, 3), o(3, 2)), RuntimeError, "self must be a matrix"),
        (lambda: tm.mm(o(2, 3), o(3)), RuntimeError, "mat2 must be a matrix"),
        (lambda: tm.bmm(o(2, 3), o(3, 2)), RuntimeError, "batch1 must be a 3D tensor"),
        (lambda: tm.bmm(o(2, 2, 3), o(3, 3, 2)), RuntimeError,
         r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[3, 3\]"),
        (lambda: tm.bmm(o(1, 2, 3), o(2, 3, 2)), RuntimeError, "Expected size for first two dimensions"),
        (lambda: tm.mv(o(3), o(3)), RuntimeError, "vector \\+ matrix @ vector expected, got 1, 1"),
        (lambda: tm.dot(o(2, 2), o(2)), RuntimeError, "1D tensors expected, but got 2D and 1D tensors"),
    ]
    for fn, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            fn()


def test_matmul_errors_match_torch():
    torch = needs_torch()
    shapes_ = [(3,), (4,), (2, 3), (3, 2), (4, 3), (2, 2, 3), (2, 3, 2), (3, 3, 2), (2, 1, 3, 4)]
    for sa in shapes_:
        for sb in shapes_:
            for db in ("float32", "float64"):
                try:
                    expected = torch.ones(sa) @ torch.ones(sb, dtype=getattr(torch, db))
                except RuntimeError as e:
                    with pytest.raises(RuntimeError) as info:
                        tm.ones(sa) @ tm.ones(sb, dtype=getattr(tm, db))
                    assert str(info.value) == str(e).split("\n")[0], (sa, sb, db)
                    continue
                got = tm.ones(sa) @ tm.ones(sb, dtype=getattr(tm, db))
                assert got.shape == tuple(expected.shape)
                np.testing.assert_allclose(host(got), expected.numpy())


@pytest.mark.parametrize("expr", [
    "lib.ones(2, 0, dtype=lib.bool) @ lib.ones(0, 3, dtype=lib.bool)",
    "lib.ones(2, 1, dtype=lib.bool) @ lib.ones(1, 3, dtype=lib.bool)",
    "lib.ones(0, dtype=lib.bool) @ lib.ones(0, dtype=lib.bool)",
    "lib.ones(2, 0, dtype=lib.bool) @ lib.ones(0, dtype=lib.bool)",
    "lib.ones(2, 2, 0, dtype=lib.bool) @ lib.ones(2, 0, 3, dtype=lib.bool)",
    "lib.ones(0, 2, dtype=lib.bool) @ lib.ones(2, 3, dtype=lib.bool)",
    "lib.bmm(lib.ones(1, 2, 0, dtype=lib.bool), lib.ones(1, 0, 3, dtype=lib.bool))",
    "lib.dot(lib.ones(0, dtype=lib.bool), lib.ones(0, dtype=lib.bool))",
])
def test_bool_products_with_nothing_to_add_as_torch(expr):
    same_as_torch(expr)
