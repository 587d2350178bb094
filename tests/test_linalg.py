"""tm.linalg's composed functions (lstsq, pinv, matrix_rank, matrix_power, the norms,
vecdot, multi_dot, cross): values against numpy, edge values, layouts, errors and
named results against torch."""
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from linalg_inputs import assert_laid_out_as_torch, matrices, transposed
from oracle import assert_values, needs_torch

L = tm.linalg


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


ERRORS = [
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
    "L.pinv(lib.tensor([[float('nan'), 1.], [1., 1.]]))",
]


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
    "L.diagonal(w, offset=1)",
    "L.diagonal(a, dim1=0, dim2=2)",
    "L.matmul(a, b)",
    "L.matrix_rank(w)",
    "L.matrix_power(a, 3)",
    "L.matrix_power(a, 0)",
    "L.matrix_power(a, -2)",
    "L.norm(w)",
    "L.lstsq(w, w[..., :2]).solution",
    "L.lstsq(w.mT, w.mT[..., :2]).solution",
    "L.lstsq(w[0], w[0, :, 0]).solution",
    "L.lstsq(a, a[..., 0]).solution",
    "L.lstsq(a[0], a[0, :, :3]).solution",
    "L.matrix_norm(w, 2)",
    "L.vector_norm(w, 3, dim=1)",
]


@pytest.mark.parametrize("expr", LAYOUTS)
def test_results_are_laid_out_as_torch(expr):
    assert_laid_out_as_torch(expr, needs_torch())


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


def test_result_tuples_are_named_as_torch_s():
    torch = needs_torch()
    for expr in ("lib.slogdet(e)", "lib.linalg.slogdet(e)", "lib.linalg.qr(e)", "lib.linalg.svd(e)",
                 "lib.linalg.eigh(e)", "lib.linalg.lstsq(e, e)"):
        got, want = (eval(expr, {"lib": lib, "e": lib.eye(2)}) for lib in (tm, torch))
        assert type(got).__name__ == type(want).__name__ and len(got) == len(want)
        for k, name in enumerate(got._fields):
            assert getattr(want, name) is want[k]
