"""gradcheck of matmul in every rank combination mm/bmm/mv/dot reach."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck

CASES = {
    "dot": ((3,), (3,)),
    "mv": ((2, 3), (3,)),
    "vm": ((3,), (3, 4)),
    "mm": ((2, 3), (3, 4)),
    "bmm": ((2, 2, 3), (2, 3, 4)),
    "batched-matrix": ((2, 2, 3), (3, 4)),
    "matrix-batched": ((2, 3), (2, 3, 4)),
    "broadcast-batches": ((2, 1, 2, 3), (3, 3, 2)),
    "batched-vector": ((2, 2, 3), (3,)),
    "vector-batched": ((3,), (2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matmul(name, view):
    a_shape, b_shape = CASES[name]
    assert gradcheck(tm.matmul, (view(a_shape), view(b_shape)))


def test_only_the_input_that_requires_grad_gets_one(rng):
    a = tm.tensor(rng.random((2, 3)), requires_grad=True)
    b = tm.tensor(rng.random((3, 4)))
    (a @ b).sum().backward()
    assert a.grad is not None and b.grad is None


def test_mm_bmm_mv_dot_are_differentiable(view):
    assert gradcheck(tm.mm, (view((2, 3)), view((3, 2))))
    assert gradcheck(tm.bmm, (view((2, 2, 3)), view((2, 3, 2))))
    assert gradcheck(tm.mv, (view((2, 3)), view((3,))))
    assert gradcheck(tm.dot, (view((3,)), view((3,))))
