"""Gradients of tm.linalg: gradcheck in float64 on batched and transposed inputs, and
the same gradients as torch's. Functions of eigen- and singular vectors are chosen sign-
invariant (products u_i v_i^T, squares), since the vectors are defined up to sign."""
import functools
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck
from oracle import needs_torch

L = tm.linalg


def _sym(lib, a):
    return (a + a.transpose(-1, -2)) * 0.5


def _spd(lib, a):
    n = a.shape[-1]
    return a @ a.transpose(-1, -2) + lib.eye(n, dtype=a.dtype, device=a.device) * n


def _well(lib, a):
    """a pushed away from singular: a + 3I."""
    return a + lib.eye(a.shape[-1], dtype=a.dtype, device=a.device) * 3


CASES = {
    "inv": (lambda lib, a: lib.linalg.inv(_well(lib, a)), [(2, 3, 3)]),
    "det": (lambda lib, *a: lib.linalg.det(*a), [(2, 3, 3)]),
    "slogdet": (lambda lib, a: lib.linalg.slogdet(_well(lib, a)).logabsdet, [(2, 3, 3)]),
    "solve": (lambda lib, a, b: lib.linalg.solve(_well(lib, a), b), [(2, 3, 3), (3, 2)]),
    "solve-vector": (lambda lib, a, b: lib.linalg.solve(_well(lib, a), b), [(2, 3, 3), (3,)]),
    "solve-right": (lambda lib, a, b: lib.linalg.solve(_well(lib, a), b, left=False),
                    [(3, 3), (2, 2, 3)]),
    "cholesky": (lambda lib, a: lib.linalg.cholesky(_spd(lib, a)), [(2, 3, 3)]),
    "cholesky-upper": (lambda lib, a: lib.linalg.cholesky(_spd(lib, a), upper=True), [(3, 3)]),
    "qr-tall": (lambda lib, a: lib.linalg.qr(a), [(2, 4, 3)]),
    "qr-square-complete": (lambda lib, a: lib.linalg.qr(a, mode="complete"), [(3, 3)]),
    "qr-wide": (lambda lib, a: lib.linalg.qr(a), [(3, 5)]),
    "qr-Q-only": (lambda lib, a: lib.linalg.qr(a).Q, [(2, 4, 3)]),
    "qr-R-only": (lambda lib, a: lib.linalg.qr(a).R, [(3, 5)]),
    "svd-S-only": (lambda lib, a: lib.linalg.svd(a).S, [(2, 3, 4)]),
    "svd-U-only": (lambda lib, a: _column_squares(lib.linalg.svd(a, False).U), [(4, 3)]),
    "svd-Vh-only": (lambda lib, a: _column_squares(lib.linalg.svd(a).Vh.mT[..., :3]), [(3, 5)]),
    "eigh-values-only": (lambda lib, a: lib.linalg.eigh(_sym(lib, a)).eigenvalues, [(2, 3, 3)]),
    "eigh-vectors-only": (lambda lib, a: _column_squares(lib.linalg.eigh(_sym(lib, a))[1]),
                          [(3, 3)]),
    "slogdet-sign-and-log": (lambda lib, a: lib.linalg.slogdet(a)[1] * lib.linalg.slogdet(a)[0],
                             [(3, 3)]),
    "svd-tall": (lambda lib, a: _svd_invariants(lib.linalg.svd(a, full_matrices=False)),
                 [(2, 4, 3)]),
    "svd-wide-full": (lambda lib, a: _svd_invariants(lib.linalg.svd(a)), [(3, 5)]),
    "svdvals": (lambda lib, *a: lib.linalg.svdvals(*a), [(2, 3, 4)]),
    "eigh": (lambda lib, a: _eigh_invariants(lib.linalg.eigh(_sym(lib, a))), [(2, 3, 3)]),
    "eigvalsh": (lambda lib, a: lib.linalg.eigvalsh(_sym(lib, a)), [(3, 3)]),
    "pinv": (lambda lib, *a: lib.linalg.pinv(*a), [(2, 4, 3)]),
    "pinv-hermitian": (lambda lib, a: lib.linalg.pinv(_spd(lib, a), hermitian=True), [(3, 3)]),
    "matrix_power": (lambda lib, a: lib.linalg.matrix_power(a, 3), [(2, 3, 3)]),
    "matrix_power-negative": (lambda lib, a: lib.linalg.matrix_power(_well(lib, a), -2), [(3, 3)]),
    "multi_dot": (lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4, 2)]),
    "vecdot": (lambda lib, *a: lib.linalg.vecdot(*a), [(2, 3), (3,)]),
    "cross": (lambda lib, *a: lib.linalg.cross(*a), [(2, 3), (2, 3)]),
    "lstsq": (lambda lib, a, b: lib.linalg.lstsq(a, b).solution, [(4, 3), (4, 2)]),
    "vector_norm": (lambda lib, a: lib.linalg.vector_norm(a, 3, dim=-1), [(2, 3)]),
    "vector_norm-2": (lambda lib, *a: lib.linalg.vector_norm(*a), [(2, 3)]),
    "vector_norm-inf": (lambda lib, a: lib.linalg.vector_norm(a, math.inf, dim=0), [(2, 3)]),
    "matrix_norm-fro": (lambda lib, *a: lib.linalg.matrix_norm(*a), [(2, 3, 3)]),
    "matrix_norm-nuc": (lambda lib, a: lib.linalg.matrix_norm(a, "nuc"), [(2, 3, 4)]),
    "matrix_norm-2": (lambda lib, a: lib.linalg.matrix_norm(a, 2), [(3, 4)]),
    "matrix_norm-1": (lambda lib, a: lib.linalg.matrix_norm(a, 1), [(3, 4)]),
    "norm": (lambda lib, a: lib.linalg.norm(a, -math.inf), [(3, 4)]),
}


def _svd_invariants(usv):
    """What a sign change of a singular pair leaves alone: S and each u_i v_i^T."""
    u, s, vh = usv
    k = s.shape[-1]
    return s, u[..., :, :k].unsqueeze(-1) * vh[..., :k, :].unsqueeze(-3)


def _eigh_invariants(wv):
    w, v = wv
    return w, _column_squares(v)


def _column_squares(v):
    """[i, k, j] = v_ij v_kj: each column's outer square, blind to the column's sign."""
    return v.unsqueeze(-2) * v.unsqueeze(-3)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name, view):
    fn, shapes = CASES[name]
    assert gradcheck(functools.partial(fn, tm), tuple(view(s) for s in shapes))


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_match_torch(name, rng):
    """The same weighted sum of every result backpropagated through tm and torch."""
    torch = needs_torch()
    fn, shapes = CASES[name]
    inputs = [rng.uniform(-2, 2, s) for s in shapes]
    grads = []
    for lib in (tm, torch):
        args = [lib.tensor(x, dtype=lib.float64, requires_grad=True) for x in inputs]
        out = fn(lib, *args)
        outs = out if isinstance(out, tuple) else (out,)
        total = sum((o * lib.tensor(np.linspace(0.5, 1.5, o.numel()).reshape(tuple(o.shape)),
                                    dtype=lib.float64)).sum() for o in outs)
        total.backward()
        grads.append([np.asarray(a.grad.detach()) for a in args])
    for mine, theirs in zip(*grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-9)


def test_det_gradient_of_singular_matrices():
    """The gradient of det is the cofactor matrix, defined where A^-1 is not (torch gives
    zeros for this rank-2 matrix)."""
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, 0.0]])
    cofactors = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1))
                           for j in range(3)] for i in range(3)])
    x = tm.tensor(a, requires_grad=True)
    L.det(x).backward()
    np.testing.assert_allclose(np.asarray(x.grad), cofactors, atol=1e-12)
    assert np.abs(cofactors).max() > 1  # not the zeros of a degenerate case


def test_norms_of_zeros_have_torch_s_zero_gradient():
    x = tm.zeros(2, 3, dtype=tm.float64, requires_grad=True)
    (L.vector_norm(x, dim=1).sum() + L.matrix_norm(x) + L.vector_norm(x, 3)).backward()
    assert np.asarray(x.grad).tolist() == [[0.0] * 3] * 2
    assert np.isnan(np.asarray(L.vector_norm(tm.tensor([float("nan"), 0.0])))).all()


def test_qr_and_svd_refusals_match_torch():
    a = tm.ones(4, 3, dtype=tm.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        L.qr(a, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        L.qr(a, mode="complete").Q.sum().backward()

