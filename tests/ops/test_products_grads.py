"""gradcheck of the products (tensordot, addmm, addmv, addr, baddbmm, outer, vdot, kron,
cross), which compose differentiable ops, in contiguous and transposed float64 inputs."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck


def leaf(shape, transposed, rng):
    """A float64 leaf requiring grad, stored with its dims reversed when `transposed`."""
    values = rng.uniform(-2, 2, shape)
    if transposed:
        t = tm.tensor(np.array(values.T, order="C")).permute(*range(len(shape) - 1, -1, -1))
    else:
        t = tm.tensor(values)
    return t.requires_grad_()

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
}


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradients(name, transposed):
    fn, shapes = GRAD_CASES[name]
    rng = np.random.default_rng(0)
    assert gradcheck(fn, tuple(leaf(s, transposed, rng) for s in shapes))
