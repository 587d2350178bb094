"""GroupNorm, InstanceNorm1d/2d/3d, RMSNorm and LocalResponseNorm: reprs and parameters as
torch's, outputs and gradients against torch, InstanceNorm's running statistics, checks
and warnings, and each layer on the cuda device."""
import re
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(2)

REPRS = [
    (lambda nn_: nn_.GroupNorm(2, 4), "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"),
    (lambda nn_: nn_.GroupNorm(3, 6, eps=1e-3, affine=False),
     "GroupNorm(3, 6, eps=0.001, affine=False, bias=False)"),
    (lambda nn_: nn_.InstanceNorm2d(3),
     "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, "
     "track_running_stats=False)"),
    (lambda nn_: nn_.InstanceNorm1d(3, affine=True, track_running_stats=True),
     "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
     "track_running_stats=True)"),
    (lambda nn_: nn_.RMSNorm(4), "RMSNorm((4,), eps=None, elementwise_affine=True)"),
    (lambda nn_: nn_.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False),
     "RMSNorm((2, 3), eps=0.001, elementwise_affine=False)"),
    (lambda nn_: nn_.LocalResponseNorm(2), "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"),
]


@pytest.mark.parametrize("make,text", REPRS, ids=[t for _, t in REPRS])
def test_repr_and_state_dict_as_torch(make, text):
    assert repr(make(nn)) == text
    torch = pytest.importorskip("torch")
    mine, theirs = make(nn).state_dict(), make(torch.nn).state_dict()
    assert list(mine) == list(theirs)
    for k in mine:
        assert str(mine[k].dtype) == str(theirs[k].dtype)
        np.testing.assert_array_equal(np.asarray(mine[k]), theirs[k].numpy())


LAYERS = {
    "GroupNorm": (lambda nn_: nn_.GroupNorm(2, 4), (3, 4, 5)),
    "GroupNorm-4d-no-bias": (lambda nn_: nn_.GroupNorm(4, 4, bias=False), (2, 4, 2, 3)),
    "InstanceNorm1d-affine": (lambda nn_: nn_.InstanceNorm1d(4, affine=True), (2, 4, 5)),
    "InstanceNorm1d-unbatched": (lambda nn_: nn_.InstanceNorm1d(4, affine=True), (4, 5)),
    "InstanceNorm2d": (lambda nn_: nn_.InstanceNorm2d(4), (2, 4, 2, 3)),
    "InstanceNorm3d-running-stats": (lambda nn_: nn_.InstanceNorm3d(
        4, affine=True, track_running_stats=True), (2, 4, 2, 1, 3)),
    "RMSNorm": (lambda nn_: nn_.RMSNorm(5), (3, 4, 5)),
    "RMSNorm-two-dims-eps": (lambda nn_: nn_.RMSNorm((4, 5), eps=0.5), (3, 4, 5)),
    "LocalResponseNorm": (lambda nn_: nn_.LocalResponseNorm(3, alpha=0.5, k=2.0), (3, 4, 5)),
}


def _steps(lib, name, transposed):
    """Outputs, input and parameter gradients of two training steps and an eval step, and
    the final state, with parameters set to distinct values."""
    make, shape = LAYERS[name]
    layer = make(lib.nn)
    with lib.no_grad():
        for p in layer.parameters():
            p.copy_(lib.arange(p.numel(), dtype=lib.float32).view(p.shape) * 0.5 - 1)
    results = []
    for step, train in ((0, True), (1, True), (2, False)):
        a = (RNG_VALUES[shape] * (step + 1) + step).astype(np.float32)
        if transposed:  # the same values, held in reversed order of dims
            x = lib.tensor(a.transpose().copy()).permute(*reversed(range(a.ndim)))
        else:
            x = lib.tensor(a)
        x.requires_grad_()
        out = layer.train(train)(x)
        (out * lib.arange(out.numel(), dtype=lib.float32).view(out.shape)).sum().backward()
        results += [out.detach(), x.grad] + [p.grad for p in layer.parameters()]
        layer.zero_grad()
    return [np.asarray(t) for t in results] + [np.asarray(v) for v in layer.state_dict().values()]


RNG_VALUES = {shape: RNG.standard_normal(shape) for _, shape in LAYERS.values()}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_train_and_eval_steps_as_torch(name):
    torch = needs_torch()
    transposed = name.startswith(("GroupNorm-4d", "InstanceNorm2d", "RMSNorm-two"))
    mine, theirs = _steps(tm, name, transposed), _steps(torch, name, transposed)
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_group_norm_needs_groups_that_divide_the_channels():
    with pytest.raises(ValueError, match=r"^num_channels \(6\) must be divisible by "
                                         r"num_groups \(4\)$"):
        nn.GroupNorm(4, 6)


@pytest.mark.parametrize("make,shape,message", [
    (lambda: nn.InstanceNorm1d(3), (2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
    (lambda: nn.InstanceNorm2d(3), (3, 4), "expected 3D or 4D input (got 2D input)"),
    (lambda: nn.InstanceNorm3d(3), (3, 4, 4), "expected 4D or 5D input (got 3D input)"),
    (lambda: nn.InstanceNorm1d(3, affine=True), (2, 4, 5),
     "expected input's size at dim=1 to match num_features (3), but got: 4."),
    (lambda: nn.InstanceNorm1d(3), (2, 3, 1), "Expected more than 1 spatial element when "
     "training, got input size torch.Size([2, 3, 1])"),
])
def test_instance_norm_checks(make, shape, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        make()(tm.ones(shape))


def test_instance_norm_warns_where_torch_warns():
    with pytest.warns(UserWarning, match=r"^input's size at dim=1 does not match num_features. "
                      "You can silence this warning by not passing in num_features, which is "
                      "not used because affine=False$") as record:
        nn.InstanceNorm1d(3)(tm.randn(2, 4, 5))
    assert record[0].filename == __file__  # attributed to the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(4)(tm.randn(2, 4, 5))


def test_instance_norm_running_statistics_serve_in_eval_only_when_tracked():
    x = tm.randn(2, 3, 4) * 3 + 1
    plain = nn.InstanceNorm1d(3).eval()  # no running statistics: the input's own, always
    np.testing.assert_allclose(np.asarray(plain(x)), np.asarray(nn.InstanceNorm1d(3)(x)))
    tracked = nn.InstanceNorm1d(3, track_running_stats=True)
    tracked(x)
    assert tracked.num_batches_tracked.item() == 0  # as torch: instance norm leaves it
    tracked.eval()
    mean, var = np.asarray(tracked.running_mean), np.asarray(tracked.running_var)
    expected = (np.asarray(x) - mean[:, None]) / np.sqrt(var[:, None] + 1e-5)
    np.testing.assert_allclose(np.asarray(tracked(x)), expected, rtol=1e-5, atol=1e-6)


def test_rms_norm_checks_the_trailing_shape():
    with pytest.raises(RuntimeError, match=re.escape(
            "Given normalized_shape=[4], expected input with shape [*4], but got input of "
            "size[2, 3]")):
        nn.RMSNorm(4)(tm.ones(2, 3))


@pytest.mark.parametrize("name", ["InstanceNorm3d-running-stats"])  # (the rest: functional)
def test_cuda_as_cpu(name):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    make, shape = LAYERS[name]
    x = RNG_VALUES[shape][:1].astype(np.float32)
    outs = []
    for device in ("cpu", "cuda"):
        layer = make(nn).to(device)
        xt = tm.tensor(x, device=device, requires_grad=True)
        out = layer(xt)
        out.sum().backward()
        outs.append([out.detach(), xt.grad] + [p.grad for p in layer.parameters()]
                    + list(layer.state_dict().values()))
    for a, b in zip(*outs):
        assert b.device.type == "cuda"
        np.testing.assert_allclose(np.asarray(b.cpu()), np.asarray(a), rtol=1e-4, atol=1e-5)
