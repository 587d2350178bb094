"""Tensor.register_hook against torch: when hooks run, what they see, what they change."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch


def pair(values=(1.0, 2.0)):
    torch = needs_torch()
    return (tm.tensor(list(values), requires_grad=True),
            torch.tensor(list(values), requires_grad=True))


def same(t, ref):
    np.testing.assert_allclose(np.array(t.detach()), ref.detach().numpy(), rtol=1e-6)


def test_a_leaf_hook_sees_the_total_gradient_once_and_can_replace_it():
    (x, xr), seen, seen_r = pair(), [], []
    for t, log in ((x, seen), (xr, seen_r)):
        t.register_hook(lambda g, log=log: log.append(g.clone()))
        t.register_hook(lambda g: g * 10)
        (t * t + t).sum().backward()
    assert len(seen) == len(seen_r) == 1
    same(seen[0], seen_r[0])
    same(x.grad, xr.grad)


def test_a_leaf_used_twice_has_one_accumulator_as_in_torch():
    x, xr = pair()
    y, yr = x * 2, xr * 2
    z, zr = x * 3, xr * 3
    assert (y.grad_fn.next_functions[0][0] is z.grad_fn.next_functions[0][0]) == \
        (yr.grad_fn.next_functions[0][0] is zr.grad_fn.next_functions[0][0]) == True  # noqa: E712


def test_non_leaf_hooks_run_in_order_and_retain_grad_sees_their_result():
    (x, xr), seen, seen_r = pair(), [], []
    for t, log in ((x, seen), (xr, seen_r)):
        y = t * 2
        y.register_hook(lambda g: g * 100)
        y.retain_grad()
        y.register_hook(lambda g, log=log: log.append(g.clone()) or g + 1)
        (y * 3).sum().backward()
        log.append(y.grad)
    same(seen[0], seen_r[0])
    same(seen[1], seen_r[1])
    same(x.grad, xr.grad)


def test_autograd_grad_captures_a_non_leaf_before_its_hooks_and_a_leaf_after():
    torch = needs_torch()
    results = []
    for lib, (t, _) in ((tm, pair()), (torch, pair()[::-1])):
        y = t * 2
        y.register_hook(lambda g: g * 100)
        t.register_hook(lambda g: g + 1)
        results.append(lib.autograd.grad((y * 3).sum(), (y, t)))
    for got, ref in zip(*results):
        same(got, ref)


def test_a_removed_hook_does_not_run():
    x = tm.tensor([1.0], requires_grad=True)
    calls = []
    handle = x.register_hook(calls.append)
    handle.remove()
    handle.remove()  # twice is harmless, as in torch
    (x * 2).sum().backward()
    with x.register_hook(lambda g: g * 5):
        x.grad = None
        (x * 2).sum().backward()
    assert calls == [] and x.grad.tolist() == [10.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_hooks_stay_with_the_value_they_were_registered_on():
    torch = needs_torch()
    logs = {}
    for lib, (t, _) in ((tm, pair()), (torch, pair()[::-1])):
        log = logs[lib] = []
        y = t * 2
        y.register_hook(lambda g, log=log: log.append(("old", g.tolist())))
        y.mul_(5)
        y.register_hook(lambda g, log=log: log.append(("new", g.tolist())))
        (y * 3).sum().backward()
        log.append(("x", t.grad.tolist()))
    assert logs[tm] == logs[torch]


def test_a_hook_on_one_piece_of_a_split():
    torch = needs_torch()
    logs = {}
    for lib, (t, _) in ((tm, pair()), (torch, pair()[::-1])):
        log = logs[lib] = []
        first, rest = t.split(1)
        rest.register_hook(lambda g, log=log: log.append(g.tolist()) or g * 4)
        (first * 2 + rest * 3).sum().backward()
        log.append(t.grad.tolist())
    assert logs[tm] == logs[torch]


@pytest.mark.parametrize("change", ["size", "dtype"])
def test_a_hook_may_not_change_the_size_or_type(change):
    torch = needs_torch()

    def hook(g):
        return g.sum() if change == "size" else g.double()
    x, xr = pair()
    xr.register_hook(hook)
    with pytest.raises(RuntimeError) as expected:
        (xr * 2).sum().backward()
    x.register_hook(hook)
    with pytest.raises(RuntimeError) as got:
        (x * 2).sum().backward()
    assert str(got.value) == str(expected.value)


def test_no_hook_on_a_tensor_that_needs_no_gradient():
    torch = needs_torch()
    with pytest.raises(RuntimeError) as expected:
        torch.ones(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match=str(expected.value)):
        tm.ones(2).register_hook(lambda g: g)


def test_a_hook_on_the_second_output_of_a_function():
    class Two(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    u, v = Two.apply(x)
    seen = []
    v.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    (u + v).sum().backward()
    assert seen == [[1.0, 1.0]] and x.grad.tolist() == [32.0, 32.0]


def test_grad_never_shares_memory_with_what_a_leaf_hook_saw_or_returned():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    buf, seen = tm.tensor([5.0, 5.0]), []
    x.register_hook(lambda g: seen.append(g) or buf)
    for _ in range(2):
        (x * 2).sum().backward()
    assert buf.tolist() == [5.0, 5.0] and seen[0].tolist() == [2.0, 2.0]
    assert x.grad.tolist() == [10.0, 10.0] and x.grad is not buf


def test_backward_with_inputs_stores_a_non_leaf_gradient_after_its_hooks():
    torch = needs_torch()
    grads = []
    for t in pair():
        y = t * 2
        y.register_hook(lambda g: g * 10)
        (y * 3).sum().backward(inputs=[y])
        grads.append(y.grad)
    same(*grads)


def test_autograd_grad_runs_only_the_hooks_on_the_way_to_its_inputs():
    torch = needs_torch()
    logs = {}
    for lib, (x, _) in ((tm, pair()), (torch, pair()[::-1])):
        log = logs[lib] = []
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        w.register_hook(lambda g, log=log: log.append("w"))
        u = w * 2
        u.register_hook(lambda g, log=log: log.append("u"))
        v = x * 5
        v.register_hook(lambda g, log=log: log.append("v"))
        (gx,) = lib.autograd.grad((v * u).sum(), x)
        log.append(gx.tolist())
    assert logs[tm] == logs[torch]


def test_a_leaf_that_is_the_output_runs_its_hooks():
    torch = needs_torch()
    results = []
    for lib, (x, _) in ((tm, pair()), (torch, pair()[::-1])):
        x.register_hook(lambda g: g * 10)
        x.backward(lib.ones(2))
        (g,) = lib.autograd.grad(x, x, lib.ones(2))
        results.append((x.grad.tolist(), g.tolist()))
    assert results[0] == results[1]


def test_a_hook_must_return_a_tensor_or_none():
    torch = needs_torch()
    x, xr = pair()
    xr.register_hook(lambda g: 3.0)
    with pytest.raises(TypeError) as expected:
        (xr * 2).sum().backward()
    x.register_hook(lambda g: 3.0)
    with pytest.raises(TypeError, match=str(expected.value)):
        (x * 2).sum().backward()


def test_post_accumulate_grad_hooks_see_the_accumulated_grad_in_backward_only():
    torch = needs_torch()
    logs = []
    for lib, (x, _) in ((tm, pair()), (torch, pair()[::-1])):
        log = []
        x.grad = lib.ones(2)
        x.register_post_accumulate_grad_hook(lambda t, log=log: log.append(t.grad.tolist()))
        handle = x.register_post_accumulate_grad_hook(lambda t, log=log: log.append("removed"))
        handle.remove()
        (x * x + x).sum().backward()  # x appears twice: one accumulation, one call
        lib.autograd.grad((x * 3).sum(), x)  # accumulates nothing, calls nothing
        (x * 2).sum().backward()
        logs.append(log)
    assert logs[0] == logs[1] == [[4.0, 6.0], [6.0, 8.0]]


def test_post_accumulate_grad_hooks_only_on_leaves_that_need_a_gradient():
    torch = needs_torch()
    for make in (lambda lib: lib.ones(2) * lib.ones(2, requires_grad=True),
                 lambda lib: lib.ones(2)):
        with pytest.raises(RuntimeError) as expected:
            make(torch).register_post_accumulate_grad_hook(lambda t: None)
        with pytest.raises(RuntimeError, match=str(expected.value)):
            make(tm).register_post_accumulate_grad_hook(lambda t: None)
    messages = []
    for x in pair():
        x.register_post_accumulate_grad_hook(lambda t: 5)
        with pytest.raises(TypeError) as raised:
            (x * 2).sum().backward()
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
