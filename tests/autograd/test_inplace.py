"""In-place safety: PyTorch's version-counter check and its refusals on leaves."""
import pytest

import tensorrt_mini as tm


def test_modifying_a_saved_input_raises_at_backward():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0])
    y = x * w
    w.add_(1)
    with pytest.raises(RuntimeError, match=r"one of the variables needed for gradient computation "
                                           r"has been modified by an inplace operation: "
                                           r"\[torch.FloatTensor \[2\]\] is at version 1; "
                                           r"expected version 0 instead"):
        y.sum().backward()


def test_modifying_through_another_view_is_seen():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0, 5.0])
    y = x * w[:2]
    w[2:].zero_()  # same storage: the version counter is shared
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_in_place_on_a_leaf_that_requires_grad_raises():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation."):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being "
                                           "used in an in-place operation."):
        x[0].mul_(2)
    with pytest.raises(RuntimeError, match="a leaf Variable"):
        x[0] = 3.0


def test_in_place_on_a_leaf_is_fine_under_no_grad():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with tm.no_grad():
        x.add_(1)
        x[0] = 5.0
    assert x.tolist() == [5.0, 3.0] and x.is_leaf and x.requires_grad


def test_y_times_2_add_1_is_rebased():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_in_place_op_needing_the_old_value_keeps_it():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1
    y.mul_(w)  # w's gradient is y's value before the write
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 2.0] and x.grad.tolist() == [3.0, 4.0]
