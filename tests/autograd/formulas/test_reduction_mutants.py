"""Pin down formulas/reduction.py behaviour that a mutation audit found untested."""
import pytest

from oracle import same_as_torch


@pytest.mark.parametrize("reduce", [
    lambda lib, x: x.mean(), lambda lib, x: lib.mean(x, 1), lambda lib, x: x.sum(),
    lambda lib, x: x.prod(0), lambda lib, x: x.var(1), lambda lib, x: x.std(),
    lambda lib, x: x.amin(0), lambda lib, x: x.max(1)[0],
], ids=["mean", "mean-dim", "sum", "prod-dim", "var-dim", "std", "amin-dim", "max-dim"])
def test_reductions_of_tensors_requiring_grad_have_torchs_shape_and_gradient(reduce):
    # the derivative is called with the user's arguments: its defaults (keepdim) must be the op's
    def fn(lib):
        x = lib.tensor([[1., 2., 4.], [8., 16., 32.]], requires_grad=True)
        out = reduce(lib, x)
        out.sum().backward()
        return out, x.grad
    same_as_torch(fn)
