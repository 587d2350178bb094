"""The LAPACK-backed ops of tm.linalg (ops/factorizations.py): values against numpy
(batched, transposed and size-0 inputs, float32 and float64), factorizations checked by
what defines them (A = QR, A = U S Vh, A V = V w), result layouts, dtypes and errors
(LinAlgError naming the batch element) against torch, the cuda device is
tests/backends/test_cuda_linalg.py's."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from linalg_inputs import assert_laid_out_as_torch, matrices, spd, tol, transposed
from oracle import assert_values, needs_torch

L = tm.linalg


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2), max_size=2), st.integers(0, 4),
       st.sampled_from([np.float32, np.float64]), st.booleans())
def test_square_routines_match_numpy(batch, n, dtype, flip):
    a = matrices(*batch, n, n, dtype=dtype) + 3 * np.eye(n, dtype=dtype)
    b = matrices(*batch, n, 2, dtype=dtype)
    x = transposed(a) if flip else tm.tensor(a)
    t = tol(dtype)
    assert_values(L.inv(x), np.linalg.inv(a), **t)
    assert_values(L.det(x), np.linalg.det(a), **t)
    sign, logabsdet = L.slogdet(x)
    assert_values(sign, np.linalg.slogdet(a)[0], **t)
    assert_values(logabsdet, np.linalg.slogdet(a)[1], **t)
    assert_values(L.solve(x, tm.tensor(b)), np.linalg.solve(a, b), **t)
    s = spd(*batch, n, dtype=dtype)
    assert_values(L.cholesky(tm.tensor(s)), np.linalg.cholesky(s), **t)
    assert_values(L.cholesky(tm.tensor(s), upper=True),
                  np.swapaxes(np.linalg.cholesky(s), -1, -2), **t)
    assert_values(L.eigvalsh(tm.tensor(s)), np.linalg.eigvalsh(s), **t)
    assert_values(L.matrix_power(x, 3), a @ a @ a, **t)
    assert_values(L.matrix_power(x, -2), np.linalg.inv(a @ a), **t)
    assert_values(L.matrix_power(x, 0), np.broadcast_to(np.eye(n), a.shape), **t)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 2), max_size=2), st.integers(0, 4), st.integers(0, 4),
       st.sampled_from([np.float32, np.float64]), st.booleans())
def test_rectangular_routines_by_their_definitions(batch, m, n, dtype, flip):
    a = matrices(*batch, m, n, dtype=dtype)
    x = transposed(a) if flip else tm.tensor(a)
    t = tol(dtype)
    k = min(m, n)
    for mode in ("reduced", "complete"):
        q, r = (np.asarray(v) for v in L.qr(x, mode))
        assert q.shape == a.shape[:-2] + (m, m if mode == "complete" else k)
        np.testing.assert_allclose(q @ r, a, **t)
        np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(
            np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2), **t)
        np.testing.assert_array_equal(np.triu(r), r)
    for full in (True, False):
        u, s, vh = (np.asarray(v) for v in L.svd(x, full_matrices=full))
        assert u.shape[-1] == (m if full else k) and vh.shape[-2] == (n if full else k)
        np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a, **t)
    expected_s = np.linalg.svd(a, compute_uv=False)
    assert_values(L.svdvals(x), expected_s, **t)
    assert_values(L.matrix_norm(x, "nuc"), expected_s.sum(-1), **t)
    assert_values(L.pinv(x), np.linalg.pinv(a), **t)
    assert_values(L.matrix_rank(x), np.linalg.matrix_rank(a) if a.size else
                  np.zeros(a.shape[:-2], np.int64), dtype=tm.int64)


def test_eigh_by_its_definition():
    for dtype in (np.float32, np.float64):
        s = spd(2, 3, 4, dtype=dtype)
        w, v = L.eigh(transposed(s))
        w, v = np.asarray(w), np.asarray(v)
        np.testing.assert_allclose(s @ v, v * w[..., None, :], **tol(dtype))
        assert_values(L.eigh(tm.tensor(s), UPLO="U").eigenvalues, np.linalg.eigvalsh(s),
                      **tol(dtype))


def test_singular_and_indefinite_inputs_raise_linalgerror():
    with pytest.raises(L.LinAlgError) as info:
        L.inv(tm.ones(2, 3, 3))
    assert isinstance(info.value, RuntimeError)
    assert str(info.value).startswith("linalg.inv: (Batch element 0): The diagonal element 2")
    assert L.LinAlgError is tm.errors.LinAlgError


ERRORS = [
    "L.inv(lib.ones(3, 3))",
    "L.inv(lib.tensor([[1., 2.], [2., 4.]]))",
    "L.inv(lib.stack([lib.eye(3), lib.ones(3, 3)]))",
    "L.inv(lib.zeros(3, 3))",
    "L.inv(lib.tensor([[0., 1.], [0., 1.]]).expand(2, 2, 2))",
    "L.inv(lib.ones(2, 3))",
    "L.inv(lib.ones(3))",
    "L.inv(lib.ones(3, 3, dtype=lib.int64))",
    "L.solve(lib.ones(3, 3), lib.ones(3))",
    "L.solve(lib.stack([lib.eye(3), lib.ones(3, 3)]), lib.ones(2, 3))",
    "L.solve(lib.eye(3), lib.ones(4))",
    "L.solve(lib.eye(3), lib.ones(4, 2))",
    "L.solve(lib.eye(3), lib.ones(2, 4), left=False)",
    "L.solve(lib.eye(3), lib.ones(3), left=False)",
    "L.solve(lib.ones(2, 3), lib.ones(2))",
    "L.solve(lib.eye(3), lib.ones(3, dtype=lib.float64))",
    "L.cholesky(lib.tensor([[1., 2.], [2., 1.]]))",
    "L.cholesky(lib.stack([lib.eye(2), -lib.eye(2)]))",
    "L.cholesky(lib.ones(2, 3))",
    "L.cholesky(lib.ones(3, 3, dtype=lib.int64))",
    "L.det(lib.ones(2, 3))",
    "L.det(lib.ones(3))",
    "lib.det(lib.ones(2, 3))",
    "lib.inverse(lib.ones(2, 2))",
    "L.slogdet(lib.ones(2, 3))",
    "L.eigh(lib.ones(2, 3))",
    "L.eigh(lib.eye(2), UPLO='X')",
    "L.eigvalsh(lib.ones(3))",
    "L.qr(lib.ones(3))",
    "L.qr(lib.ones(2, 3), mode='x')",
    "L.svd(lib.ones(3))",
    "L.svd(lib.ones(3, 3, dtype=lib.int64))",
    "L.svdvals(lib.ones(3, dtype=lib.float64))",
    "L.svd(lib.tensor([[float('nan'), 1.], [1., 1.]]))",
    "L.svdvals(lib.stack([lib.eye(2), lib.full((2, 2), float('nan'))]))",
    "L.cholesky(lib.tensor([[1., 0.], [0., float('nan')]]))",
]


@pytest.mark.parametrize("expr", [
    "L.inv(lib.stack([lib.eye(2), lib.tensor([[float('nan'), 1.], [1., 1.]])]))",
    "L.solve(lib.tensor([[float('inf'), 1.], [1., 1.]]), lib.ones(2))",
    "L.det(lib.tensor([[float('nan'), 1.], [1., 1.]]))",
    "L.eigvalsh(lib.tensor([[float('nan'), 1.], [1., 1.]]))",
])
def test_non_finite_values_as_torch(expr):
    torch = needs_torch()
    got, want = (eval(expr, {"lib": lib, "L": lib.linalg}) for lib in (tm, torch))
    np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-6)


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(expr):
    torch = needs_torch()
    outcomes = []
    for lib in (tm, torch):
        try:
            eval(expr, {"lib": lib, "L": lib.linalg})
            outcomes.append(None)
        except Exception as e:  # noqa: BLE001 (the error is what is compared)
            linalg_error = isinstance(e, lib.linalg.LinAlgError)
            outcomes.append((linalg_error, isinstance(e, RuntimeError), str(e).split("\n")[0]))
    assert outcomes[0] == outcomes[1] and outcomes[0] is not None, outcomes


LAYOUTS = [
    "L.inv(a)",
    "L.solve(a, b)",
    "L.solve(a, b.mT, left=False)",
    "L.solve(a, b[..., 0])",
    "L.solve(a, b[0, :, 0])",
    "L.solve(a[0], b[0, :, 0])",
    "L.solve(a[:1], b[:1, :, 0])",
    "L.solve(a.expand(3, 2, 4, 4), b[..., 0].expand(3, 2, 4))",
    "L.cholesky(s)",
    "L.cholesky(s, upper=True)",
    "L.det(a)",
    "L.slogdet(a).logabsdet",
    "L.qr(w).Q",
    "L.qr(w).R",
    "L.qr(w, mode='complete').Q",
    "L.qr(w, mode='r').Q",
    "L.svd(w).U",
    "L.svd(w).S",
    "L.svd(w).Vh",
    "L.svd(w, full_matrices=False).U",
    "L.svd(w.mT, full_matrices=False).Vh",
    "L.eigh(s).eigenvectors",
    "L.eigh(s).eigenvalues",
    "L.svdvals(w)",
    "lib.det(a)",
    "lib.inverse(a)",
    "a.det()",
    "a.mT.inverse()",
]


@pytest.mark.parametrize("expr", LAYOUTS)
def test_results_are_laid_out_as_torch(expr):
    assert_laid_out_as_torch(expr, needs_torch())


def test_size_zero_inputs():
    assert_values(L.det(tm.ones(2, 0, 0)), np.ones(2))
    assert tuple(L.inv(tm.ones(0, 3, 3)).shape) == (0, 3, 3)
    u, s, vh = L.svd(tm.ones(3, 0))
    assert_values(u, np.eye(3))
    assert tuple(s.shape) == (0,) and tuple(vh.shape) == (0, 0)
    assert tuple(L.qr(tm.ones(0, 3)).R.shape) == (0, 3)
    assert tuple(L.eigh(tm.ones(4, 0, 0)).eigenvalues.shape) == (4, 0)
