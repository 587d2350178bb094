"""gradcheck of diag_embed's formula, and of diag, diagflat and trace built on it and on
diagonal, in every input layout."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck

GRAD_CASES = {
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
