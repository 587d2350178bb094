"""tm.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp against values worked
out by hand, and against torch."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch

Fn = tm.autograd.functional


def test_hand_worked_values():
    x = tm.tensor([1.0, 2.0], dtype=tm.float64)
    # f(x) = (x0 * x1, x0^2): J = [[x1, x0], [2 x0, 0]]
    f = lambda t: tm.stack([t[0] * t[1], t[0] * t[0]])  # noqa: E731
    assert Fn.jacobian(f, x).tolist() == [[2.0, 1.0], [2.0, 0.0]]
    out, vjp = Fn.vjp(f, x, tm.tensor([1.0, 1.0], dtype=tm.float64))
    assert out.tolist() == [2.0, 1.0] and vjp.tolist() == [4.0, 1.0]
    out, jvp = Fn.jvp(f, x, tm.tensor([1.0, 0.0], dtype=tm.float64))
    assert jvp.tolist() == [2.0, 2.0]
    # g(x) = x0^2 x1: H = [[2 x1, 2 x0], [2 x0, 0]]
    g = lambda t: t[0] * t[0] * t[1]  # noqa: E731
    assert Fn.hessian(g, x).tolist() == [[4.0, 2.0], [2.0, 0.0]]
    value, hv = Fn.hvp(g, x, tm.tensor([1.0, 1.0], dtype=tm.float64))
    assert value.item() == 2.0 and hv.tolist() == [6.0, 2.0]
    assert Fn.vhp(g, x, tm.tensor([1.0, 1.0], dtype=tm.float64))[1].tolist() == [6.0, 2.0]
    assert not Fn.jacobian(f, x).requires_grad  # create_graph=False: no graph


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_matches_torch_with_several_inputs(name):
    torch = needs_torch()
    x = np.array([[0.5, 1.0], [-0.3, 0.2]])
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    v = np.array([[0.1, 0.2], [0.3, -0.4]])
    results = []
    for L in (tm, torch):
        F = L.autograd.functional
        scalar = lambda a, b: (a.exp() * b).sum() + (a * b * b).sum()  # noqa: E731
        vector = lambda a, b: (a * a).sin() + a * b  # noqa: E731
        args = (L.tensor(x), L.tensor(y))
        vs = (L.tensor(v), L.tensor(v))
        if name == "jacobian":
            out = [t for row in F.jacobian(vector, args) for t in row]
        elif name == "hessian":
            out = [t for row in F.hessian(scalar, args) for t in row]
        elif name == "vjp":
            value, grads = F.vjp(vector, args, L.tensor(v))
            out = [value, *grads]
        elif name == "jvp":
            out = list(F.jvp(vector, args, vs))
        else:
            value, grads = getattr(F, name)(scalar, args, vs)
            out = [value, *grads]
        results.append([np.array(t.tolist()) for t in out])
    assert len(results[0]) == len(results[1])
    for a, b in zip(*results):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_bad_v_is_refused():
    with pytest.raises(RuntimeError, match="v has invalid size"):
        Fn.vjp(lambda t: t * 2, tm.ones(2), tm.ones(3))
    with pytest.raises(RuntimeError, match="single element"):
        Fn.hessian(lambda t: t * 2, tm.ones(2))
