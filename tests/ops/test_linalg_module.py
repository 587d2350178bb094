"""tm.linalg: values against numpy (batched, transposed and size-0 inputs, float32 and
float64), factorizations checked by what defines them (A = QR, A = U S Vh, A V = V w...),
result layouts, dtypes and errors against torch, and the cuda device against the cpu."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from oracle import assert_values, needs_torch

RNG = np.random.default_rng(1)
L = tm.linalg


def matrices(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def spd(*shape, dtype=np.float64):
    """Symmetric positive-definite matrices of shape + (n,), n the last of shape."""
    a = matrices(*shape, shape[-1])
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def transposed(a):
    """A tm tensor of a's values whose last two dims are stored transposed."""
    return tm.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)


def tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9)


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
    assert_values(L.pinv(x), np.linalg.pinv(a), **t) if 0 not in a.shape[:-2] else None
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


def test_lstsq_matches_numpy():
    a, b = matrices(3, 6, 4), matrices(3, 6, 2)
    got = L.lstsq(tm.tensor(a), tm.tensor(b), driver="gelsd")
    for i in range(3):
        x, residuals, rank, s = np.linalg.lstsq(a[i], b[i], rcond=None)
        assert_values(got.solution[i], x)
        assert_values(got.residuals[i], residuals)
        assert_values(got.rank[i], rank, dtype=tm.int64)
        assert_values(got.singular_values[i], s)
    deficient = np.ones((5, 3))
    got = L.lstsq(tm.tensor(deficient), tm.tensor(b[0, :5]), driver="gelss")
    assert_values(got.solution, np.linalg.lstsq(deficient, b[0, :5], rcond=None)[0])
    assert got.rank.item() == 1 and tuple(got.residuals.shape) == (0,)
    vector = L.lstsq(tm.tensor(a[0]), tm.tensor(b[0, :, 0]))
    assert_values(vector.solution, np.linalg.lstsq(a[0], b[0, :, 0], rcond=None)[0])


def test_norms_match_numpy():
    a = matrices(2, 3, 4)
    x = transposed(a)
    for ord in (None, 1, 2, 3.5, 0, math.inf, -math.inf):
        expected = np.linalg.norm(a.reshape(-1), 2 if ord is None else ord)
        assert_values(L.vector_norm(x, 2 if ord is None else ord), expected)
        assert_values(L.vector_norm(x, 2 if ord is None else ord, dim=(0, 2), keepdim=True),
                      np.linalg.norm(a.transpose(1, 0, 2).reshape(3, -1), 2 if ord is None
                                     else ord, axis=1).reshape(1, 3, 1))
    for ord in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
        assert_values(L.matrix_norm(x, ord), np.linalg.norm(a, ord, axis=(-2, -1)))
        assert_values(L.matrix_norm(x, ord, dim=(0, 2), keepdim=True),
                      np.linalg.norm(a, ord, axis=(0, 2), keepdims=True))
        assert_values(L.norm(x[0], ord), np.linalg.norm(a[0], ord))
    assert_values(L.norm(x), np.linalg.norm(a.reshape(-1)))
    assert_values(L.norm(x, dim=1), np.linalg.norm(a, axis=1))
    assert_values(L.norm(tm.tensor(a[0, 0]), 3), np.linalg.norm(a[0, 0], 3))
    assert_values(L.vector_norm(tm.arange(4), dtype=tm.float64), np.linalg.norm(np.arange(4)),
                  dtype=tm.float64)


def test_vecdot_multi_dot_cross():
    a, b = matrices(2, 3), matrices(4, 2, 3)
    assert_values(L.vecdot(tm.tensor(a), tm.tensor(b)), (a * b).sum(-1))
    assert_values(L.vecdot(tm.tensor(a).t(), tm.tensor(b[0]).t(), dim=0), (a * b[0]).sum(-1))
    chain = [matrices(5), matrices(5, 2), matrices(2, 6), matrices(6, 3), matrices(3)]
    expected = np.linalg.multi_dot(chain)
    assert_values(L.multi_dot([tm.tensor(c) for c in chain]), expected)
    assert_values(L.multi_dot([tm.tensor(c) for c in chain[1:4]]),
                  np.linalg.multi_dot(chain[1:4]))
    assert_values(L.cross(tm.tensor(b), tm.tensor(a[None])), np.cross(b, a))


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
    "L.matrix_power(lib.ones(2, 3), 2)",
    "L.matrix_power(lib.ones(3), 2)",
    "L.matrix_power(lib.ones(3, 3), -1)",
    "L.matrix_power(lib.ones(3, 3, dtype=lib.int64), -1)",
    "L.lstsq(lib.ones(3, 2), lib.ones(4, 2))",
    "L.lstsq(lib.ones(3, 2), lib.ones(3, 2), driver='qr')",
    "L.lstsq(lib.ones(3, 2), lib.ones(3, 2, dtype=lib.float64))",
    "L.multi_dot([lib.ones(3)])",
    "L.multi_dot([lib.ones(2, 3), lib.ones(2, 3)])",
    "L.multi_dot([lib.ones(2, 2, 3), lib.ones(3, 3)])",
    "L.multi_dot([lib.ones(2, 3), lib.ones(3, 4, 2)])",
    "L.multi_dot([lib.ones(3), lib.ones(3, 4, dtype=lib.int64)])",
    "L.multi_dot([lib.ones(3), lib.ones(3, 2), lib.ones(2, 2, 2), lib.ones(2)])",
    "L.vecdot(lib.ones(3), lib.ones(3, dtype=lib.float64))",
    "L.vecdot(lib.ones(3, dtype=lib.int64), lib.ones(3, dtype=lib.int64))",
    "L.cross(lib.ones(2), lib.ones(2))",
    "L.norm(lib.ones(3, 3), ord=3)",
    "L.norm(lib.ones(3, 3, 3), ord=2)",
    "L.vector_norm(lib.ones(3, dtype=lib.int64))",
    "L.vector_norm(lib.ones(0), ord=float('inf'))",
    "L.matrix_norm(lib.ones(3))",
    "L.matrix_norm(lib.ones(3, 3), ord=3)",
    "L.matrix_norm(lib.ones(3, 3, dtype=lib.int64))",
    "L.matrix_norm(lib.ones(3, 3), 'fro', dim=(0, 0))",
    "L.norm(lib.ones(3), 'fro')",
    "L.norm(lib.ones(3, 3), 'fro', dim=1)",
    "L.lstsq(lib.ones(2, 2, 3), lib.ones(3, 2))",
    "L.lstsq(lib.ones(3, 2), lib.ones(2, 3, 2))",
    "L.svd(lib.tensor([[float('nan'), 1.], [1., 1.]]))",
    "L.svdvals(lib.stack([lib.eye(2), lib.full((2, 2), float('nan'))]))",
    "L.pinv(lib.tensor([[float('nan'), 1.], [1., 1.]]))",
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
    "L.inv(a)", "L.solve(a, b)", "L.solve(a, b.mT, left=False)", "L.solve(a, b[..., 0])",
    "L.solve(a, b[0, :, 0])", "L.solve(a[0], b[0, :, 0])", "L.solve(a[:1], b[:1, :, 0])",
    "L.solve(a.expand(3, 2, 4, 4), b[..., 0].expand(3, 2, 4))",
    "L.cholesky(s)", "L.cholesky(s, upper=True)", "L.det(a)", "L.slogdet(a).logabsdet",
    "L.qr(w).Q", "L.qr(w).R", "L.qr(w, mode='complete').Q", "L.qr(w, mode='r').Q",
    "L.svd(w).U", "L.svd(w).S", "L.svd(w).Vh", "L.svd(w, full_matrices=False).U",
    "L.svd(w.mT, full_matrices=False).Vh", "L.eigh(s).eigenvectors", "L.eigh(s).eigenvalues",
    "L.svdvals(w)", "L.matrix_rank(w)", "L.matrix_power(a, 3)", "L.matrix_power(a, 0)",
    "L.matrix_power(a, -2)", "L.norm(w)", "L.lstsq(w, w[..., :2]).solution",
    "L.lstsq(w.mT, w.mT[..., :2]).solution", "L.lstsq(w[0], w[0, :, 0]).solution",
    "L.lstsq(a, a[..., 0]).solution", "L.lstsq(a[0], a[0, :, :3]).solution", "lib.det(a)",
    "lib.inverse(a)", "a.det()",
    "a.mT.inverse()",
    "L.matrix_norm(w, 2)", "L.vector_norm(w, 3, dim=1)",
]


@pytest.mark.parametrize("expr", LAYOUTS)
def test_results_are_laid_out_as_torch(expr):
    """shape, dtype and strides as torch's (each matrix column-major, as LAPACK writes it);
    values too where they are unique (not the sign of a vector)."""
    torch = needs_torch()
    a, b = matrices(2, 4, 4) + 4 * np.eye(4), matrices(2, 4, 3)
    s, w = spd(2, 4), matrices(2, 5, 3)
    got, want = (eval(expr, {"lib": lib, "L": lib.linalg, "a": lib.tensor(a),
                             "b": lib.tensor(b), "s": lib.tensor(s), "w": lib.tensor(w)})
                 for lib in (tm, torch))
    assert (tuple(got.shape), str(got.dtype).split(".")[-1], tuple(got.stride())) == \
        (tuple(want.shape), str(want.dtype).split(".")[-1], tuple(want.stride()))
    if not any(v in expr for v in (".Q", ".U", ".Vh", "eigenvectors")):
        np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("expr", [
    "L.norm(lib.ones(2, 3, 3), 'nuc', dim=(0, 2))",
    "L.vector_norm(lib.arange(6.).reshape(2, 3), -1)",
    "L.vector_norm(lib.arange(6.).reshape(2, 3) + 1, 0.5, dim=0)",
    "L.vector_norm(lib.ones(0, 3), 2, dim=1)",
    "L.vector_norm(lib.ones(0, 3), float('inf'), dim=1)",
    "L.matrix_norm(lib.ones(0, 3), 2)",
    "L.matrix_norm(lib.ones(2, 0, 3), 'nuc')",
    "L.matrix_rank(lib.ones(3, 3), hermitian=True)",
    "L.matrix_rank(lib.tensor([[1., 0.], [0., 0.3]]), atol=0.5, rtol=0.1)",
    "L.matrix_rank(lib.tensor([[1., 0.], [0., 0.3]]), rtol=0.5)",
    "L.pinv(lib.ones(3, 3), hermitian=True)",
    "L.pinv(lib.tensor([[2., 0.], [0., 0.5], [0., 0.]]), rtol=0.5)",
    "L.pinv(lib.tensor([[2., 0.], [0., 0.5], [0., 0.]]), atol=1.)",
    "L.multi_dot([lib.ones(3), lib.arange(3.)])",
    "L.eigh(lib.tensor([[1., 5.], [0., 2.]]), UPLO='U').eigenvalues",
    "L.eigh(lib.tensor([[1., 5.], [0., 2.]])).eigenvalues",
    "L.lstsq(lib.ones(2, 3), lib.ones(2)).solution",
    "L.lstsq(lib.arange(12.).reshape(4, 3), lib.ones(4, 2), driver='gelsd').residuals",
    "L.lstsq(lib.tensor([[1., 0.], [0., 1.], [1., 1.]]), lib.ones(3), driver='gels').residuals",
    "L.lstsq(lib.tensor([[1., 0.], [0., 1.], [1., 1.]]).expand(2, 3, 2), "
    "lib.ones(2, 3, 2)).solution",
    "L.solve(lib.eye(3).expand(2, 3, 3), lib.arange(3.))",
    "L.solve(lib.eye(3) * 2, lib.ones(2, 3, 1))",
    "L.matrix_power(lib.ones(2, 2, dtype=lib.int64), 3)",
    "L.matrix_power(lib.ones(0, 2, 2), -1)",
    "L.cholesky(lib.ones(0, 0))",
    "L.slogdet(lib.zeros(2, 2)).logabsdet",
    "L.det(lib.zeros(0, 0))",
])
def test_edge_values_match_torch(expr):
    torch = needs_torch()
    got, want = (eval(expr, {"lib": lib, "L": lib.linalg}) for lib in (tm, torch))
    assert (tuple(got.shape), str(got.dtype).split(".")[-1]) == \
        (tuple(want.shape), str(want.dtype).split(".")[-1])
    np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-5, atol=1e-6)


def test_size_zero_inputs():
    assert_values(L.det(tm.ones(2, 0, 0)), np.ones(2))
    assert tuple(L.inv(tm.ones(0, 3, 3)).shape) == (0, 3, 3)
    u, s, vh = L.svd(tm.ones(3, 0))
    assert_values(u, np.eye(3))
    assert tuple(s.shape) == (0,) and tuple(vh.shape) == (0, 0)
    assert tuple(L.qr(tm.ones(0, 3)).R.shape) == (0, 3)
    assert tuple(L.eigh(tm.ones(4, 0, 0)).eigenvalues.shape) == (4, 0)


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    a, s, w = matrices(2, 3, 3) + 3 * np.eye(3), spd(2, 3), matrices(2, 4, 3)
    results = []
    for device in ("cpu", "cuda"):
        x, y, z = (tm.tensor(v, device=device) for v in (a, s, w))
        out = [L.inv(x), L.det(x), L.solve(x, y), L.cholesky(y), L.eigvalsh(y), L.svdvals(z),
               L.pinv(z), L.matrix_norm(z, 2), L.lstsq(z, z[..., :2]).solution,
               L.qr(z).R.abs(), L.matrix_power(x, -2), L.slogdet(x).logabsdet]
        results.append([np.asarray(t.cpu()) for t in out])
        with pytest.raises(L.LinAlgError, match=r"\(Batch element 1\): The diagonal element 2"):
            L.inv(tm.stack([tm.eye(2), tm.ones(2, 2)]).to(device))
        with pytest.raises(L.LinAlgError, match="leading minor of order 1"):
            L.cholesky(-tm.eye(2, device=device))
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("expr", [
    "lib.norm(m)", "m.norm(dim=1)", "m.norm(p=1, dim=(0, 1), keepdim=True)",
    "m.norm(p=float('inf'))", "m.norm(p='nuc')", "lib.norm(m, 'fro', dim=0)",
    "lib.matrix_power(s, 2)", "s.matrix_power(-1)", "s.slogdet().logabsdet", "lib.slogdet(-s)[0]",
    "lib.logdet(s)", "(-s[:1, :1]).logdet()", "lib.logdet(lib.zeros(2, 2))",
    "lib.pinverse(m)", "m.pinverse(rcond=0.5)",
    "m[:, :2].clone().addmm_(m, m.t()[:, :2], beta=0.5)", "m[0].clone().addmv_(m, m[1], alpha=2)",
    "m.clone().addr_(m[:, 0], m[0])",
    "m.expand(2, 3, 3).clone().baddbmm_(m.expand(2, 3, 3), m.expand(2, 3, 3))",
])
def test_torch_spellings_match_torch(expr):
    torch = needs_torch()
    values = matrices(3, 3), spd(3)
    got, want = (eval(expr, {"lib": lib, "m": lib.tensor(values[0]), "s": lib.tensor(values[1])})
                 for lib in (tm, torch))
    assert (tuple(got.shape), str(got.dtype).split(".")[-1]) == \
        (tuple(want.shape), str(want.dtype).split(".")[-1])
    np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-10, atol=1e-12)


def test_result_tuples_are_named_as_torch_s():
    torch = needs_torch()
    for expr in ("lib.slogdet(e)", "lib.linalg.slogdet(e)", "lib.linalg.qr(e)", "lib.linalg.svd(e)",
                 "lib.linalg.eigh(e)", "lib.linalg.lstsq(e, e)"):
        got, want = (eval(expr, {"lib": lib, "e": lib.eye(2)}) for lib in (tm, torch))
        assert type(got).__name__ == type(want).__name__ and len(got) == len(want)
        for k, name in enumerate(got._fields):
            assert getattr(want, name) is want[k]


def test_in_place_products_are_differentiable():
    torch = needs_torch()
    a = matrices(3, 3)
    grads = []
    for lib in (tm, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * 1
        y.addmm_(x, x.t(), beta=0.5, alpha=2).sum().backward()
        grads.append(np.asarray(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
