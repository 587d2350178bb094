"""gradcheck of the products and diagonal ops (tensordot, addmm, addmv, addr, baddbmm,
outer, vdot, kron, cross, diag, diag_embed, diagflat, trace) in every input layout."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck

GRAD_CASES = {
    "tensordot": (lambda a, b: tm.tensordot(a, b, ([0, 2], [1, 0])), [(2, 3, 4), (4, 2, 5)]),
    "baddbmm": (lambda c, a, b: tm.baddbmm(c, a, b, beta=0.5, alpha=2),
                [(3, 1), (2, 3, 4), (2, 4, 5)]),
    "addmm": (lambda c, a, b: tm.addmm(c, a, b, beta=-1, alpha=3), [(3,), (2, 4), (4, 3)]),
    "addmv": (lambda c, a, b: tm.addmv(c, a, b, alpha=2), [(2,), (2, 3), (3,)]),
    "addr": (lambda c, a, b: tm.addr(c, a, b, beta=2), [(2, 3), (2,), (3,)]),
    "outer": (tm.outer, [(2,), (3,)]),
    "vdot": (tm.vdot, [(3,), (3,)]),
    "kron": (tm.kron, [(2, 3), (2, 2)]),
    "cross": (lambda a, b: tm.cross(a, b, dim=0), [(3, 2), (3, 2)]),
    "linalg.cross": (tm.linalg.cross, [(2, 3), (1, 3)]),
    "diag-embed": (lambda a: tm.diag_embed(a, -1, 0, 2), [(2, 3)]),
    "diag-vector": (lambda a: tm.diag(a, 1), [(3,)]),
    "diag-matrix": (lambda a: tm.diag(a, -1), [(3, 4)]),
    "diagflat": (tm.diagflat, [(2, 2)]),
    "trace": (tm.trace, [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients(name, view):
    fn, shapes = GRAD_CASES[name]
    assert gradcheck(fn, tuple(view(s) for s in shapes))
