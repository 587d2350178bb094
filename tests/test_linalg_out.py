"""tm.linalg's out= keyword against torch.linalg's: the values written, what is returned,
and the errors for an out of another dtype, a wrong kind of out, and inputs that
require grad."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch
from tensorrt_mini.linalg_out import RULES

MATRIX = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]  # symmetric positive definite

CALLS = {
    "cholesky": lambda L, a, **k: L.cholesky(a, **k),
    "cross": lambda L, a, **k: L.cross(a, a.flip(-1), **k),
    "det": lambda L, a, **k: L.det(a, **k),
    "eigh": lambda L, a, **k: L.eigh(a, **k),
    "eigvalsh": lambda L, a, **k: L.eigvalsh(a, **k),
    "inv": lambda L, a, **k: L.inv(a, **k),
    "matmul": lambda L, a, **k: L.matmul(a, a, **k),
    "matrix_norm": lambda L, a, **k: L.matrix_norm(a, **k),
    "matrix_power": lambda L, a, **k: L.matrix_power(a, 2, **k),
    "matrix_rank": lambda L, a, **k: L.matrix_rank(a, **k),
    "multi_dot": lambda L, a, **k: L.multi_dot([a, a], **k),
    "norm": lambda L, a, **k: L.norm(a, **k),
    "pinv": lambda L, a, **k: L.pinv(a, **k),
    "qr": lambda L, a, **k: L.qr(a, **k),
    "slogdet": lambda L, a, **k: L.slogdet(a, **k),
    "solve": lambda L, a, **k: L.solve(a, a.t(), **k),
    "svd": lambda L, a, **k: L.svd(a, **k),
    "svdvals": lambda L, a, **k: L.svdvals(a, **k),
    "vecdot": lambda L, a, **k: L.vecdot(a, a, **k),
    "vector_norm": lambda L, a, **k: L.vector_norm(a, **k),
}


def test_every_function_with_out_is_covered():
    assert set(CALLS) == set(RULES)


def _outs(lib, result, dtype, shape=(0,)):
    """Empty outs for `result`: floating ones of `dtype`, the others of the result's."""
    results = result if isinstance(result, tuple) else (result,)
    outs = tuple(lib.empty(shape, dtype=dtype if r.is_floating_point() else r.dtype)
                 for r in results)
    return outs if isinstance(result, tuple) else outs[0]


def _outcome(fn):
    try:
        return fn()
    except Exception as e:  # the error is what is compared
        return f"{type(e).__name__}: {e}"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_out_matches_torch(name):
    torch = needs_torch()
    call = CALLS[name]
    written = []
    for lib in (tm, torch):
        a = lib.tensor(MATRIX, dtype=lib.float64)
        expected = call(lib.linalg, a)
        outs = _outs(lib, expected, lib.float64)
        got = call(lib.linalg, a, out=outs)
        if isinstance(expected, tuple):
            assert type(got).__name__ == type(expected).__name__ + "_out"
            assert all(g is o for g, o in zip(got, outs))
            if lib is tm:
                assert got._fields == expected._fields
            written.append([np.array(o.tolist()) for o in outs])
        else:
            assert got is outs
            written.append([np.array(outs.tolist())])
        for value, target in zip(written[-1], (expected if isinstance(expected, tuple)
                                               else (expected,))):
            np.testing.assert_allclose(value, np.array(target.tolist()), rtol=1e-12)
    for ours, theirs in zip(*written):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)

    def refused(lib, dtype=None, grad=False, kind=None):
        a = lib.tensor(MATRIX, dtype=lib.float64, requires_grad=grad)
        with lib.no_grad():
            expected = call(lib.linalg, a.detach())
        outs = kind(lib) if kind else _outs(lib, expected, dtype or lib.float64)
        return _outcome(lambda: (call(lib.linalg, a, out=outs), "accepted")[1])

    assert refused(tm, tm.float32) == refused(torch, torch.float32)
    assert refused(tm, grad=True) == refused(torch, grad=True)
    # the wrong kind of out: the same error type, from the same function (torch's
    # overloaded ones list their signatures, which tm does not copy)
    for kind in (lambda lib: [lib.empty(0)], lambda lib: lib.empty(0, dtype=lib.float64)):
        ours, theirs = refused(tm, kind=kind), refused(torch, kind=kind)
        assert ours.split("(")[0] == theirs.split("(")[0]


def test_a_nonempty_out_of_another_shape_is_resized_with_torchs_warning():
    a = tm.tensor(MATRIX, dtype=tm.float64)
    out = tm.zeros(2, dtype=tm.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tm.linalg.inv(a, out=out)
    assert out.shape == (3, 3) and "was resized" in str(caught[0].message)
    np.testing.assert_allclose(np.array(out.tolist()), np.linalg.inv(np.array(MATRIX)))


def test_out_keeps_working_without_it_and_with_autograd():
    a = tm.tensor(MATRIX, dtype=tm.float64, requires_grad=True)
    tm.linalg.inv(a).sum().backward()
    expected = -(np.linalg.inv(np.array(MATRIX)).T @ np.ones((3, 3)) @ np.linalg.inv(np.array(MATRIX)).T)
    np.testing.assert_allclose(np.array(a.grad.tolist()), expected, rtol=1e-10)
