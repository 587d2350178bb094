"""Custom autograd Functions (tm.autograd.Function) against torch.autograd.Function: each
Function is written once, over the library it is handed, and run on both."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch
from tensorrt_mini.backends import cuda_runtime


def exp_fn(lib):
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y
    return Exp


def scaled_fn(lib, backward):
    """x * k for a tensor x and a number k, with the backward given."""
    class Scaled(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k
    Scaled.backward = staticmethod(backward)
    return Scaled


def two_outputs_fn(lib, calls):
    """(x * y, x + y); backward records the gradients it was given."""
    class MulAdd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, g_mul, g_add):
            calls.append((g_mul, g_add))
            x, y = ctx.saved_tensors
            return g_mul * y + g_add, g_mul * x + g_add
    return MulAdd


def both(values, **kwargs):
    torch = needs_torch()
    return (tm.tensor(values, dtype=tm.float64, **kwargs),
            torch.tensor(values, dtype=torch.float64, **kwargs))


def assert_same(t, ref):
    assert t is not None and ref is not None
    assert tuple(t.shape) == tuple(ref.shape)
    np.testing.assert_allclose(np.array(t.detach()), ref.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_a_saved_output_gives_torch_gradients(device):
    if device == "cuda" and not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    torch = needs_torch()
    values = [[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]]
    x = tm.tensor(values, dtype=tm.float64, device=device).t().requires_grad_()
    xr = torch.tensor(values, dtype=torch.float64).t().requires_grad_()
    y, yr = exp_fn(tm).apply(x), exp_fn(torch).apply(xr)
    assert type(y.grad_fn).__name__ == type(yr.grad_fn).__name__ == "ExpBackward"
    assert str(y.device) == device + (":0" if device == "cuda" else "")
    (y * tm.arange(6.0, dtype=tm.float64, device=device).view(3, 2)).sum().backward()
    (yr * torch.arange(6.0, dtype=torch.float64).view(3, 2)).sum().backward()
    assert_same(x.grad.cpu(), xr.grad)


def test_grad_fn_prints_and_links_like_torch():
    torch = needs_torch()
    x, xr = both([1.0, 2.0], requires_grad=True)
    y, yr = exp_fn(tm).apply(x), exp_fn(torch).apply(xr)
    assert repr(y).endswith("grad_fn=<ExpBackward>)") and repr(yr).endswith("grad_fn=<ExpBackward>)")
    assert repr(y.grad_fn).startswith("<tensorrt_mini.autograd.function.ExpBackward object at ")
    ((leaf, nr),) = y.grad_fn.next_functions
    assert type(leaf).__name__ == "AccumulateGrad" and leaf.variable is x and nr == 0


def test_several_outputs_share_one_node_and_backward_gets_zeros_for_the_unused():
    torch = needs_torch()
    (x, xr), (y, yr) = both([1.0, 2.0], requires_grad=True), both([3.0, -1.0], requires_grad=True)
    calls, calls_r = [], []
    m, a = two_outputs_fn(tm, calls).apply(x, y)
    mr, ar = two_outputs_fn(torch, calls_r).apply(xr, yr)
    assert m.grad_fn is a.grad_fn
    (m * 3).sum().backward()
    (mr * 3).sum().backward()
    assert len(calls) == len(calls_r) == 1
    assert_same(calls[0][0], calls_r[0][0])
    assert_same(calls[0][1], calls_r[0][1])  # zeros, materialized
    assert_same(x.grad, xr.grad)
    assert_same(y.grad, yr.grad)
    # a consumer of output 1 links to (the node, 1)
    ((node, nr), _) = (a * 2).grad_fn.next_functions
    assert node is a.grad_fn and nr == 1


def test_both_outputs_used_call_backward_once_with_both_gradients():
    torch = needs_torch()
    (x, xr), (y, yr) = both([1.0, 2.0], requires_grad=True), both([3.0, -1.0], requires_grad=True)
    calls, calls_r = [], []
    m, a = two_outputs_fn(tm, calls).apply(x, y)
    mr, ar = two_outputs_fn(torch, calls_r).apply(xr, yr)
    (m * a + a.exp()).sum().backward()
    (mr * ar + ar.exp()).sum().backward()
    assert len(calls) == len(calls_r) == 1
    for got, ref in zip(calls[0], calls_r[0]):
        assert_same(got, ref)
    assert_same(x.grad, xr.grad)
    assert_same(y.grad, yr.grad)


def test_autograd_grad_and_retain_grad_reach_the_second_output():
    torch = needs_torch()
    (x, xr), (y, yr) = both([1.0, 2.0], requires_grad=True), both([3.0, -1.0], requires_grad=True)
    m, a = two_outputs_fn(tm, []).apply(x, y)
    mr, ar = two_outputs_fn(torch, []).apply(xr, yr)
    a.retain_grad()
    ar.retain_grad()
    loss, loss_r = (m * a * a).sum(), (mr * ar * ar).sum()
    (ga, gx) = tm.autograd.grad(loss, (a, x), retain_graph=True)
    (ga_r, gx_r) = torch.autograd.grad(loss_r, (ar, xr), retain_graph=True)
    assert_same(ga, ga_r)
    assert_same(gx, gx_r)
    loss.backward()
    loss_r.backward()
    assert_same(a.grad, ar.grad)
    assert m.grad is None


def test_materialize_grads_off_passes_none():
    calls = []

    class Two(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            calls.append((g1, g2))
            return g1 * 2
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    u, _ = Two.apply(x)
    u.sum().backward()
    assert calls[0][1] is None and x.grad.tolist() == [2.0, 2.0]


def test_non_tensor_arguments_and_needs_input_grad():
    seen = []

    class Mix(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, k):
            seen.append(ctx.needs_input_grad)
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return g * 2, None, None
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    Mix.apply(x, tm.ones(2), 2).sum().backward()
    assert seen == [(True, False, False)] * 2
    assert x.grad.tolist() == [2.0, 2.0]


def test_setup_context_style():
    torch = needs_torch()

    def scaled(lib):
        class Scaled(lib.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.k = inputs[1]

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None
        return Scaled
    x, xr = both([1.0, -2.0], requires_grad=True)
    scaled(tm).apply(x, 3.0).sum().backward()
    scaled(torch).apply(xr, 3.0).sum().backward()
    assert_same(x.grad, xr.grad)


@pytest.mark.parametrize("case", ["extra None", "broadcast grad", "float32 grad", "int grad"])
def test_gradients_torch_accepts_are_fixed_up_like_torch(case):
    torch = needs_torch()

    def backward(ctx, g):
        if case == "extra None":
            return g, None, None
        if case == "broadcast grad":
            return g.expand(4, 2, 3) * 1.5, None
        if case == "float32 grad":
            return g.float(), None
        return (g * 3).long(), None
    values = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    x, xr = both(values, requires_grad=True)
    scaled_fn(tm, backward).apply(x, 2.0).sum().backward()
    scaled_fn(torch, backward).apply(xr, 2.0).sum().backward()
    assert x.grad.dtype is tm.float64
    assert_same(x.grad, xr.grad)


@pytest.mark.parametrize("case", ["too few", "extra gradient", "grad for a number",
                                  "not a tensor", "smaller shape", "other shape"])
def test_gradients_torch_refuses_raise_its_error(case):
    torch = needs_torch()

    def backward(ctx, g):
        return {"too few": lambda: g,
                "extra gradient": lambda: (g, None, g),
                "grad for a number": lambda: (g, g),
                "not a tensor": lambda: (3.0, None),
                "smaller shape": lambda: (g.sum(0), None),
                "other shape": lambda: (g.t(), None)}[case]()
    values = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    x, xr = both(values, requires_grad=True)
    with pytest.raises(RuntimeError) as expected:
        scaled_fn(torch, backward).apply(xr, 2.0).sum().backward()
    with pytest.raises(RuntimeError) as got:
        scaled_fn(tm, backward).apply(x, 2.0).sum().backward()
    assert str(got.value) == str(expected.value)


def test_a_gradient_for_an_input_that_needs_none_is_not_checked():
    torch = needs_torch()

    def mul(lib):
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g * 2, lib.ones(7)  # y needs no gradient: torch ignores its shape
        return Mul
    (x, xr), (y, yr) = both([1.0, 2.0], requires_grad=True), both([3.0, 4.0])
    mul(tm).apply(x, y).sum().backward()
    mul(torch).apply(xr, yr).sum().backward()
    assert_same(x.grad, xr.grad)


def test_save_for_backward_takes_tensors_and_none_only():
    torch = needs_torch()

    def keep(lib, what):
        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, what)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                x, other = ctx.saved_tensors
                assert other is None
                return g * 2
        return Keep
    x, xr = both([1.0], requires_grad=True)
    keep(tm, None).apply(x).sum().backward()
    assert x.grad.tolist() == [2.0]
    with pytest.raises(TypeError) as expected:
        keep(torch, 3).apply(xr)
    with pytest.raises(TypeError, match=str(expected.value)):
        keep(tm, 3).apply(x)


def test_saved_tensors_are_freed_and_version_checked():
    torch = needs_torch()
    x, xr = both([1.0, 2.0], requires_grad=True)
    y, yr = exp_fn(tm).apply(x), exp_fn(torch).apply(xr)
    y.sum().backward()
    yr.sum().backward()
    with pytest.raises(RuntimeError) as expected:
        yr.sum().backward()
    with pytest.raises(RuntimeError) as got:
        y.sum().backward()
    assert str(got.value) == str(expected.value)

    y = exp_fn(tm).apply(x)
    y.mul_(2)  # the saved output, changed in place
    with pytest.raises(RuntimeError, match=r"\[torch.DoubleTensor \[2\]\], which is output 0 of "
                                           r"Exp, is at version 1; expected version 0"):
        y.sum().backward()


def test_no_graph_under_no_grad_or_without_inputs_that_require_grad():
    exp = exp_fn(tm)
    with tm.no_grad():
        y = exp.apply(tm.tensor([1.0], requires_grad=True))
    assert not y.requires_grad and y.grad_fn is None
    y = exp.apply(tm.tensor([1.0]))
    assert not y.requires_grad and y.grad_fn is None


def test_non_differentiable_and_integer_outputs_need_no_gradient():
    torch = needs_torch()

    def top(lib, seen):
        class Top(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                i = x.argmax()
                flag = x > 0
                ctx.mark_non_differentiable(flag, w)
                return x * 2, i, flag, "label", w

            @staticmethod
            def backward(ctx, g, g_i, g_flag, g_label, g_w):
                seen.append((g_i, g_flag, g_label, g_w))
                return g * 2, None
        return Top
    x, xr = both([1.0, 3.0, -2.0], requires_grad=True)
    w, wr = both([5.0], requires_grad=True)
    seen, seen_r = [], []
    y, i, flag, label, w_out = top(tm, seen).apply(x, w)
    yr, ir, flag_r, label_r, w_out_r = top(torch, seen_r).apply(xr, wr)
    assert label == label_r == "label"
    assert [t.requires_grad for t in (y, i, flag, w_out)] == \
        [t.requires_grad for t in (yr, ir, flag_r, w_out_r)] == [True, False, False, False]
    y.sum().backward()
    yr.sum().backward()
    assert_same(x.grad, xr.grad)
    # the outputs that got no gradient come as zeros of their own dtype, a label as None
    for got, ref in zip(seen[0], seen_r[0]):
        if ref is None:
            assert got is None
        else:
            assert str(got.dtype) == str(ref.dtype) and got.tolist() == ref.tolist()


def same_fn(lib):
    class Same(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3
    return Same


def view_fn(lib, view):
    class GradReverse(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return view(x)

        @staticmethod
        def backward(ctx, g):
            return -g
    return GradReverse


def test_an_argument_returned_as_it_is_comes_back_as_a_new_tensor_with_a_node():
    torch = needs_torch()
    x, xr = both([1.0, 2.0], requires_grad=True)
    y, yr = same_fn(tm).apply(x), same_fn(torch).apply(xr)
    assert y is not x and yr is not xr
    assert y._storage is x._storage and (type(y.grad_fn).__name__ == type(yr.grad_fn).__name__)
    y.sum().backward()
    yr.sum().backward()
    assert_same(x.grad, xr.grad)
    with tm.no_grad():  # also without a graph, as torch
        assert same_fn(tm).apply(x) is not x


@pytest.mark.parametrize("case", ["view_as", "input as is", "view of a temporary",
                                  "a view of the output", "two views", "a view and a result",
                                  "setitem", "setitem through a slice"])
def test_writing_in_place_into_an_output_that_is_a_view_raises_torchs_error(case):
    torch = needs_torch()

    def write(lib, x):
        if case in ("two views", "a view and a result"):
            class Halves(lib.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x[0], (x[1] if case == "two views" else x[1] * 2)

                @staticmethod
                def backward(ctx, g, h):
                    return lib.stack([g, h])
            Halves.apply(x * 1)[0].mul_(2)
            return
        if case.startswith("setitem"):
            y = view_fn(lib, lambda t: t[:1]).apply(x * 1)
            if case == "setitem":
                y[0] = 5.0
            else:
                y[:, :1] = 5.0
            return
        view = {"view_as": lambda t: t.view_as(t), "input as is": lambda t: t,
                "view of a temporary": lambda t: (t * 2).t()}.get(case, lambda t: t.view_as(t))
        y = view_fn(lib, view).apply(x * 1)
        (y[0] if case == "a view of the output" else y).mul_(3)
    x, xr = both([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError) as expected:
        write(torch, xr)
    with pytest.raises(RuntimeError) as got:
        write(tm, x)
    assert str(got.value) == str(expected.value)


def test_the_node_keeps_no_output_alive():
    # without the cyclic collector, the outputs (and what the node saved) go at once
    import gc
    import weakref

    gc.collect()
    gc.disable()
    try:
        x = tm.tensor([1.0, 2.0], requires_grad=True)
        y = exp_fn(tm).apply(x)
        out_ref, node_ref = weakref.ref(y), weakref.ref(y.grad_fn)
        del y
        assert out_ref() is None and node_ref() is None
        m, a = two_outputs_fn(tm, []).apply(x, x * 2)
        node_ref = weakref.ref(m.grad_fn)
        del m, a
        assert node_ref() is None
    finally:
        gc.enable()


def test_grad_fn_is_the_ctx():
    torch = needs_torch()

    def keep(lib):
        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                ctx.k = k
                ctx.save_for_backward(x)
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None
        return Keep
    x, xr = both([1.0, 2.0], requires_grad=True)
    node, node_r = keep(tm).apply(x, 3.0).grad_fn, keep(torch).apply(xr, 3.0).grad_fn
    assert node.k == node_r.k == 3.0
    assert node.needs_input_grad == node_r.needs_input_grad == (True, False)
    (saved,), (saved_r,) = node.saved_tensors, node_r.saved_tensors
    assert saved is x and saved_r is xr


def _add_one(lib):
    class AddOne(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3
    return AddOne


@pytest.mark.parametrize("lib_name", ["tensorrt_mini", "torch"])
def test_mark_dirty_makes_the_input_the_output(lib_name):
    """The same tensor comes back, as the node's output; its old graph is the node's
    input; a view written in place rebases its base (the oracle: torch, run the same way)."""
    lib = tm if lib_name == "tensorrt_mini" else needs_torch()
    AddOne = _add_one(lib)
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = AddOne.apply(b)
    assert c is b and c.tolist() == [3.0, 5.0]
    (c * lib.tensor([1.0, 10.0])).sum().backward()
    assert a.grad.tolist() == [6.0, 60.0]
    base = lib.zeros(2, 2, requires_grad=True)
    grown = base * 1
    AddOne.apply(grown[0])
    assert grown.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    (grown * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert base.grad.tolist() == [[3.0, 6.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used "
                                           "in an in-place operation"):
        AddOne.apply(lib.tensor([1.0], requires_grad=True))


def test_once_differentiable_leaves_backward_as_it_is():
    class Double(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @tm.autograd.function.once_differentiable
        def backward(ctx, g):
            return g * 2
    x = tm.tensor([1.0], requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0]
