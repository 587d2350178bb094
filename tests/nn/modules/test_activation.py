"""The activation modules against torch's: reprs, options, outputs and gradients (the
functional forms they call are tested in tests/nn/functional/test_activations.py), PReLU's
learnt weight, RReLU's training and eval modes, and in-place modules."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch, same_as_torch
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime

MODULES = [
    "ReLU()", "ReLU(inplace=True)", "ReLU6()", "ReLU6(inplace=True)", "LeakyReLU()",
    "LeakyReLU(0.2, True)", "PReLU()", "PReLU(4, 0.1)", "RReLU()", "RReLU(0.1, 0.3, True)",
    "ELU()", "ELU(2.0, True)", "SELU()", "SELU(True)", "CELU()", "CELU(2.0, True)", "GELU()",
    "GELU('tanh')", "SiLU()", "SiLU(True)", "Mish()", "Mish(True)", "Softplus()",
    "Softplus(2, 10)", "Softsign()", "Hardtanh()", "Hardtanh(-2, 3, True)", "Hardsigmoid()",
    "Hardsigmoid(True)", "Hardswish()", "Hardswish(True)", "Tanh()", "Tanhshrink()",
    "Softshrink()", "Softshrink(1)", "Hardshrink()", "Hardshrink(0.25)",
    "Threshold(0.1, 20.0)", "Threshold(1, 2, True)", "Sigmoid()", "LogSigmoid()", "Softmax()",
    "Softmax(1)", "LogSoftmax(1)", "Softmin(1)", "Softmax2d()", "GLU()", "GLU(1)",
]


@pytest.mark.parametrize("make", MODULES)
def test_repr_and_options_as_torch(make):
    torch = needs_torch()
    mine, theirs = eval(make, {}, vars(nn)), eval(make, {}, vars(torch.nn))
    assert repr(mine) == repr(theirs)
    options = ("inplace", "negative_slope", "min_val", "max_val", "alpha", "beta", "threshold",
               "value", "lambd", "lower", "upper", "dim", "approximate", "num_parameters",
               "init")
    for name in options:
        assert getattr(mine, name, None) == getattr(theirs, name, None), name
    assert list(mine.state_dict()) == list(theirs.state_dict())


# one constructor per class (the last without inplace): the options' values are the
# functional forms' table's
FORWARD = list({m.split("(")[0]: m for m in MODULES if "True" not in m}.values())


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")  # (torch's, for Softmax())
@pytest.mark.parametrize("make", FORWARD)
def test_forward_and_backward_as_torch(make):
    torch = needs_torch()
    x = np.random.default_rng(0).standard_normal((2, 4, 2, 2)) * 3
    mine, theirs = eval(make, {}, vars(nn)), eval(make, {}, vars(torch.nn))
    mine.eval(), theirs.eval()  # (RReLU's training draws are tested on their own)
    xm = tm.tensor(x, dtype=tm.float32, requires_grad=True)
    xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y, yt = mine(xm), theirs(xt)
    np.testing.assert_allclose(np.asarray(y.detach()), yt.detach().numpy(), rtol=2e-6, atol=5e-7)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape))
    y.backward(tm.tensor(g, dtype=tm.float32))
    yt.backward(torch.tensor(g, dtype=torch.float32))
    np.testing.assert_allclose(np.asarray(xm.grad), xt.grad.numpy(), rtol=2e-6, atol=1e-6)
    for (name, p), (_, pt) in zip(mine.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(np.asarray(p.grad), pt.grad.numpy(), rtol=2e-6, atol=1e-6,
                                   err_msg=name)


@pytest.mark.parametrize("make", [m for m in MODULES if "True" in m])
def test_in_place_modules_write_their_input(make):
    torch = needs_torch()
    x = np.random.default_rng(2).standard_normal((3, 4)) * 4
    mine, theirs = eval(make, {}, vars(nn)), eval(make, {}, vars(torch.nn))
    mine.eval(), theirs.eval()
    xm, xt = tm.tensor(x, dtype=tm.float32), torch.tensor(x, dtype=torch.float32)
    assert mine(xm) is xm
    theirs(xt)
    np.testing.assert_allclose(np.asarray(xm), xt.numpy(), rtol=2e-6, atol=5e-7)


def test_prelu_weight_is_a_parameter_filled_with_init_and_learns_per_channel():
    torch = needs_torch()
    m = nn.PReLU(3, init=0.1, dtype=tm.float64)
    assert isinstance(m.weight, nn.Parameter) and m.weight.shape == (3,)
    assert m.weight.dtype is tm.float64 and m.weight.tolist() == [0.1] * 3
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    mt = torch.nn.PReLU(3, init=0.1, dtype=torch.float64)
    w = np.array([0.1, -0.4, 0.7])
    with tm.no_grad():
        m.weight.copy_(tm.tensor(w))
    with torch.no_grad():
        mt.weight.copy_(torch.tensor(w))
    x = np.random.default_rng(3).standard_normal((2, 3, 5))
    y, yt = m(tm.tensor(x)), mt(torch.tensor(x))
    np.testing.assert_allclose(np.asarray(y.detach()), yt.detach().numpy(), rtol=1e-12)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(np.asarray(m.weight.grad), mt.weight.grad.numpy(), rtol=1e-12)
    m.reset_parameters()
    assert m.weight.tolist() == [0.1] * 3


def test_rrelu_draws_slopes_in_training_and_uses_their_mean_in_eval():
    torch = needs_torch()
    x = np.linspace(-4, 4, 24).reshape(4, 6)
    m, mt = nn.RReLU(0.1, 0.5), torch.nn.RReLU(0.1, 0.5)
    tm.manual_seed(7)
    torch.manual_seed(7)
    y, yt = m(tm.tensor(x)), mt(torch.tensor(x))
    np.testing.assert_allclose(np.asarray(y), yt.numpy(), rtol=1e-12)
    slopes = (np.asarray(y) / x)[x < 0]
    assert 0.1 <= slopes.min() and slopes.max() <= 0.5 and len(set(slopes.round(12))) > 1
    m.eval()
    np.testing.assert_allclose(np.asarray(m(tm.tensor(x))), np.where(x > 0, x, 0.3 * x),
                               rtol=1e-12)


def test_errors_as_torch():
    same_as_torch(lambda lib: lib.nn.Hardtanh(1.0, -1.0))
    same_as_torch(lambda lib: lib.nn.Softmax2d()(lib.ones(2, 3)))
    same_as_torch(lambda lib: lib.nn.PReLU(2)(lib.ones(2, 3)))
    same_as_torch(lambda lib: lib.nn.GLU()(lib.ones(2, 3)))


cuda_only = pytest.mark.skipif(not cuda_runtime.is_available(),
                               reason=f"cuda unavailable: {cuda_runtime.unavailable()}")


@cuda_only
def test_prelu_and_rrelu_on_cuda():
    x = np.array([[-2.0, -0.5, 0.0, 1.5], [3.0, -1.0, 0.25, -4.0]])
    m = nn.PReLU(4, device="cuda")
    xc = tm.tensor(x, dtype=tm.float32, device="cuda", requires_grad=True)
    y = m(xc)
    y.sum().backward()
    assert y.device.type == m.weight.grad.device.type == "cuda"
    np.testing.assert_allclose(np.asarray(y.detach().cpu()), np.where(x > 0, x, 0.25 * x))
    np.testing.assert_allclose(np.asarray(m.weight.grad.cpu()), np.where(x > 0, 0, x).sum(0))
    np.testing.assert_allclose(np.asarray(xc.grad.cpu()), np.where(x > 0, 1.0, 0.25))
    r = nn.RReLU(0.1, 0.5)
    xc = tm.tensor(x, dtype=tm.float32, device="cuda", requires_grad=True)
    y = r(xc * 1)
    y.sum().backward()
    slopes = np.asarray(xc.grad.cpu())
    assert np.all(slopes[x > 0] == 1)
    assert 0.1 <= slopes[x <= 0].min() and slopes[x <= 0].max() <= 0.5
    np.testing.assert_allclose(np.asarray(y.detach().cpu()), x * slopes, rtol=1e-6)
