"""Tensor.backward's arguments and errors, and autograd.grad."""
import pytest

import tensorrt_mini as tm


def test_backward_with_an_explicit_gradient():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(tm.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [2.0, 2.0]


def test_implicit_gradient_needs_a_scalar():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_gradient_shape_must_match():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"torch.Size\(\[3\]\) and output\[0\] has a shape of "
                                           r"torch.Size\(\[2\]\)"):
        (x * 2).backward(tm.ones(3))


def test_backward_of_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does "
                                           "not have a grad_fn"):
        tm.ones(1).backward()


def test_backward_with_create_graph_gives_grad_a_graph():
    """x.grad = 3x^2 with a graph: its own backward adds 6x into x.grad (as torch)."""
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.tolist() == [3.0, 12.0] and x.grad.grad_fn is not None
    first = x.grad
    x.grad = None
    first.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]


def test_grad_returns_gradients_without_touching_dot_grad():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    h = y * 2
    gx, gy = tm.autograd.grad(h.sum(), (x, y))
    assert gx.tolist() == [6.0, 8.0] and gy.tolist() == [2.0, 2.0]
    assert x.grad is None and w.grad is None


def test_grad_unused_input():
    x = tm.tensor([1.0], requires_grad=True)
    u = tm.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        tm.autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = tm.autograd.grad(y, [x, u], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None


def test_autograd_backward_takes_several_outputs():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    tm.autograd.backward([(x * 2).sum(), (x * x).sum()])
    assert x.grad.tolist() == [4.0, 6.0]


def test_grad_of_a_non_leaf_does_not_run_its_node():
    # torch takes y's gradient without running y's node: its saved tensors stay, and a
    # later in-place change to them is no error for this call
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tm, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        (g,) = lib.autograd.grad((y * 3).sum(), y)
        y.sum().backward()
        a = x * 1
        z = a * a
        loss = (z * 3).sum()
        a.add_(1)
        (gz,) = lib.autograd.grad(loss, z)
        results.append((g.tolist(), x.grad.tolist(), gz.tolist()))
    assert results[0] == results[1]


def test_a_node_that_got_no_gradient_is_still_freed_by_backward():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (tm, torch):
        class NoGrad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return None
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        NoGrad.apply(y).sum().backward()
        with pytest.raises(RuntimeError) as err:
            y.sum().backward()
        messages.append(str(err.value))
    assert messages[0] == messages[1]
