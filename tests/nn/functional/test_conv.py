"""F.conv1d/2d/3d, F.conv_transpose1d/2d, F.unfold and F.fold against torch: values,
gradients of input, weight and bias, layouts of odd inputs, and torch's errors."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini.autograd import gradcheck, gradgradcheck
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.nn import functional as F

# (op, input shape, weight shape or None, bias, keywords, input layout): float64 values
# and every gradient against torch's
CASES = [
    ("conv1d", (2, 4, 9), (6, 2, 3), True, dict(stride=2, padding=1, groups=2), None),
    ("conv1d", (3, 7), (4, 3, 2), False, dict(padding="same", dilation=3), None),  # unbatched
    ("conv1d", (2, 4, 8), (4, 1, 3), True, dict(groups=4, padding="valid"), "transposed"),
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 2), True, dict(stride=(2, 1), padding=(1, 0),
                                                      dilation=(1, 2)), None),
    ("conv2d", (1, 2, 6, 5), (3, 2, 2, 2), False, dict(padding="same"), "stepped"),
    ("conv2d", (2, 4, 5, 5), (8, 1, 3, 3), True, dict(groups=4, padding=2, stride=2),
     "channels_last"),  # depthwise with a channel multiplier
    ("conv2d", (1, 3, 4, 4), (2, 3, 1, 1), True, {}, None),
    ("conv3d", (1, 2, 4, 5, 3), (3, 2, 2, 3, 1), True, dict(padding=(1, 0, 1),
                                                           stride=(1, 2, 1)), None),
    ("conv3d", (2, 3, 3, 4), (2, 2, 2, 2, 2), True, dict(padding="same"), None),  # unbatched
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), True, dict(stride=3, padding=2,
                                                          output_padding=2), None),
    ("conv_transpose1d", (2, 6), (2, 2, 2), False, dict(groups=2, dilation=2), None),
    ("conv_transpose2d", (2, 4, 3, 4), (4, 3, 3, 2), True, dict(
        stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2)), "transposed"),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 1, 2, 2), False, {}, None),
    ("unfold", (2, 3, 5, 6), None, False, dict(kernel_size=(2, 3), dilation=(1, 2), padding=1,
                                               stride=(2, 1)), None),
    ("unfold", (2, 4, 5), None, False, dict(kernel_size=2), "transposed"),  # unbatched
    ("fold", (2, 12, 18), None, False, dict(output_size=(4, 5), kernel_size=2, padding=1,
                                            stride=(2, 1)), None),
    ("fold", (8, 6), None, False, dict(output_size=(3, 4), kernel_size=(1, 2), dilation=2),
     None),  # unbatched
]


def _arrange(lib, t, layout):
    """t's values in another layout: what a view chain hands a layer."""
    if layout == "transposed":  # last two dims swapped in memory
        return t.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == "stepped":
        return lib.cat([t, t], -1)[..., ::2]
    if layout == "channels_last":
        return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    return t


def _run(lib, case, arrays):
    op, _, _, _, kw, layout = case
    inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    x = _arrange(lib, inputs[0], layout)
    out = getattr(lib.nn.functional, op)(x, *inputs[1:], **kw)
    weights = lib.arange(1.0, out.numel() + 1, dtype=lib.float64).reshape(out.shape)
    (out * weights).sum().backward()
    return (np.array(out.tolist()), tuple(out.shape), out.is_contiguous(), out.grad_fn.name(),
            [np.array(t.grad.tolist()) for t in inputs])


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{c[1]}{c[4]}{c[5] or ''}" for c in CASES])
def test_matches_torch_values_and_gradients(case):
    torch = needs_torch()
    op, shape, wshape, bias, _, _ = case
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape)]
    if wshape is not None:
        arrays.append(rng.standard_normal(wshape))
        if bias:
            channels = wshape[1] * case[4].get("groups", 1) if "transpose" in op else wshape[0]
            arrays.append(rng.standard_normal(channels))
    got, want = _run(tm, case, arrays), _run(torch, case, arrays)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-10)
    assert got[1:4] == want[1:4]
    for g, w in zip(got[4], want[4]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("op,wshape", [("conv2d", (6, 2, 3, 3)),
                                       ("conv_transpose2d", (4, 3, 3, 3))])
def test_channels_last_weight_as_torch(op, wshape):
    """A weight laid out channels-last makes torch answer channels-last: values, strides
    and gradients."""
    torch = needs_torch()
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 4, 5, 5)), rng.standard_normal(wshape)
    results = []
    for lib in (tm, torch):
        xt, wt = (lib.tensor(a, requires_grad=True) for a in (x, w))
        y = getattr(lib.nn.functional, op)(xt, wt.permute(0, 2, 3, 1).contiguous()
                                           .permute(0, 3, 1, 2), groups=2, stride=2)
        y.backward(lib.ones_like(y))
        results.append((y.stride(), np.array(y.tolist()), np.array(xt.grad.tolist()),
                        np.array(wt.grad.tolist())))
    assert results[0][0] == results[1][0]
    for got, want in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("op", ["conv2d", "conv_transpose2d"])
def test_channels_last_input_gets_a_channels_last_gradient(op):
    torch = needs_torch()
    strides = []
    for lib in (tm, torch):
        x = lib.ones(2, 4, 3, 3).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
        x.requires_grad_()
        getattr(lib.nn.functional, op)(x, lib.ones(4, 4, 2, 2), padding=1).sum().backward()
        strides.append(x.grad.stride())
    assert strides[0] == strides[1] == (36, 1, 12, 4)


def test_float32_agrees_with_torch():
    torch = needs_torch()
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((2, 8, 9, 9), (16, 8, 3, 3),
                                                                    (16,)))
    got = F.conv2d(tm.tensor(x), tm.tensor(w), tm.tensor(b), padding=1)
    want = torch.nn.functional.conv2d(*map(torch.tensor, (x, w, b)), padding=1)
    assert got.dtype == tm.float32
    np.testing.assert_allclose(np.array(got), want.numpy(), rtol=1e-4, atol=1e-4)


def test_gradcheck_float64():
    rng = np.random.default_rng(2)
    leaf = lambda *s: tm.tensor(rng.standard_normal(s), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=(2, 1),
                                              groups=2), (leaf(1, 2, 5, 4), leaf(4, 1, 2, 2),
                                                          leaf(4)))
    assert gradcheck(lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, output_padding=1),
                     (leaf(2, 2, 3), leaf(2, 3, 2), leaf(3)))


def test_unfold_and_fold_gradients_are_differentiable():
    rng = np.random.default_rng(5)
    x = tm.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    cols = tm.tensor(rng.standard_normal((8, 4)), requires_grad=True)
    assert gradgradcheck(lambda t: F.unfold(t, 2, padding=1, stride=(1, 2)), (x,))
    assert gradgradcheck(lambda t: F.fold(t, (3, 4), (2, 2), dilation=(1, 2)), (cols,))


GRAD_OF_GRAD = [  # (function, input shape, weight shape, keywords)
    ("conv2d", (2, 4, 6, 5), (6, 2, 3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2),
                                                groups=2)),
    ("conv1d", (2, 3, 9), (4, 3, 3), dict(padding="same")),
    ("conv2d", (1, 2, 5, 5), (3, 2, 2, 2), dict(padding="same")),  # uneven padding
    ("conv3d", (1, 2, 4, 4, 3), (2, 2, 2, 2, 2), dict(stride=2)),
    ("conv_transpose2d", (2, 4, 4, 3), (4, 3, 3, 2), dict(stride=2, padding=1,
                                                          output_padding=1, groups=2)),
    ("conv_transpose1d", (2, 3, 5), (3, 2, 3), dict(dilation=2)),
]


def _penalised(lib, name, arrays, kw):
    """A gradient penalty: the gradients of a convolution, then the gradients of a
    function of them (create_graph=True), as WGAN-GP and Hessian products take them."""
    x, w, b, v = (lib.tensor(a, requires_grad=True) for a in arrays)
    y = getattr(lib.nn.functional, name)(x, w, b, **kw)
    gx, gw, gb = lib.autograd.grad((y * v[:y.numel()].reshape(tuple(y.shape))).sum(), (x, w, b),
                                   create_graph=True)
    ((gx ** 2).sum() + (gw ** 3).sum() + (gb * gx.sum()).sum()).backward()
    return [t.detach().numpy() for t in (gx, gw, gb, x.grad, w.grad, v.grad)]


@pytest.mark.parametrize("name,x_shape,w_shape,kw", GRAD_OF_GRAD,
                         ids=[f"{c[0]}-{c[3]}" for c in GRAD_OF_GRAD])
def test_gradients_of_gradients_as_torch(name, x_shape, w_shape, kw):
    torch = needs_torch()
    rng = np.random.default_rng(6)
    channels = w_shape[0] if "transpose" not in name else w_shape[1] * kw.get("groups", 1)
    arrays = (rng.standard_normal(x_shape), rng.standard_normal(w_shape),
              rng.standard_normal(channels), rng.standard_normal(1000))
    with warnings.catch_warnings():  # torch's note on 'same' with an even kernel
        warnings.simplefilter("ignore")
        want = _penalised(torch, name, arrays, kw)
    for got, expected in zip(_penalised(tm, name, arrays, kw), want):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_convolution_gradgradcheck():
    rng = np.random.default_rng(7)
    x = tm.tensor(rng.standard_normal((1, 2, 4, 3)), requires_grad=True)
    w = tm.tensor(rng.standard_normal((2, 1, 2, 2)), requires_grad=True)
    assert gradgradcheck(lambda a, b: F.conv2d(a, b, padding=1, groups=2, stride=(2, 1)),
                         (x, w))


def test_empty_batch_and_no_input_channels_as_torch():
    torch = needs_torch()
    for lib in (tm, torch):
        w = lib.ones(4, 3, 3, 3, dtype=lib.float64, requires_grad=True)
        b = lib.ones(4, dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.conv2d(lib.ones(0, 3, 5, 5, dtype=lib.float64), w, b)
        y.sum().backward()
        assert tuple(y.shape) == (0, 4, 3, 3)
        assert w.grad.abs().sum().item() == 0 and b.grad.abs().sum().item() == 0
        no_channels = lib.nn.functional.conv2d(lib.ones(2, 0, 5, 5), lib.ones(4, 0, 3, 3))
        assert tuple(no_channels.shape) == (2, 0, 3, 3)


def test_unfold_fold_round_trip():
    """fold(unfold(x)) is x times the number of blocks covering each element."""
    rng = np.random.default_rng(3)
    x = tm.tensor(rng.standard_normal((2, 3, 6, 7)))
    args = dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
    cover = F.fold(F.unfold(tm.ones_like(x), **args), (6, 7), **args)
    np.testing.assert_allclose(np.array(F.fold(F.unfold(x, **args), (6, 7), **args)),
                               np.array(x) * np.array(cover))
    assert np.array(cover).min() >= 1  # every element lies in some block


ERRORS = [
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 2, 3, 3))",
    "F.conv2d(L.ones(2, 3, 5), L.ones(4, 3, 3, 3))",  # unbatched: 2 channels
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), groups=2)",
    "F.conv2d(L.ones(2, 4, 5, 5), L.ones(3, 2, 3, 3), groups=2)",
    "F.conv2d(L.ones(5, 5), L.ones(4, 3, 3, 3))",
    "F.conv1d(L.ones(2, 3, 5), L.ones(4, 3, 3), padding='same', stride=2)",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), padding='foo')",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 7, 7))",
    "F.conv3d(L.ones(2, 3, 2, 4, 4), L.ones(4, 3, 3, 3, 3))",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), stride=0)",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), padding=-1)",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), dilation=0)",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), groups=0)",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), stride=(1, 1, 1))",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), padding=(1, 1, 1))",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), L.ones(3))",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3, dtype=L.float64))",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(4, 3, 3, 3), L.ones(4, dtype=L.float64))",
    "F.conv2d(L.ones(2, 3, 5, 5), L.ones(0, 3, 3, 3))",
    "F.conv_transpose2d(L.ones(2, 3, 5, 5), L.ones(3, 2, 3, 3), stride=2, output_padding=2)",
    "F.conv_transpose1d(L.ones(2, 3, 5), L.ones(3, 2, 3), output_padding=1)",
    "F.conv_transpose2d(L.ones(2, 3, 5, 5), L.ones(2, 2, 3, 3))",
    "F.conv_transpose2d(L.ones(2, 3, 5, 5), L.ones(3, 2, 3, 3), L.ones(3))",
    "F.conv_transpose2d(L.ones(2, 3, 5, 5), L.ones(3, 2, 3, 3), padding='same')",
    "F.unfold(L.ones(2, 3, 5, 5), 7)",
    "F.unfold(L.ones(1, 2, 3, 4, 5), 2)",
    "F.unfold(L.ones(1, 0, 3, 4), 2)",
    "F.unfold(L.ones(1, 2, 3, 4), (2, 2, 2))",
    "F.unfold(L.ones(1, 2, 3, 4), 2, stride=0)",
    "F.unfold(L.ones(1, 2, 3, 4), 2, padding=-1)",
    "F.fold(L.ones(1, 2, 3, 4), 3, 2)",
    "F.fold(L.ones(2, 13, 16), (5, 5), 2)",
    "F.fold(L.ones(2, 12, 15), (5, 5), 2)",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_as_torch(expr):
    torch = needs_torch()
    got = expr_outcome(tm, expr, F=tm.nn.functional)
    want = expr_outcome(torch, expr, F=torch.nn.functional)
    assert got.startswith(("RuntimeError:", "TypeError:")) and got == want


def _needs_cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")


# one tiny case per op on cuda (the simulator runs a Python thread per CUDA thread):
# values and gradients against the same op on the cpu
CUDA_CASES = [
    ("conv1d", (1, 2, 5), (2, 2, 3), dict(padding=1, stride=2)),
    ("conv2d", (1, 2, 3, 3), (2, 1, 2, 2), dict(padding="same", groups=2)),
    ("conv3d", (1, 1, 2, 3, 3), (1, 1, 2, 2, 2), {}),
    ("conv_transpose1d", (1, 2, 3), (2, 1, 2), dict(stride=2)),
    ("conv_transpose2d", (1, 1, 2, 2), (1, 2, 2, 2), dict(padding=1, output_padding=1,
                                                          stride=2)),
    ("unfold", (1, 1, 3, 3), None, dict(kernel_size=2)),
    ("fold", (1, 4, 4), None, dict(output_size=3, kernel_size=2)),
]


@pytest.mark.parametrize("case", CUDA_CASES, ids=[c[0] for c in CUDA_CASES])
def test_cuda_matches_cpu(case):
    _needs_cuda()
    op, shape, wshape, kw = case
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(shape)] + ([rng.standard_normal(wshape)] if wshape else [])

    def run(device):
        inputs = [tm.tensor(a, device=device, requires_grad=True) for a in arrays]
        out = getattr(F, op)(*inputs, **kw)
        out.backward(tm.arange(1.0, out.numel() + 1, dtype=tm.float64,
                               device=device).reshape(out.shape))
        return [np.array(t.detach().cpu()) for t in [out] + [x.grad for x in inputs]]
    for got, want in zip(run("cuda"), run("cpu")):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# conv_transpose3d: values and every gradient against torch's, in float64
TRANSPOSE3D_CASES = [
    ("conv_transpose3d", (2, 4, 2, 3, 2), (4, 3, 2, 3, 2), True, dict(
        stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), groups=2,
        dilation=(1, 2, 1)), "transposed"),
    ("conv_transpose3d", (2, 3, 2, 2), (2, 1, 2, 2, 2), False, dict(stride=2), "stepped"),
    ("conv_transpose3d", (1, 2, 3, 2, 2), (2, 3, 1, 2, 2), True, {}, None),
]


@pytest.mark.parametrize("case", TRANSPOSE3D_CASES, ids=["strided", "unbatched", "plain"])
def test_conv_transpose3d_matches_torch(case):
    test_matches_torch_values_and_gradients(case)


@pytest.mark.parametrize("expr", [
    "F.conv_transpose3d(L.ones(1, 2, 3, 3, 3), L.ones(2, 2, 2, 2, 2), stride=2, "
    "output_padding=(0, 2, 0))",
    "F.conv_transpose3d(L.ones(1, 3, 3, 3, 3), L.ones(2, 2, 2, 2, 2))",
    "F.conv_transpose3d(L.ones(3, 3, 3), L.ones(3, 2, 2, 2, 2))",
    "F.conv_transpose3d(L.ones(1, 2, 2, 2, 2), L.ones(2, 1, 2, 2, 2), padding=2)",
])
def test_conv_transpose3d_errors_as_torch(expr):
    test_errors_as_torch(expr)


def test_conv_transpose3d_cuda_matches_cpu():
    test_cuda_matches_cpu(("conv_transpose3d", (1, 1, 2, 2, 2), (1, 2, 2, 1, 2),
                           dict(stride=(1, 2, 1), padding=(0, 1, 0), output_padding=(0, 1, 0))))
