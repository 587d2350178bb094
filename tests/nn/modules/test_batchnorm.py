"""BatchNorm1d/2d/3d: reprs, buffers and state_dict as torch's, running statistics over
training steps (momentum, momentum None, track_running_stats False), train and eval,
gradients, input checks, and a state_dict round trip with torch."""
import re

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(1)

REPRS = [
    (lambda: nn.BatchNorm2d(64),
     "BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, bias=True, "
     "track_running_stats=True)"),
    (lambda: nn.BatchNorm1d(3, eps=1e-3, momentum=None, affine=False,
                            track_running_stats=False),
     "BatchNorm1d(3, eps=0.001, momentum=None, affine=False, bias=False, "
     "track_running_stats=False)"),
    (lambda: nn.BatchNorm3d(2, bias=False),
     "BatchNorm3d(2, eps=1e-05, momentum=0.1, affine=True, bias=False, "
     "track_running_stats=True)"),
]


@pytest.mark.parametrize("make,text", REPRS, ids=[t for _, t in REPRS])
def test_repr_as_torch_prints_it(make, text):
    assert repr(make()) == text


def test_buffers_and_state_dict_as_torchs():
    bn = nn.BatchNorm2d(3)
    state = bn.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var",
                           "num_batches_tracked"]
    assert [state[k].dtype for k in state] == [tm.float32] * 4 + [tm.int64]
    assert state["num_batches_tracked"].shape == ()
    assert state["running_var"].tolist() == [1.0] * 3 and bn.weight.requires_grad
    assert list(nn.BatchNorm1d(3, affine=False).state_dict()) == [
        "running_mean", "running_var", "num_batches_tracked"]
    plain = nn.BatchNorm1d(3, track_running_stats=False)
    assert list(plain.state_dict()) == ["weight", "bias"]
    assert plain.running_mean is None and plain.num_batches_tracked is None
    double = nn.BatchNorm1d(2, dtype=tm.float64).double()
    assert double.running_mean.dtype is tm.float64
    assert double.num_batches_tracked.dtype is tm.int64


def _train(lib, make, shapes, steps=3):
    """The layer after `steps` training calls on shifted inputs, then one in eval mode:
    (train outputs, eval output, state)."""
    layer = make(lib.nn)
    outs = []
    for step in range(steps):
        x = lib.tensor(RNG_INPUTS[shapes][step])
        outs.append(np.asarray(layer(x).detach()))
    layer.eval()
    outs.append(np.asarray(layer(lib.tensor(RNG_INPUTS[shapes][0])).detach()))
    return outs, {k: np.asarray(v) for k, v in layer.state_dict().items()}


RNG_INPUTS = {shape: [(RNG.standard_normal(shape) * (step + 1) + step).astype(np.float32)
                      for step in range(3)]
              for shape in [(4, 3), (2, 3, 5), (2, 3, 2, 2), (2, 3, 2, 1, 2)]}


@pytest.mark.parametrize("make,shape", [
    (lambda nn_: nn_.BatchNorm1d(3), (4, 3)),
    (lambda nn_: nn_.BatchNorm1d(3, momentum=None), (2, 3, 5)),
    (lambda nn_: nn_.BatchNorm2d(3, momentum=0.3, affine=False), (2, 3, 2, 2)),
    (lambda nn_: nn_.BatchNorm2d(3, track_running_stats=False), (2, 3, 2, 2)),
    (lambda nn_: nn_.BatchNorm3d(3, eps=0.1), (2, 3, 2, 1, 2)),
], ids=["1d", "momentum-None", "2d-no-affine", "no-running-stats", "3d"])
def test_training_steps_then_eval_as_torch(make, shape):
    torch = needs_torch()
    mine, my_state = _train(tm, make, shape)
    theirs, their_state = _train(torch, make, shape)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert list(my_state) == list(their_state)
    for k in my_state:
        assert my_state[k].dtype == their_state[k].dtype, k
        np.testing.assert_allclose(my_state[k], their_state[k], rtol=1e-5, atol=1e-6)


def test_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm1d(1, momentum=None)
    for values in ([1.0, 3.0], [5.0, 7.0], [0.0, 0.0]):
        bn(tm.tensor(values).view(2, 1))
    assert bn.num_batches_tracked.item() == 3
    np.testing.assert_allclose(np.asarray(bn.running_mean), [(2 + 6 + 0) / 3])
    np.testing.assert_allclose(np.asarray(bn.running_var), [(2 + 2 + 0) / 3])


def test_eval_uses_running_statistics_and_leaves_them():
    bn = nn.BatchNorm1d(2)
    bn.running_mean.copy_(tm.tensor([1.0, -1.0]))
    bn.running_var.copy_(tm.tensor([4.0, 0.25]))
    bn.eval()
    out = bn(tm.tensor([[3.0, 0.0], [1.0, -1.5]]))
    np.testing.assert_allclose(np.asarray(out.detach()),
                               [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(0.25 + 1e-5)],
                                [0.0, -0.5 / np.sqrt(0.25 + 1e-5)]], rtol=1e-6)
    assert bn.num_batches_tracked.item() == 0 and bn.running_mean.tolist() == [1.0, -1.0]
    with pytest.raises(ValueError, match="got input size"):  # training: batch statistics
        bn.train()(tm.ones(1, 2))
    assert bn.eval()(tm.ones(1, 2)).shape == (1, 2)  # eval takes one value per channel


def test_gradients_in_train_and_eval_as_torch():
    torch = needs_torch()
    x = RNG_INPUTS[2, 3, 2, 2][1]

    def grads(lib, train):
        bn = lib.nn.BatchNorm2d(3)
        with lib.no_grad():
            bn.weight.copy_(lib.tensor([0.5, -2.0, 1.5]))
            bn.running_var.copy_(lib.tensor([2.0, 0.5, 1.0]))
        bn.train(train)
        xt = lib.tensor(x.transpose(0, 3, 2, 1).copy()).permute(0, 3, 2, 1).requires_grad_()
        out = bn(xt)
        (out * lib.arange(out.numel(), dtype=lib.float32).view(out.shape)).sum().backward()
        return [np.asarray(t) for t in (out.detach(), xt.grad, bn.weight.grad, bn.bias.grad)]
    for train in (True, False):
        for a, b in zip(grads(tm, train), grads(torch, train)):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("make,shape,message", [
    (lambda: nn.BatchNorm2d(3), (2, 3, 4), "expected 4D input (got 3D input)"),
    (lambda: nn.BatchNorm1d(3), (2, 3, 1, 1), "expected 2D or 3D input (got 4D input)"),
    (lambda: nn.BatchNorm3d(3), (2, 3, 1, 1), "expected 5D input (got 4D input)"),
    (lambda: nn.BatchNorm2d(3), (1, 3, 1, 1), "Expected more than 1 value per channel when "
     "training, got input size torch.Size([1, 3, 1, 1])"),
])
def test_input_checks(make, shape, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        make()(tm.ones(shape))


def test_wrong_channel_count():
    with pytest.raises(RuntimeError, match="^running_mean should contain 4 elements not 3$"):
        nn.BatchNorm2d(3)(tm.ones(2, 4, 2, 2))


def test_state_dict_round_trip_with_torch():
    torch = needs_torch()
    theirs = torch.nn.BatchNorm2d(3, momentum=None)
    for x in RNG_INPUTS[2, 3, 2, 2]:
        theirs(torch.tensor(x))
    mine = nn.BatchNorm2d(3, momentum=None)
    mine.load_state_dict({k: tm.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert mine.num_batches_tracked.item() == 3
    back = torch.nn.BatchNorm2d(3, momentum=None)
    back.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in
                          mine.state_dict().items()})
    for k, v in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[k], v), k
    x = RNG_INPUTS[2, 3, 2, 2][0]
    for layer_mine, layer_theirs in ((mine.eval(), theirs.eval()), (mine.train(), theirs.train())):
        np.testing.assert_allclose(np.asarray(layer_mine(tm.tensor(x)).detach()),
                                   layer_theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    for k, v in theirs.state_dict().items():  # the fourth step's averages
        np.testing.assert_allclose(np.asarray(mine.state_dict()[k]), v.numpy(), rtol=1e-6,
                                   atol=1e-7)


def test_cuda_training_step():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    x = RNG_INPUTS[2, 3, 2, 2][0][:, :, :1]
    cpu, cuda = nn.BatchNorm2d(3), nn.BatchNorm2d(3).cuda()
    for train in (True, False):
        outs = [layer.train(train)(tm.tensor(x, device=device))
                for layer, device in ((cpu, "cpu"), (cuda, "cuda"))]
        np.testing.assert_allclose(np.asarray(outs[1].detach().cpu()),
                                   np.asarray(outs[0].detach()), rtol=1e-5, atol=1e-6)
    outs[1].sum().backward()
    assert cuda.weight.grad.device.type == "cuda"
    for k, v in cpu.state_dict().items():
        np.testing.assert_allclose(np.asarray(cuda.state_dict()[k].cpu()), np.asarray(v),
                                   rtol=1e-5, atol=1e-7)
