"""interpolate and the pixel shuffles against torch: values, gradients, layouts and errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import same_as_torch
from tensorrt_mini.backends import cuda_runtime

# (input shape, keywords of interpolate)
CASES = [
    ((2, 3, 5, 7), dict(size=(8, 3))),
    ((2, 3, 5, 7), dict(scale_factor=2)),
    ((2, 3, 5, 7), dict(scale_factor=(1.7, 0.6))),
    ((2, 3, 5, 7), dict(scale_factor=(1.7, 0.6), recompute_scale_factor=True)),
    ((2, 3, 5, 7), dict(size=1)),
]
MODES = [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True),
         ("area", None)]


def _resized(lib, a, dtype, weights, **kw):
    x = lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True)
    y = lib.nn.functional.interpolate(x, **kw)
    (y * lib.tensor(weights, dtype=getattr(lib, dtype))).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def _check(shape, kw, dtype, tol):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    out_shape = torch.nn.functional.interpolate(torch.tensor(a), **kw).shape
    weights = rng.standard_normal(tuple(out_shape))
    got, want = _resized(tm, a, dtype, weights, **kw), _resized(torch, a, dtype, weights, **kw)
    for g, w in zip(got, want):  # torch's float32 blends may fuse a multiply-add: an ulp or two
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("mode,align_corners", MODES, ids=[f"{m}-{a}" for m, a in MODES])
@pytest.mark.parametrize("shape,kw", CASES, ids=[str(kw) for _, kw in CASES])
def test_2d_modes_as_torch(mode, align_corners, shape, kw):
    _check(shape, dict(kw, mode=mode, align_corners=align_corners), "float64", 1e-14)


FLOAT32_CASES = [
    ((2, 3, 5, 7), dict(mode="bilinear", scale_factor=(1.7, 0.6))),
    ((2, 3, 5, 7), dict(mode="bilinear", size=(4, 9), align_corners=True)),
    ((2, 3, 5, 7), dict(mode="nearest", scale_factor=1.5)),
    ((2, 3, 6), dict(mode="linear", size=11)),
    ((2, 3, 6), dict(mode="linear", scale_factor=2.3, align_corners=True)),
    ((2, 3, 6), dict(mode="linear", scale_factor=0.5)),
    ((2, 3, 6), dict(mode="nearest", scale_factor=2.5)),
    ((2, 3, 6), dict(mode="nearest-exact", size=4)),
    ((2, 3, 6), dict(mode="area", size=4)),
]


@pytest.mark.parametrize("shape,kw", FLOAT32_CASES, ids=[str(kw) for _, kw in FLOAT32_CASES])
def test_float32_and_1d_as_torch(shape, kw):
    _check(shape, kw, "float32", 1e-6)


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.interpolate(lib.arange(12.).view(1, 1, 3, 4), size=(5, 2))",
    "lib.nn.functional.interpolate(lib.arange(12.).view(1, 1, 3, 4).transpose(2, 3), "
    "size=(5, 2))",
    "lib.nn.functional.interpolate(lib.arange(12.).view(1, 1, 3, 4).transpose(2, 3), size=(5, 2), "
    "mode='bilinear', align_corners=True)",
    "lib.nn.functional.interpolate(lib.arange(24.).view(1, 1, 2, 3, 4), scale_factor=2)",
    "lib.nn.functional.interpolate(lib.ones(0, 1, 2, 2), size=3, mode='bilinear')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, scale_factor=2)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2))",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=(3, 3, 3))",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), scale_factor=(3, 3, 3))",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=(3, 3.0))",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, recompute_scale_factor=True)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, align_corners=True)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2), size=3, mode='bilinear')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, mode='linear')",
    "lib.nn.functional.interpolate(lib.ones(1, 2), size=3)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, mode='cubic')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=0)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), scale_factor=0.1)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2), size=0, mode='linear')",
])
def test_interpolate_layouts_and_errors_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.pixel_shuffle(lib.arange(96.).view(2, 12, 2, 2), 2)",
    "lib.nn.functional.pixel_shuffle(lib.arange(48.).view(3, 4, 2, 2).transpose(2, 3), 2)",
    "lib.nn.functional.pixel_shuffle(lib.arange(96.).view(2, 1, 12, 2, 2), 2)",
    "lib.nn.functional.pixel_shuffle(lib.ones(0, 4, 2, 2), 2)",
    "lib.nn.functional.pixel_unshuffle(lib.arange(48.).view(3, 4, 4), 2)",
    "lib.nn.functional.pixel_unshuffle(lib.arange(72.).view(2, 6, 6)[:, ::2].transpose(1, 2), 3)",
    "lib.nn.functional.pixel_shuffle(lib.ones(2, 3), 2)",
    "lib.nn.functional.pixel_shuffle(lib.ones(1, 3, 2, 2), 2)",
    "lib.nn.functional.pixel_shuffle(lib.ones(1, 4, 2, 2), 0)",
    "lib.nn.functional.pixel_unshuffle(lib.ones(1, 4, 3, 2), 2)",
    "lib.nn.functional.pixel_unshuffle(lib.ones(1, 4, 2, 3), 2)",
    "lib.nn.functional.pixel_unshuffle(lib.ones(4, 2), 2)",
    "lib.nn.functional.pixel_unshuffle(lib.ones(1, 4, 2, 2), 0)",
])
def test_pixel_shuffles_as_torch(expr):
    same_as_torch(expr)


def test_pixel_unshuffle_undoes_pixel_shuffle_and_passes_gradients_back():
    x = tm.arange(72.0).view(1, 2, 6, 6).requires_grad_()
    y = F.pixel_unshuffle(x, 3)
    assert y.shape == (1, 18, 2, 2)
    assert tm.equal(F.pixel_shuffle(y, 3), x)
    (y * tm.arange(72.0).view(y.shape)).sum().backward()
    assert tm.equal(x.grad, F.pixel_shuffle(tm.arange(72.0).view(y.shape), 3))


def test_gradcheck_of_the_hand_written_backward():
    x = tm.tensor(np.random.default_rng(1).standard_normal((1, 2, 3, 4)), requires_grad=True)
    for kw in (dict(mode="bilinear", scale_factor=(1.5, 0.75)), dict(mode="nearest", size=(5, 3))):
        assert tm.autograd.gradcheck(lambda t: F.interpolate(t, **kw), (x,))


@pytest.mark.parametrize("call", [
    lambda x: F.interpolate(x, size=(3, 5), mode="bilinear"),
    lambda x: F.interpolate(x, scale_factor=1.5),
    lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2),
], ids=["bilinear", "nearest", "pixel-shuffles"])
def test_cuda_matches_cpu(call):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    a = np.random.default_rng(2).standard_normal((1, 4, 2, 2)).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor(a, device=device, requires_grad=True)
        y = call(x)
        (y * y).sum().backward()
        results.append((np.asarray(y.detach().cpu()), np.asarray(x.grad.cpu())))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kw", [dict(scale_factor=1.5, mode="bilinear"),
                                dict(size=(7, 3), mode="nearest")], ids=str)
def test_gradients_of_gradients_as_torch(kw):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((1, 2, 5, 4))
    grads = []
    for lib in (tm, torch):
        x = lib.tensor(a, requires_grad=True)
        y = lib.nn.functional.interpolate(x, **kw)
        (gx,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(*grads, rtol=1e-13, atol=1e-13)


# bicubic (4-D), trilinear (5-D) and nearest-exact and area in 5-D: values and gradients
NEW_MODE_CASES = [
    ((2, 3, 5, 7), dict(mode="bicubic", size=(8, 3))),
    ((2, 3, 5, 7), dict(mode="bicubic", scale_factor=(1.7, 0.6), align_corners=True)),
    ((2, 3, 5, 7), dict(mode="bicubic", scale_factor=(1.7, 0.6), recompute_scale_factor=True)),
    ((1, 2, 3, 2), dict(mode="bicubic", size=1, align_corners=True)),
    ((1, 2, 3, 4, 5), dict(mode="trilinear", size=(4, 7, 2))),
    ((1, 2, 3, 4, 5), dict(mode="trilinear", scale_factor=(1.5, 2, 0.7), align_corners=True)),
    ((1, 2, 3, 4, 5), dict(mode="nearest-exact", scale_factor=(1.5, 2, 0.7))),
    ((1, 2, 3, 4, 5), dict(mode="nearest", size=(2, 5, 3))),
    ((1, 2, 3, 4, 5), dict(mode="area", size=(2, 3, 3))),
]


@pytest.mark.parametrize("shape,kw", NEW_MODE_CASES, ids=[str(kw) for _, kw in NEW_MODE_CASES])
def test_bicubic_trilinear_and_5d_modes_as_torch(shape, kw):
    _check(shape, kw, "float64", 1e-13)
    _check(shape, kw, "float32", 2e-6)


@pytest.mark.parametrize("expr", [
    # a transposed and a stepped input, the grad_fn names, and torch's refusals
    "lib.nn.functional.interpolate(lib.arange(12.).view(1, 1, 3, 4).transpose(2, 3), size=(5, 2), "
    "mode='bicubic', align_corners=True)",
    "lib.nn.functional.interpolate(lib.arange(48.).view(1, 2, 2, 3, 4)[..., ::2], size=(3, 2, 3),"
    " mode='trilinear', align_corners=True)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, requires_grad=True), size=3, "
    "mode='bicubic').grad_fn.name()",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, 2, requires_grad=True), size=3, "
    "mode='trilinear').grad_fn.name()",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, 2, requires_grad=True), size=3, "
    "mode='nearest-exact').grad_fn.name()",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, mode='bicubic', "
    "antialias=False).shape",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2), size=3, mode='bicubic')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, 2), size=3, mode='bicubic')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, mode='trilinear')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2), size=3, mode='trilinear')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, 2), size=3, mode='bilinear')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, 2), size=(3, 0, 3), mode='trilinear')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, antialias=True)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2, 2), size=3, mode='trilinear', "
    "antialias=True)",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, mode='lanczos')",
    "lib.nn.functional.interpolate(lib.ones(1, 1, 2, 2), size=3, mode='lanczos', "
    "align_corners=True, antialias=True)",
])
def test_new_modes_layouts_and_errors_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_antialias_is_refused_where_torch_would_run_it(mode):
    with pytest.raises(NotImplementedError, match="does not support antialias=True"):
        F.interpolate(tm.ones(1, 1, 4, 4), size=2, mode=mode, antialias=True)


def test_bicubic_and_trilinear_gradcheck():
    x = tm.tensor(np.random.default_rng(1).standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert tm.autograd.gradcheck(lambda t: F.interpolate(t, size=(5, 3), mode="bicubic"), (x,))
    v = tm.tensor(np.random.default_rng(2).standard_normal((1, 1, 2, 3, 2)), requires_grad=True)
    assert tm.autograd.gradcheck(
        lambda t: F.interpolate(t, scale_factor=1.5, mode="trilinear", align_corners=True), (v,))


@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 3, 3), dict(size=(4, 2), mode="bicubic", align_corners=True)),
    ((1, 1, 2, 3, 2), dict(scale_factor=(1.5, 1, 2), mode="trilinear")),
    ((1, 1, 2, 3, 2), dict(size=(3, 2, 3), mode="nearest-exact")),
], ids=["bicubic", "trilinear", "nearest-exact-3d"])
def test_new_modes_cuda_match_cpu(shape, kw):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    a = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor(a, device=device, requires_grad=True)
        y = F.interpolate(x, **kw)
        (y * y).sum().backward()
        results.append((np.asarray(y.detach().cpu()), np.asarray(x.grad.cpu())))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
