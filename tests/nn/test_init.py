"""nn.init: bounds and statistics follow PyTorch's fan and gain rules."""
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.nn import init


def test_kaiming_uniform_bound():
    w = tm.empty(200, 50, requires_grad=True)
    init.kaiming_uniform_(w, a=math.sqrt(5))
    bound = math.sqrt(3.0) * math.sqrt(2.0 / (1 + 5)) / math.sqrt(50)  # = 1/sqrt(fan_in)
    v = np.asarray(w.detach())
    assert v.max() <= bound and v.min() >= -bound and v.max() > 0.9 * bound
    assert w.is_leaf and w.requires_grad


def test_xavier_uniform_bound():
    w = tm.empty(30, 70)
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / 100)
    v = np.asarray(w)
    assert v.max() <= bound and v.min() >= -bound and v.max() > 0.9 * bound


def test_normal_zeros_ones_uniform_constant():
    w = tm.empty(100, 100)
    init.normal_(w, mean=1.0, std=0.5)
    v = np.asarray(w)
    assert abs(v.mean() - 1.0) < 0.02 and abs(v.std() - 0.5) < 0.02
    assert init.zeros_(w) is w and not np.asarray(w).any()
    init.ones_(w)
    assert (np.asarray(w) == 1).all()
    init.uniform_(w, -0.1, 0.2)
    assert np.asarray(w).min() >= -0.1 and np.asarray(w).max() < 0.2
    init.constant_(w, 3.0)
    assert (np.asarray(w) == 3).all()


def test_gain_and_fan_errors():
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("tanh") == 5.0 / 3
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with "
                                         "fewer than 2 dimensions"):
        init.kaiming_uniform_(tm.empty(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_initialisers_do_not_record_a_graph():
    w = tm.empty(3, 3, requires_grad=True)
    init.kaiming_uniform_(w)
    init.zeros_(w)
    assert w.grad_fn is None and w.is_leaf


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_initialisers_draw_torchs_values(dtype):
    torch = pytest.importorskip("torch")
    fns = [("uniform_", (-0.5, 2.0)), ("normal_", (0.1, 3.0)), ("kaiming_uniform_", ()),
           ("kaiming_normal_", ()), ("xavier_uniform_", ()), ("xavier_normal_", ())]
    for name, args in fns:
        for shape in ((3, 4), (20, 30), (8, 3, 5, 5)):
            tm.manual_seed(2)
            torch.manual_seed(2)
            a = getattr(tm.nn.init, name)(tm.empty(*shape, dtype=getattr(tm, dtype)), *args)
            b = getattr(torch.nn.init, name)(torch.empty(*shape, dtype=getattr(torch, dtype)),
                                             *args)
            np.testing.assert_array_equal(np.asarray(a), b.numpy())
    tm.manual_seed(0)
    torch.manual_seed(0)
    mine, theirs = tm.nn.Linear(30, 20), torch.nn.Linear(30, 20)
    np.testing.assert_array_equal(np.asarray(mine.weight.detach()), theirs.weight.detach().numpy())
    np.testing.assert_array_equal(np.asarray(mine.bias.detach()), theirs.bias.detach().numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_trunc_normal_draws_torchs_values(dtype):
    torch = pytest.importorskip("torch")
    # [a, b] holding most of the mass: redrawn normals; little of it: accepted uniforms
    for args in [(), (0.5, 2.0, -1.0, 3.0), (0.0, 0.02, -0.04, 0.04), (0.0, 1.0, 2.0, 3.0)]:
        for shape in ((5, 4), (300, 20)):
            tm.manual_seed(3)
            torch.manual_seed(3)
            a = tm.nn.init.trunc_normal_(tm.empty(*shape, dtype=getattr(tm, dtype)), *args)
            b = torch.nn.init.trunc_normal_(torch.empty(*shape, dtype=getattr(torch, dtype)), *args)
            np.testing.assert_array_equal(np.asarray(a), b.numpy())
    with pytest.warns(UserWarning, match="more than 2 std"):
        tm.nn.init.trunc_normal_(tm.empty(3), mean=10.0)


def test_structured_initialisers_give_torchs_values():
    torch = pytest.importorskip("torch")
    cases = [("eye_", (3, 5), ()), ("dirac_", (4, 2, 3), (2,)), ("dirac_", (3, 3, 3, 3), ()),
             ("dirac_", (2, 4, 1, 3, 3), ()), ("orthogonal_", (5, 3), ()),
             ("orthogonal_", (3, 5), (2.0,)), ("orthogonal_", (4, 2, 3), ()),
             ("sparse_", (6, 4), (0.5,)), ("sparse_", (5, 3), (0.1, 1.0))]
    for name, shape, args in cases:
        tm.manual_seed(4)
        torch.manual_seed(4)
        a = getattr(tm.nn.init, name)(tm.empty(*shape), *args)
        b = getattr(torch.nn.init, name)(torch.empty(*shape), *args)
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}{shape}{args}")


def test_orthogonal_rows_or_columns_are_orthonormal_in_any_layout():
    w = tm.empty(6, 4).t()  # a transposed (4, 6) view: rows orthonormal
    init.orthogonal_(w)
    np.testing.assert_allclose(np.asarray(w) @ np.asarray(w).T, np.eye(4), atol=1e-5)
    assert init.orthogonal_(tm.empty(0, 3)).shape == (0, 3)


def test_structured_initialiser_errors_and_deprecated_aliases():
    for fn, shape, args, message in [
            (init.eye_, (2,), (), "Only tensors with 2 dimensions are supported"),
            (init.dirac_, (2, 2), (), "Only tensors with 3, 4, or 5 dimensions are supported"),
            (init.dirac_, (3, 2, 2), (2,), "dim 0 must be divisible by groups"),
            (init.orthogonal_, (3,), (), "Only tensors with 2 or more dimensions are supported"),
            (init.sparse_, (3,), (0.1,), "Only tensors with 2 dimensions are supported")]:
        with pytest.raises(ValueError, match=message):
            fn(tm.empty(*shape), *args)
    with pytest.warns(FutureWarning, match=r"`nn.init.xavier_uniform` is now deprecated in "
                      r"favor of `nn.init.xavier_uniform_`"):
        w = init.xavier_uniform(tm.zeros(3, 3))
    assert np.abs(np.asarray(w)).max() > 0
