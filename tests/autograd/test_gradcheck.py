"""gradcheck itself: it passes correct gradients and catches wrong ones."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck
from tensorrt_mini.autograd.gradcheck import GradcheckError


def test_passes_a_correct_gradient():
    x = tm.tensor([0.5, 1.5], dtype=tm.float64, requires_grad=True)
    assert gradcheck(lambda x: (x * x).sin(), (x,))


def test_catches_a_wrong_gradient():
    x = tm.tensor([0.5, 1.5], dtype=tm.float64, requires_grad=True)
    wrong = lambda x: x * x.detach()  # autograd sees x, finite differences see 2x
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(wrong, (x,))
    assert gradcheck(wrong, (x,), raise_exception=False) is False


def test_several_inputs_and_outputs():
    a = tm.tensor([0.5, 1.5], dtype=tm.float64, requires_grad=True)
    b = tm.tensor([2.0], dtype=tm.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a * b, a.exp().sum()), (a, b))


def test_inputs_without_grad_are_constants():
    a = tm.tensor([0.5, 1.5], dtype=tm.float64, requires_grad=True)
    c = tm.tensor([2.0, 3.0], dtype=tm.float64)
    assert gradcheck(lambda a, c: a * c, (a, c))
