"""gradcheck of cat and stack."""
import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck


def test_cat(view):
    a, b, c = view((2, 3)), view((1, 3)), view((4, 3))
    assert gradcheck(lambda a, b, c: tm.cat([a, b, c]), (a, b, c))
    assert gradcheck(lambda a, b: tm.cat([a.t(), b.t()], dim=1), (a, b))


def test_stack(view):
    a, b = view((2, 3)), view((2, 3))
    assert gradcheck(lambda a, b: tm.stack([a, b], dim=1), (a, b))
    assert gradcheck(lambda a, b: tm.stack([a, b], dim=-1), (a, b))


def test_cat_with_an_input_that_needs_no_grad():
    a = tm.ones(2, requires_grad=True)
    b = tm.zeros(3)
    (tm.cat([a, b]) * tm.arange(5.0)).sum().backward()
    assert a.grad.tolist() == [0.0, 1.0]


def test_cat_promotes_and_gives_back_each_dtype():
    a = tm.ones(2, dtype=tm.float32, requires_grad=True)
    b = tm.ones(2, dtype=tm.float64, requires_grad=True)
    tm.cat([a, b]).sum().backward()
    assert a.grad.dtype == tm.float32 and b.grad.dtype == tm.float64
