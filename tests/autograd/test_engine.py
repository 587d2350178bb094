"""The backward pass: accumulation, traversal order, freeing the graph, retain_grad."""
import pytest

import tensorrt_mini as tm


def test_gradients_accumulate_on_leaves():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_a_leaf_used_twice_gets_the_sum():
    x = tm.tensor([2.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [5.0]


def test_leaves_never_share_gradient_memory():
    a = tm.tensor([1.0, 2.0], requires_grad=True)
    b = tm.tensor([3.0, 4.0], requires_grad=True)
    g = tm.tensor([1.0, 1.0])
    (a + b).backward(g)
    a.grad.add_(1)  # must change neither b.grad nor the caller's gradient
    assert b.grad.tolist() == [1.0, 1.0] and g.tolist() == [1.0, 1.0]
    c = tm.tensor([1.0, 2.0], requires_grad=True)
    c.sum().backward()  # the gradient is an expanded view: stored as its own tensor
    c.grad.mul_(2)
    assert c.grad.tolist() == [2.0, 2.0]


def test_diamond_graph_runs_each_node_once():
    x = tm.tensor([1.0], requires_grad=True)
    y = x * 2
    z = y * y + y.exp() * 0 + y
    z.backward()
    assert x.grad.tolist() == [2 * (2 * 2.0) + 2.0]


def test_a_10000_op_chain_works_without_recursion():
    x = tm.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert abs(x.grad.item() - 1.0001 ** 10_000) < 1e-2


def test_graph_is_freed_after_backward():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z = y * y
    z.sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    assert z.grad is None


def test_retain_grad_needs_requires_grad():
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        tm.ones(2).retain_grad()


def test_backward_of_a_leaf():
    x = tm.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_inputs_limits_which_leaves_accumulate():
    a = tm.tensor([1.0], requires_grad=True)
    b = tm.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [2.0] and b.grad is None


def test_a_branch_without_gradient_still_lets_the_rest_run():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    dead = y.detach() * 0  # no edge back
    z = (y + dead).max(0).values + y.sum()
    z.backward()
    assert x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("use", [lambda h, w: (h + w).sum(), lambda h, w: (h * w).sum(),
                                 lambda h, w: (h @ w.t()).sum(), lambda h, w: h.mean(),
                                 lambda h, w: tm.cat([h, w]).sum(),
                                 lambda h, w: tm.nn.functional.mse_loss(h, w),
                                 lambda h, w: tm.nn.functional.linear(h, w).sum()],
                         ids=["add", "mul", "matmul", "mean", "cat", "mse", "linear"])
def test_a_freed_graph_keeps_no_input_alive(use):
    import gc
    import weakref
    w = tm.ones(2, 2, requires_grad=True)
    h = w * 2  # an intermediate activation
    ref = weakref.ref(h)
    out = use(h, w)
    out.backward()
    del h
    gc.collect()
    assert ref() is None  # `out` and its graph still exist, but hold no activation
