"""torch's other spellings of tm.linalg functions (linalg_spellings.py): tm.norm and
Tensor.norm, matrix_power, slogdet, logdet, pinverse and the in-place products, against
torch."""
import numpy as np
import pytest

import tensorrt_mini as tm
from linalg_inputs import matrices, spd
from oracle import needs_torch


@pytest.mark.parametrize("expr", [
    "lib.norm(m)", "m.norm(dim=1)", "m.norm(p=1, dim=(0, 1), keepdim=True)",
    "m.norm(p=float('inf'))", "m.norm(p='nuc')", "lib.norm(m, 'fro', dim=0)",
    "lib.matrix_power(s, 2)", "s.matrix_power(-1)", "s.slogdet().logabsdet", "lib.slogdet(-s)[0]",
    "lib.logdet(s)", "(-s[:1, :1]).logdet()", "lib.logdet(lib.zeros(2, 2))",
    "lib.pinverse(m)", "m.pinverse(rcond=0.5)",
    "m[:, :2].clone().addmm_(m, m.t()[:, :2], beta=0.5)", "m[0].clone().addmv_(m, m[1], alpha=2)",
    "m.clone().addr_(m[:, 0], m[0])",
    "m.expand(2, 3, 3).clone().baddbmm_(m.expand(2, 3, 3), m.expand(2, 3, 3))",
])
def test_torch_spellings_match_torch(expr):
    torch = needs_torch()
    values = matrices(3, 3), spd(3)
    got, want = (eval(expr, {"lib": lib, "m": lib.tensor(values[0]), "s": lib.tensor(values[1])})
                 for lib in (tm, torch))
    assert (tuple(got.shape), str(got.dtype).split(".")[-1]) == \
        (tuple(want.shape), str(want.dtype).split(".")[-1])
    np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-10, atol=1e-12)


def test_in_place_products_are_differentiable():
    torch = needs_torch()
    a = matrices(3, 3)
    grads = []
    for lib in (tm, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x * 1
        y.addmm_(x, x.t(), beta=0.5, alpha=2).sum().backward()
        grads.append(np.asarray(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
