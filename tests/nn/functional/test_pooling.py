"""Pooling against torch: values, indices, gradients (ties included), layouts and errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import close_to_torch, same_as_torch
from tensorrt_mini.backends import cuda_runtime

# (function, input shape, keywords): inputs hold small integers, so windows have ties
CASES = [
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=2)),
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, return_indices=True)),
    ("max_pool2d", (2, 3, 7, 6), dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1),
                                      dilation=(2, 1), ceil_mode=True, return_indices=True)),
    ("max_pool2d", (3, 7, 6), dict(kernel_size=3, stride=2, ceil_mode=True, return_indices=True)),
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1, return_indices=True)),
    ("max_pool1d", (3, 9), dict(kernel_size=3, padding=1, dilation=2, ceil_mode=True)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=2)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool2d", (3, 7, 6), dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1),
                                   ceil_mode=True)),
    ("avg_pool2d", (2, 3, 7, 6), dict(kernel_size=3, padding=1, divisor_override=2)),
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                   count_include_pad=False)),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), dict(output_size=(3, 2))),  # uneven windows
    ("adaptive_avg_pool2d", (2, 3, 6, 6), dict(output_size=(None, 3))),  # even windows
    ("adaptive_avg_pool2d", (3, 7, 6), dict(output_size=1)),
    ("adaptive_avg_pool2d", (2, 3, 4, 9), dict(output_size=1)),  # wide: one write back
    ("adaptive_avg_pool1d", (2, 3, 9), dict(output_size=4)),
    ("adaptive_max_pool2d", (2, 3, 7, 6), dict(output_size=(3, 4), return_indices=True)),
    ("adaptive_max_pool2d", (3, 7, 6), dict(output_size=(None, 5), return_indices=True)),
    ("adaptive_max_pool1d", (2, 3, 9), dict(output_size=4, return_indices=True)),
    ("adaptive_max_pool1d", (3, 7), dict(output_size=(3,))),
]


def _ids(cases):
    return [f"{name}-{shape}-{kw}" for name, shape, kw in cases]


def _run(lib, name, x, kw, weights):
    out = getattr(lib.nn.functional, name)(x, **kw)
    values, indices = out if isinstance(out, tuple) else (out, None)
    (values * lib.tensor(weights)).sum().backward()
    return values.detach(), indices, x.grad


@pytest.mark.parametrize("name,shape,kw", CASES, ids=_ids(CASES))
def test_values_indices_and_gradients_as_torch(name, shape, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.integers(-3, 4, shape).astype(np.float64)
    x, tx = tm.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    expected = getattr(torch.nn.functional, name)(tx, **kw)
    weights = rng.standard_normal(tuple((expected[0] if isinstance(expected, tuple)
                                         else expected).shape))
    got = _run(tm, name, x, kw, weights)
    want = _run(torch, name, tx, kw, weights)
    np.testing.assert_allclose(np.asarray(got[0]), want[0].numpy(), rtol=1e-15, atol=1e-15)
    if want[1] is not None:
        assert got[1].dtype is tm.int64
        np.testing.assert_array_equal(np.asarray(got[1]), want[1].numpy())
    np.testing.assert_allclose(np.asarray(got[2]), want[2].numpy(), rtol=1e-14, atol=1e-14)


def test_max_pool_routes_a_tie_to_the_first_maximum_in_window_order():
    x = tm.tensor([[[[1.0, 5.0, 5.0], [5.0, 5.0, 0.0], [5.0, 2.0, 5.0]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    assert idx.tolist() == [[[[1, 1], [3, 4]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 2.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]]


def test_max_pool_propagates_nan_and_infinities_as_torch():
    def fn(lib):
        x = lib.tensor([[[[1.0, float("nan"), -float("inf"), -float("inf")],
                          [float("nan"), 0.0, -float("inf"), -float("inf")]]]])
        return lib.nn.functional.max_pool2d(x, 2, return_indices=True)
    same_as_torch(fn)


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8"])
def test_max_pool_other_dtypes_as_torch(dtype):
    same_as_torch(f"lib.nn.functional.max_pool2d((lib.arange(60) % 7).to(lib.{dtype})"
                  ".view(1, 3, 4, 5), 3, stride=2, padding=1, return_indices=True)")


def test_float32_values_equal_torchs():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 4, 9, 8)).astype(np.float32)
    for name, kw in [("max_pool2d", dict(kernel_size=3, stride=2, padding=1)),
                     ("avg_pool2d", dict(kernel_size=2)),
                     ("adaptive_avg_pool2d", dict(output_size=(3, 2)))]:
        got = getattr(F, name)(tm.tensor(a), **kw)
        want = getattr(torch.nn.functional, name)(torch.tensor(a), **kw)
        np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.max_pool2d(lib.arange(40.).view(1, 2, 4, 5).transpose(2, 3), 2, "
    "return_indices=True)",
    "lib.nn.functional.max_pool2d(lib.arange(80.).view(1, 2, 8, 5)[:, :, ::2], 2, stride=1)",
    "lib.nn.functional.avg_pool2d(lib.arange(40.).view(1, 2, 4, 5).transpose(2, 3), 2)",
    "lib.nn.functional.adaptive_max_pool2d(lib.arange(40.).view(2, 4, 5).transpose(1, 2), 2)",
    "lib.nn.functional.max_pool1d(lib.arange(20.).view(4, 5).t(), 2, return_indices=True)",
    "lib.nn.functional.max_pool2d(lib.ones(0, 1, 5, 5), 2)",
    "lib.nn.functional.avg_pool2d(lib.ones(0, 1, 5, 5), 2)",
    "lib.nn.functional.adaptive_max_pool2d(lib.ones(1, 1, 5, 5), 0)",
    "lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 0, 5, 5), 2)",
    "lib.nn.functional.adaptive_max_pool1d(lib.arange(20.).view(4, 5).t(), 3, "
    "return_indices=True)",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(0, 3, 4), 2)",
])
def test_layouts_and_empty_inputs_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 3, 3), 4)",  # kernel past the padded input
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 5, 5), 3, padding=2)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 9, 9), 3, dilation=2, padding=2)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 5, 5), 2, padding=-1)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 5, 5), 0)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 9, 9), (0, 2), stride=1)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 5, 5), 2, dilation=0)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 5, 5), (2, 2, 2))",
    "lib.nn.functional.max_pool2d(lib.ones(5, 5), 2)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 0, 5, 5), 2)",
    "lib.nn.functional.max_pool2d(lib.ones(1, 1, 4, 4, dtype=lib.bool), 2)",
    "lib.nn.functional.max_pool1d(lib.ones(1, 1, 3), 4)",
    "lib.nn.functional.max_pool1d(lib.ones(1, 1, 3), 4, return_indices=True)",
    "lib.nn.functional.max_pool1d(lib.ones(1, 1, 5), 3, padding=2)",
    "lib.nn.functional.max_pool1d(lib.ones(5), 2)",
    "lib.nn.functional.max_pool1d(lib.ones(5), 2, return_indices=True)",
    "lib.nn.functional.max_pool1d(lib.ones(1, 1, 9), (2, 2))",
    "lib.nn.functional.avg_pool2d(lib.ones(1, 1, 3, 3), 4)",
    "lib.nn.functional.avg_pool2d(lib.ones(1, 1, 5, 5), 3, padding=2)",
    "lib.nn.functional.avg_pool2d(lib.ones(1, 1, 5, 5), 3, divisor_override=0)",
    "lib.nn.functional.avg_pool2d(lib.ones(5, 5), 2)",
    "lib.nn.functional.avg_pool2d(lib.ones(1, 1, 9, 9, 9), 2)",
    "lib.nn.functional.avg_pool1d(lib.ones(1, 1, 3), 4)",
    "lib.nn.functional.avg_pool1d(lib.ones(5), 2)",
    "lib.nn.functional.avg_pool1d(lib.ones(1, 1, 9), (2, 2))",
    "lib.nn.functional.adaptive_avg_pool2d(lib.ones(5, 5), 2)",
    "lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 1, 5, 5), (2, 2, 2))",
    "lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 1, 0, 5), 2)",
    "lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 1, 5, 5), -1)",
    "lib.nn.functional.adaptive_avg_pool1d(lib.ones(1, 1, 5), (2, 2))",
    "lib.nn.functional.adaptive_max_pool2d(lib.ones(5, 5), 2)",
    "lib.nn.functional.adaptive_max_pool2d(lib.ones(1, 1, 0, 5), 2)",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(2, 3, 4, 5), 2)",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(4), 2)",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(3, 4), (2, 2))",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(3, 4), -1)",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(3, 0), 2)",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(3, 4).long(), 2)",
    "lib.nn.functional.adaptive_max_pool1d(lib.ones(3, 4), (None,))",
])
def test_errors_as_torch(expr):
    same_as_torch(expr)


def _pooled(lib, a):
    v, i = lib.nn.functional.max_pool2d(lib.tensor(a), 2, return_indices=True)
    return v, i


@pytest.mark.parametrize("output_size", [None, (5, 7), (1, 1, 5, 6)])
def test_max_unpool2d_inverts_max_pool2d_as_torch(output_size):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((2, 3, 5, 6))
    (v, i), (tv, ti) = _pooled(tm, a), _pooled(torch, a)
    v.requires_grad_()
    tv.requires_grad_()
    got = F.max_unpool2d(v, i, 2, output_size=output_size)
    want = torch.nn.functional.max_unpool2d(tv, ti, 2, output_size=output_size)
    np.testing.assert_array_equal(np.asarray(got.detach()), want.detach().numpy())
    w = np.arange(want.numel(), dtype=np.float64).reshape(want.shape)
    (got * tm.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(np.asarray(v.grad), tv.grad.numpy())


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.max_unpool2d(lib.ones(1, 2, 2), lib.tensor([[[0, 3], [8, 15]]]), 2)",
    "lib.nn.functional.max_unpool2d(lib.ones(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.long), "
    "2, output_size=(7, 7))",
    "lib.nn.functional.max_unpool2d(lib.ones(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.long) "
    "+ 20, 2)",
    "lib.nn.functional.max_unpool2d(lib.ones(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.long) "
    "- 1, 2)",
    "lib.nn.functional.max_unpool2d(lib.ones(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.int32), "
    "2)",
    "lib.nn.functional.max_unpool2d(lib.ones(1, 1, 2, 2), lib.zeros(1, 1, 2, 3, dtype=lib.long), "
    "2)",
    "lib.nn.functional.max_unpool2d(lib.ones(2, 2), lib.zeros(2, 2, dtype=lib.long), 2)",
])
def test_max_unpool2d_results_and_errors_as_torch(expr):
    same_as_torch(expr)


def test_gradcheck_of_the_hand_written_backwards():
    x = tm.tensor(np.random.default_rng(3).standard_normal((1, 2, 5, 4)), requires_grad=True)
    for fn in (lambda t: F.max_pool2d(t, 2, stride=1, padding=1),
               lambda t: F.avg_pool2d(t, 3, stride=2, padding=1, count_include_pad=False),
               lambda t: F.adaptive_avg_pool2d(t, (3, 3)),
               lambda t: F.adaptive_max_pool2d(t, (2, 3))):
        assert tm.autograd.gradcheck(fn, (x,))


OPS_ON_CUDA = [
    lambda f, x: f.max_pool2d(x, 2, stride=1, padding=1, return_indices=True),
    lambda f, x: f.max_pool1d(x[0], 2, return_indices=True),
    lambda f, x: f.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    lambda f, x: f.avg_pool1d(x[0], 2),
    lambda f, x: f.adaptive_avg_pool2d(x, (2, 3)),
    lambda f, x: f.adaptive_avg_pool1d(x[0], 3),
    lambda f, x: f.adaptive_max_pool2d(x, (3, 2), return_indices=True),
    lambda f, x: f.adaptive_max_pool1d(x[0], 3, return_indices=True),
    lambda f, x: f.max_unpool2d(*f.max_pool2d(x, 2, return_indices=True), 2),
]


@pytest.mark.parametrize("op", OPS_ON_CUDA, ids=["max2d", "max1d", "avg2d", "avg1d", "aavg2d",
                                                 "aavg1d", "amax2d", "amax1d", "unpool2d"])
def test_cuda_matches_cpu(op):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    a = np.random.default_rng(4).integers(-3, 4, (1, 1, 4, 4)).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor(a, device=device, requires_grad=True)
        out = op(F, x)
        out = out if isinstance(out, tuple) else (out,)
        out[0].sum().backward()
        results.append([np.asarray(t.detach().cpu()) for t in out] + [np.asarray(x.grad.cpu())])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.nn.functional.max_pool2d(x, 2, stride=1),
    lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, stride=1, padding=1),
    lambda lib, x: lib.nn.functional.avg_pool2d(x, 2, padding=1),
    lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 3),
], ids=["max", "avg-overlapping", "avg", "adaptive-avg"])
def test_gradients_of_gradients_as_torch(call):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((1, 2, 5, 4))
    grads = []
    for lib in (tm, torch):
        x = lib.tensor(a, requires_grad=True)
        y = call(lib, x)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(*grads, rtol=1e-13, atol=1e-13)


# 3-D pooling: small integers again, so windows have ties
CASES_3D = [
    ("max_pool3d", (2, 2, 5, 4, 5), dict(kernel_size=2, return_indices=True)),
    ("max_pool3d", (1, 2, 5, 4, 5), dict(kernel_size=(3, 2, 2), stride=(2, 1, 2), padding=(1, 0, 1),
                                         dilation=(1, 2, 1), ceil_mode=True, return_indices=True)),
    ("max_pool3d", (2, 3, 4, 5), dict(kernel_size=3, stride=2, padding=1)),  # unbatched
    ("avg_pool3d", (2, 2, 5, 4, 5), dict(kernel_size=2)),
    ("avg_pool3d", (1, 2, 5, 4, 5), dict(kernel_size=(3, 2, 3), stride=2, padding=1,
                                         ceil_mode=True, count_include_pad=False)),
    ("avg_pool3d", (2, 3, 4, 5), dict(kernel_size=3, padding=1, divisor_override=5)),
    ("adaptive_avg_pool3d", (2, 2, 5, 4, 7), dict(output_size=(2, 3, 3))),  # uneven windows
    ("adaptive_avg_pool3d", (2, 4, 4, 6), dict(output_size=(None, 2, 3))),  # even windows
    ("adaptive_max_pool3d", (2, 2, 5, 4, 7), dict(output_size=(2, 3, 4), return_indices=True)),
    ("adaptive_max_pool3d", (2, 4, 4, 6), dict(output_size=(3, None, 1), return_indices=True)),
]


@pytest.mark.parametrize("name,shape,kw", CASES_3D, ids=_ids(CASES_3D))
def test_3d_values_indices_and_gradients_as_torch(name, shape, kw):
    test_values_indices_and_gradients_as_torch(name, shape, kw)


@pytest.mark.parametrize("expr", [
    # non-contiguous inputs, an empty batch, integers and float32
    "lib.nn.functional.max_pool3d((lib.arange(120.) % 7).view(2, 3, 4, 5).transpose(1, 3), 2, "
    "return_indices=True)",
    "lib.nn.functional.max_pool3d(lib.arange(240.).view(1, 2, 4, 6, 5)[..., ::2, :], 2, "
    "stride=1, padding=1, return_indices=True)",
    "lib.nn.functional.max_pool3d(lib.ones(0, 2, 3, 3, 3), 2, return_indices=True)",
    # NaN wins, and a window of nothing above -inf points at its first element
    "lib.nn.functional.max_pool3d(lib.where(lib.arange(120.).view(1, 2, 3, 4, 5) % 11 == 0, "
    "float('nan'), lib.where(lib.arange(120.).view(1, 2, 3, 4, 5) < 70, -float('inf'), 1.)), "
    "(3, 2, 2), stride=(2, 1, 2), padding=1, return_indices=True)",
    "lib.nn.functional.max_pool3d((lib.arange(60) % 7).view(1, 3, 4, 5), 2, return_indices=True)",
    "lib.nn.functional.avg_pool3d(lib.arange(120.).view(2, 3, 4, 5).transpose(1, 3), 2)",
    "lib.nn.functional.avg_pool3d(lib.ones(0, 2, 3, 3, 3), 2)",
    "lib.nn.functional.adaptive_avg_pool3d(lib.ones(0, 2, 3, 3, 3), (None, 2, 0))",
    "lib.nn.functional.adaptive_max_pool3d((lib.arange(120.) % 7).view(2, 3, 4, 5).transpose(1, 3),"
    " (2, 3, 2), return_indices=True)",
    "lib.nn.functional.adaptive_max_pool3d(lib.ones(0, 2, 3, 3, 3), 2, return_indices=True)",
])
def test_3d_layouts_and_empty_inputs_as_torch(expr):
    same_as_torch(expr)


def test_adaptive_avg_pool3d_of_a_stepped_input_within_an_ulp_of_torch():
    # (averaged by matmuls: an ulp or two from torch's sum-then-divide)
    close_to_torch("lib.nn.functional.adaptive_avg_pool3d(lib.arange(240.).view(1, 2, 4, 6, 5)"
                   "[..., ::2, :], (2, 1, 3))")


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.max_pool3d(lib.ones(3, 3, 3), 2)",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), (2, 2))",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), 2, stride=(1, 1))",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), 2, padding=(1, 1))",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), 2, dilation=(1, 1))",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), 0)",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), 2, dilation=(1, 0, 1))",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), 2, padding=2)",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), 2, padding=-1)",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 9, 9, 9), 2, padding=(0, 2, 0), dilation=3)",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3), (2, 4, 2))",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 0, 3, 3), 2)",
    "lib.nn.functional.max_pool3d(lib.ones(1, 2, 3, 3, 3, dtype=lib.bool), 2)",
    "lib.nn.functional.avg_pool3d(lib.ones(3, 3), 2)",
    "lib.nn.functional.avg_pool3d(lib.ones(1, 2, 3, 3, 3), (2, 2))",
    "lib.nn.functional.avg_pool3d(lib.ones(1, 2, 3, 3, 3), 2, stride=(1, 1))",
    "lib.nn.functional.avg_pool3d(lib.ones(1, 2, 3, 3, 3), 2, padding=(1, 1))",
    "lib.nn.functional.avg_pool3d(lib.ones(1, 2, 3, 3, 3), 4, padding=2)",
    "lib.nn.functional.avg_pool3d(lib.ones(2, 0, 3, 3), 2)",
    "lib.nn.functional.avg_pool3d(lib.ones(1, 2, 3, 3, 3), 2, divisor_override=0)",
    "lib.nn.functional.avg_pool3d(lib.ones(1, 2, 3, 3, 3), 2, divisor_override=1.5)",
    "lib.nn.functional.adaptive_avg_pool3d(lib.ones(1, 2, 3, 3, 3), (2, 2))",
    "lib.nn.functional.adaptive_avg_pool3d(lib.ones(1, 2, 3, 3, 3), (2, -1, 2))",
    "lib.nn.functional.adaptive_avg_pool3d(lib.ones(3, 3), 2)",
    "lib.nn.functional.adaptive_avg_pool3d(lib.ones(3, 3), (2, 2, 2))",
    "lib.nn.functional.adaptive_avg_pool3d(lib.ones(1, 2, 0, 3, 3), 2)",
    "lib.nn.functional.adaptive_avg_pool3d(lib.ones(1, 2, 3, 3, 3).long(), 2)",
    "lib.nn.functional.adaptive_max_pool3d(lib.ones(1, 2, 3, 3, 3), (2, 2))",
    "lib.nn.functional.adaptive_max_pool3d(lib.ones(1, 2, 3, 3, 3), (2, -1, 2))",
    "lib.nn.functional.adaptive_max_pool3d(lib.ones(2, 3, 3), 2)",
    "lib.nn.functional.adaptive_max_pool3d(lib.ones(1, 2, 3, 0, 3), 2)",
    "lib.nn.functional.adaptive_max_pool3d(lib.ones(1, 2, 3, 3, 3).long(), 2)",
    "lib.nn.functional.adaptive_max_pool2d(lib.ones(1, 2, 3, 3), (2, -1))",
    "lib.nn.functional.adaptive_max_pool2d(lib.ones(1, 2, 3, 3), (2, 2, 2))",
])
def test_3d_errors_as_torch(expr):
    same_as_torch(expr)


def _pooled_nd(lib, a, rank):
    pool = getattr(lib.nn.functional, f"max_pool{rank}d")
    return pool(lib.tensor(a), 2, return_indices=True)


@pytest.mark.parametrize("rank,shape,output_size", [
    (1, (2, 3, 7), None), (1, (3, 7), (1, 3, 7)), (3, (1, 2, 4, 4, 6), None),
    (3, (2, 5, 4, 5), (5, 5, 5))], ids=["1d", "1d-unbatched", "3d", "3d-unbatched"])
def test_max_unpool_1d_3d_invert_max_pool_as_torch(rank, shape, output_size):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal(shape)
    (v, i), (tv, ti) = _pooled_nd(tm, a, rank), _pooled_nd(torch, a, rank)
    v.requires_grad_()
    tv.requires_grad_()
    unpool = f"max_unpool{rank}d"
    got = getattr(F, unpool)(v, i, 2, output_size=output_size)
    want = getattr(torch.nn.functional, unpool)(tv, ti, 2, output_size=output_size)
    np.testing.assert_array_equal(np.asarray(got.detach()), want.detach().numpy())
    w = np.arange(want.numel(), dtype=np.float64).reshape(want.shape)
    (got * tm.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(np.asarray(v.grad), tv.grad.numpy())


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.max_unpool3d(lib.ones(1, 2, 2, 2, 2), lib.zeros(1, 2, 2, 2, 2, "
    "dtype=lib.long), 2, output_size=(9, 3, 3))",
    "lib.nn.functional.max_unpool3d(lib.ones(1, 2, 2, 2, 2), lib.zeros(1, 2, 2, 2, 2, "
    "dtype=lib.long), 2, output_size=(3, 3))",
    "lib.nn.functional.max_unpool3d(lib.ones(1, 2, 2, 2, 2), lib.full((1, 2, 2, 2, 2), 64), 2)",
    "lib.nn.functional.max_unpool3d(lib.ones(1, 2, 2, 2, 2), lib.zeros(1, 2, 2, 2, 2, "
    "dtype=lib.int32), 2)",
    "lib.nn.functional.max_unpool3d(lib.ones(2, 2, 2), lib.zeros(2, 2, 2, dtype=lib.long), 2)",
    "lib.nn.functional.max_unpool3d(lib.ones(1, 2, 2, 2, 2), lib.zeros(1, 2, 2, 2, 1, "
    "dtype=lib.long), 2)",
    "lib.nn.functional.max_unpool1d(lib.ones(1, 2, 3), lib.full((1, 2, 3), 6), 2)",
    "lib.nn.functional.max_unpool1d(lib.ones(1, 2, 3), lib.zeros(1, 2, 3, dtype=lib.long), 2, "
    "output_size=(9,))",
    "lib.nn.functional.max_unpool1d(lib.ones(1, 2, 3), lib.zeros(1, 2, 3, dtype=lib.int32), 2)",
    "lib.nn.functional.max_unpool1d(lib.ones(3), lib.zeros(3, dtype=lib.long), 2)",
    "lib.nn.functional.max_unpool1d(lib.ones(1, 2, 3), lib.zeros(1, 2, 2, dtype=lib.long), 2)",
])
def test_max_unpool_1d_3d_errors_as_torch(expr):
    same_as_torch(expr)


def test_3d_gradcheck_of_the_hand_written_backwards():
    x = tm.tensor(np.random.default_rng(3).standard_normal((1, 1, 3, 4, 3)), requires_grad=True)
    for fn in (lambda t: F.max_pool3d(t, 2, stride=1, padding=1),
               lambda t: F.avg_pool3d(t, 2, stride=1, padding=1, count_include_pad=False),
               lambda t: F.adaptive_avg_pool3d(t, (2, 3, 2)),
               lambda t: F.adaptive_max_pool3d(t, (2, 3, 2))):
        assert tm.autograd.gradcheck(fn, (x,))


OPS_3D_ON_CUDA = [
    lambda f, x: f.max_pool3d(x, 2, stride=1, padding=1, return_indices=True),
    lambda f, x: f.avg_pool3d(x, 2, stride=1, padding=1, count_include_pad=False),
    lambda f, x: f.adaptive_avg_pool3d(x, (2, 3, 2)),
    lambda f, x: f.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True),
    lambda f, x: f.max_unpool3d(*f.max_pool3d(x, 2, return_indices=True), 2),
    lambda f, x: f.max_unpool1d(*f.max_pool1d(x[0, 0], 2, return_indices=True), 2),
]


@pytest.mark.parametrize("op", OPS_3D_ON_CUDA, ids=["max3d", "avg3d", "aavg3d", "amax3d",
                                                    "unpool3d", "unpool1d"])
def test_3d_cuda_matches_cpu(op):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    a = np.random.default_rng(4).integers(-3, 4, (1, 1, 3, 4, 4)).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor(a, device=device, requires_grad=True)
        out = op(F, x)
        out = out if isinstance(out, tuple) else (out,)
        out[0].sum().backward()
        results.append([np.asarray(t.detach().cpu()) for t in out] + [np.asarray(x.grad.cpu())])
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-6)


# --- int64 averages and power averages ---------------------------------------------------

@pytest.mark.parametrize("expr", [
    # torch's cpu kernels average int64 too, truncating the quotient toward zero
    "lib.nn.functional.avg_pool2d(-lib.arange(30).view(1, 1, 5, 6), 2)",
    "lib.nn.functional.avg_pool2d(lib.arange(30).view(1, 5, 6) - 15, 3, stride=2, padding=1, "
    "count_include_pad=False)",
    "lib.nn.functional.avg_pool2d(lib.arange(30).view(1, 1, 6, 5).transpose(2, 3) - 7, 2, "
    "divisor_override=3)",
    "lib.nn.functional.avg_pool1d(lib.arange(10).view(1, 2, 5) - 4, 2, ceil_mode=True)",
    "lib.nn.functional.avg_pool3d(lib.arange(48).view(1, 2, 2, 3, 4) - 20, 2, padding=1)",
    "lib.nn.functional.avg_pool2d(lib.ones(1, 1, 4, 4, dtype=lib.int32), 2)",
    "lib.nn.functional.avg_pool1d(lib.ones(1, 1, 4, dtype=lib.bool), 2)",
    "lib.nn.functional.avg_pool3d(lib.ones(1, 1, 2, 2, 2, dtype=lib.uint8), 2)",
])
def test_int_averages_and_refusals_as_torch(expr):
    same_as_torch(expr)


LP_CASES = [
    ("lp_pool2d", (2, 3, 6, 7), dict(norm_type=2, kernel_size=2)),
    ("lp_pool2d", (3, 6, 7), dict(norm_type=1.5, kernel_size=(2, 3), stride=(1, 2),
                                  ceil_mode=True)),
    ("lp_pool1d", (2, 3, 9), dict(norm_type=3, kernel_size=3, stride=2, ceil_mode=True)),
    ("lp_pool3d", (1, 2, 4, 5, 6), dict(norm_type=2, kernel_size=(2, 2, 3))),
]


@pytest.mark.parametrize("name,shape,kw", LP_CASES, ids=_ids(LP_CASES))
def test_lp_pool_values_and_gradients_as_torch(name, shape, kw):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal(shape)
    a[..., 0] = 0.0  # windows whose power sum is 0: torch's gradient there is nan
    x, tx = tm.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    got, want = getattr(F, name)(x, **kw), getattr(torch.nn.functional, name)(tx, **kw)
    np.testing.assert_allclose(np.asarray(got.detach()), want.detach().numpy(), rtol=1e-12)
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_lp_pool_of_a_transposed_float32_input_as_torch():
    close_to_torch("lib.nn.functional.lp_pool2d(lib.arange(60.).view(1, 3, 4, 5).transpose(2, 3)"
                   " / 7, 2, 2)")
