"""parameters_to_vector and vector_to_parameters against PyTorch."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import outcome
from tensorrt_mini import nn
from tensorrt_mini.nn import utils


def test_round_trip_shares_memory_like_torch():
    ps = [nn.Parameter(tm.ones(2, 3).t()), nn.Parameter(tm.zeros(2))]  # one transposed
    v = utils.parameters_to_vector(ps)
    assert v.shape == (8,) and v.tolist() == [1.0] * 6 + [0.0] * 2
    new = tm.arange(8.0)
    utils.vector_to_parameters(new, ps)
    assert ps[0].shape == (3, 2) and ps[0].tolist() == [[0, 1], [2, 3], [4, 5]]
    assert ps[1].data_ptr() == new.data_ptr() + 6 * 4  # a view of the vector, as in torch
    assert isinstance(ps[0], nn.Parameter) and ps[0].requires_grad


def test_errors_as_torch():
    torch = pytest.importorskip("torch")
    for expr in ["U.parameters_to_vector(3)", "U.vector_to_parameters([1], [L.zeros(1)])"]:
        assert outcome(tm, lambda: eval(expr, {"L": tm, "U": utils})) == \
            outcome(torch, lambda: eval(expr, {"L": torch, "U": torch.nn.utils}))


def test_parameters_to_vector_is_differentiable():
    p = nn.Parameter(tm.ones(3))
    (utils.parameters_to_vector([p]) * tm.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(np.asarray(p.grad), [1.0, 2.0, 3.0])
