"""nn.functional's normalisation layers (batch_norm, instance_norm, group_norm, rms_norm,
local_response_norm): values and gradients against torch, the running statistics, the
errors, gradcheck of each hand-written backward in float64, and the cuda device."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import needs_torch, same_as_torch
from tensorrt_mini.autograd import gradcheck, gradgradcheck
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5)) * 2 + 1       # (N, C, L)
X4 = RNG.standard_normal((2, 4, 3, 3))           # (N, C, H, W)
W = RNG.standard_normal(4)
B = RNG.standard_normal(4)
RM, RV = RNG.standard_normal(4), RNG.random(4) + 0.5  # running statistics (eval mode)


def _running(L, x):
    return L.tensor(RM, dtype=x.dtype, device=x.device), L.tensor(RV, dtype=x.dtype,
                                                                 device=x.device)


# name -> (arrays: input first, then weights; fn(lib, F, *tensors))
CASES = {
    "batch_norm-train": ((X, W, B), lambda L, F_, x, w, b: F_.batch_norm(
        x, None, None, w, b, training=True)),
    "batch_norm-train-2d-no-affine": ((X[:, :, 0],), lambda L, F_, x: F_.batch_norm(
        x, None, None, training=True, eps=1e-3)),
    "batch_norm-train-4d-weight-only": ((X4, W), lambda L, F_, x, w: F_.batch_norm(
        x, None, None, w, training=True)),
    "batch_norm-train-batch-of-1": ((X4[:1], W, B), lambda L, F_, x, w, b: F_.batch_norm(
        x, None, None, w, b, training=True)),
    "batch_norm-eval": ((X, W, B), lambda L, F_, x, w, b: F_.batch_norm(
        x, *_running(L, x), w, b, training=False)),
    "batch_norm-eval-bias-only": ((X4, B), lambda L, F_, x, b: F_.batch_norm(
        x, *_running(L, x), None, b)),
    "batch_norm-transposed-stepped": ((X.transpose(2, 1, 0).copy(), W, B),
                                      lambda L, F_, x, w, b: F_.batch_norm(
        x.transpose(0, 2)[:, :, ::2], None, None, w, b, training=True)),
    "batch_norm-channels-last": ((X4, W, B), lambda L, F_, x, w, b: F_.batch_norm(
        x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2), None, None, w, b,
        training=True)),
    "instance_norm": ((X, W, B), lambda L, F_, x, w, b: F_.instance_norm(x, weight=w, bias=b)),
    "instance_norm-running-stats": ((X4,), lambda L, F_, x: F_.instance_norm(
        x, *_running(L, x), use_input_stats=False)),
    "instance_norm-stepped": ((X,), lambda L, F_, x: F_.instance_norm(x[::2, 1:])),
    "group_norm": ((X, W, B), lambda L, F_, x, w, b: F_.group_norm(x, 2, w, b)),
    "group_norm-4d-one-group": ((X4, W), lambda L, F_, x, w: F_.group_norm(x, 1, w, eps=0.1)),
    "group_norm-2d-transposed": ((X[0].T.copy(),), lambda L, F_, x: F_.group_norm(x.t(), 1)),
    "rms_norm": ((X, W[:1].repeat(5)), lambda L, F_, x, w: F_.rms_norm(x, (5,), w)),
    "rms_norm-two-dims-no-weight": ((X,), lambda L, F_, x: F_.rms_norm(x, [4, 5], eps=0.1)),
    "rms_norm-transposed": ((X, W), lambda L, F_, x, w: F_.rms_norm(x.transpose(1, 2), (4,), w)),
    "local_response_norm-3d": ((X,), lambda L, F_, x: F_.local_response_norm(
        x, 3, alpha=0.5, beta=0.7, k=1.5)),
    "local_response_norm-4d-even-size": ((X4,), lambda L, F_, x: F_.local_response_norm(
        x, 2, alpha=0.3)),
    "local_response_norm-window-past-channels": ((X,), lambda L, F_, x: F_.local_response_norm(
        x.transpose(1, 2), 7, alpha=0.2, beta=0.5)),
}


def _run(L, F_, name, dtype, device="cpu"):
    """(output, gradient of each tensor) of sum(out * ramp), float32 or float64."""
    arrays, fn = CASES[name]
    ts = [L.tensor(a, dtype=dtype, device=device, requires_grad=True) for a in arrays]
    out = fn(L, F_, *ts)
    ramp = L.arange(out.numel(), dtype=dtype, device=device).reshape(out.shape) / out.numel()
    (out * ramp).sum().backward()
    return [out.detach()] + [t.grad for t in ts]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_as_torch(name):
    torch = needs_torch()
    mine = _run(tm, F, name, tm.float32)
    theirs = _run(torch, torch.nn.functional, name, torch.float32)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-4, atol=2e-5)


GRADCHECK = ("batch_norm-train", "batch_norm-eval-bias-only", "instance_norm",
             "instance_norm-running-stats", "group_norm", "rms_norm",
             "local_response_norm-4d-even-size")


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck(name):
    arrays, fn = CASES[name]
    small = (arrays[0][:2],) + arrays[1:]
    inputs = tuple(tm.tensor(a, dtype=tm.float64, requires_grad=True) for a in small)
    assert gradcheck(lambda *ts: fn(tm, F, *ts), inputs)


@pytest.mark.parametrize("fn", [
    lambda x, w: F.batch_norm(x, None, None, w, training=True),
    lambda x, w: F.group_norm(x, 2, w),
    lambda x, w: F.rms_norm(x, (2,), w[:2]),
    lambda x, w: F.local_response_norm(x, 3) * w.view(1, 4, 1),
], ids=["batch_norm", "group_norm", "rms_norm", "local_response_norm"])
def test_gradients_of_gradients(fn):
    x = tm.tensor(X[:2, :, :2], dtype=tm.float64, requires_grad=True)
    w = tm.tensor(W, dtype=tm.float64, requires_grad=True)
    assert gradgradcheck(fn, (x, w))


def test_grad_fn_names_as_torch():
    x = tm.ones(2, 4, 3, requires_grad=True)
    assert type(F.batch_norm(x, None, None, training=True).grad_fn).__name__ == \
        "NativeBatchNormBackward0"
    assert type(F.group_norm(x, 2).grad_fn).__name__ == "NativeGroupNormBackward0"
    assert type(F.rms_norm(x, [3]).grad_fn).__name__ == "MulBackward0"
    assert type(F.local_response_norm(x, 2).grad_fn).__name__ == "DivBackward0"
    with tm.no_grad():
        assert F.batch_norm(x, None, None, training=True).grad_fn is None


def _steps(L, F_, fn):
    """Running statistics after three calls of fn on shifted inputs (float32)."""
    rm, rv = L.zeros(4), L.ones(4)
    for step in range(3):
        fn(F_, L.tensor((X + step).astype(np.float32)), rm, rv)
    return np.asarray(rm), np.asarray(rv)


@pytest.mark.parametrize("fn", [
    lambda F_, x, rm, rv: F_.batch_norm(x, rm, rv, training=True),
    lambda F_, x, rm, rv: F_.batch_norm(x, rm, rv, training=True, momentum=0.5),
    lambda F_, x, rm, rv: F_.batch_norm(x, rm, rv, training=False),
    lambda F_, x, rm, rv: F_.instance_norm(x, rm, rv, momentum=0.3),
], ids=["batch_norm", "batch_norm-momentum", "batch_norm-eval", "instance_norm"])
def test_running_statistics_as_torch(fn):
    """running_var takes the unbiased variance, the output the biased one."""
    torch = needs_torch()
    for a, b in zip(_steps(tm, F, fn), _steps(torch, torch.nn.functional, fn)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_running_statistics_by_hand():
    x = tm.tensor([[1.0, 10.0], [3.0, 10.0], [8.0, 40.0]])
    rm, rv = tm.zeros(2), tm.ones(2)
    F.batch_norm(x, rm, rv, training=True, momentum=0.5)
    np.testing.assert_allclose(np.asarray(rm), [2.0, 10.0])  # 0.5 * mean
    np.testing.assert_allclose(np.asarray(rv), [0.5 + 0.5 * 13.0, 0.5 + 0.5 * 300.0])


def test_empty_batch_leaves_running_statistics():
    rm, rv = tm.zeros(3), tm.ones(3)
    out = F.batch_norm(tm.ones(0, 3, 2), rm, rv, training=True)
    assert out.shape == (0, 3, 2)
    assert rm.tolist() == [0.0] * 3 and rv.tolist() == [1.0] * 3
    assert F.group_norm(tm.ones(0, 4, 2), 2).shape == (0, 4, 2)
    assert F.instance_norm(tm.ones(0, 4, 2)).shape == (0, 4, 2)
    assert F.local_response_norm(tm.ones(0, 4, 2), 2).shape == (0, 4, 2)


def test_rms_norm_default_eps_is_the_dtypes():
    x = tm.tensor([[1e-4, -1e-4]], dtype=tm.float64)
    expected = 1e-4 / np.sqrt(1e-8 + np.finfo(np.float64).eps)
    np.testing.assert_allclose(np.asarray(F.rms_norm(x, [2])), [[expected, -expected]])


def test_group_norm_names_the_bias_it_refuses():
    """(torch's message prints the weight's shape for a bias of the wrong size)"""
    with pytest.raises(RuntimeError, match=r"^Expected bias to be a vector of size equal to the "
                       r"number of channels in input, but got bias of shape \[3\] and input of "
                       r"shape \[2, 4, 3\]$"):
        F.group_norm(tm.ones(2, 4, 3), 2, tm.ones(4), tm.ones(3))


def test_nan_reaches_the_output_of_its_channel_only():
    x = tm.tensor([[1.0, float("nan")], [2.0, 3.0], [5.0, 7.0]])
    out = np.asarray(F.batch_norm(x, None, None, training=True))
    assert np.isnan(out[:, 1]).all() and np.isfinite(out[:, 0]).all()


@pytest.mark.parametrize("expr", [
    "F.batch_norm(lib.ones(1, 3), None, None, training=True)",
    "F.batch_norm(lib.ones(1, 3, 1, 1), None, None, training=True)",
    "F.batch_norm(lib.ones(2, 3), None, lib.ones(3))",
    "F.batch_norm(lib.ones(2, 3), lib.ones(3), None)",
    "F.batch_norm(lib.ones(2, 3), lib.zeros(4), lib.ones(4), training=True)",
    "F.batch_norm(lib.ones(2, 3), None, None, lib.ones(3), lib.ones(4), training=True)",
    "F.batch_norm(lib.ones(3), None, None, training=True)",
    "F.batch_norm(lib.ones(2, 3, dtype=lib.int64), None, None, training=True)",
    "F.batch_norm(lib.ones(2, 3, dtype=lib.float64), None, None, lib.ones(3), training=True)",
    "F.instance_norm(lib.ones(2, 3, 1))",
    "F.instance_norm(lib.ones(2, 3))",
    "F.instance_norm(lib.ones(2, 3, 2), use_input_stats=False)",
    "F.group_norm(lib.ones(2, 3, 4), 2)",
    "F.group_norm(lib.ones(3), 1)",
    "F.group_norm(lib.ones(1, 1, 1), 1)",
    "F.group_norm(lib.ones(2, 4, 3), 2, lib.ones(3))",
    "F.group_norm(lib.ones(2, 4, 3, dtype=lib.int32), 2)",
    "F.rms_norm(lib.ones(2, 3), (4,))",
    "F.rms_norm(lib.ones(2, 3, 4), [2, 4])",
    "F.rms_norm(lib.ones(2, 3, dtype=lib.int64), [3])",
    "F.rms_norm(lib.ones(2, 3), 3)",
    "F.local_response_norm(lib.ones(2, 3), 2)",
])
def test_errors_as_torch(expr):
    torch = needs_torch()
    same_as_torch(lambda lib: eval(expr, {"lib": lib, "F": F if lib is tm
                                          else torch.nn.functional}))


@pytest.mark.parametrize("name", ["batch_norm-train", "instance_norm", "group_norm",
                                  "rms_norm", "local_response_norm-3d"])
def test_cuda_as_cpu(name):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    cpu = _run(tm, F, name, tm.float64)
    cuda = _run(tm, F, name, tm.float64, "cuda")
    for a, b in zip(cpu, cuda):
        assert b.device.type == "cuda"
        np.testing.assert_allclose(np.asarray(b.cpu()), np.asarray(a), rtol=1e-10, atol=1e-12)
