"""Gradients through dtype conversion and device transfer come back in the input's dtype
and on the input's device."""
import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck


def test_to_dtype_gives_the_gradient_back_in_the_input_dtype():
    x = tm.tensor([1.0, 2.0], dtype=tm.float32, requires_grad=True)
    y = x.to(tm.float64)
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype == tm.float32 and x.grad.tolist() == [2.0, 4.0]


def test_round_trip_through_float32_is_differentiable(view):
    # the float32 leg loses precision, so only check the structure with a loose tolerance
    assert gradcheck(lambda x: x.float().double() * 2, (view((3,)),), atol=1e-2, eps=1e-3)


def test_conversion_to_an_integer_dtype_is_not_differentiable():
    x = tm.tensor([1.5, 2.5], requires_grad=True)
    assert not x.long().requires_grad


def test_copy_to_the_same_device_is_the_tensor_itself():
    x = tm.tensor([1.0], requires_grad=True)
    assert x.to("cpu") is x
