"""Pin down layout.py behaviour that a mutation audit found untested."""
import pytest

from oracle import same_as_torch
from tensorrt_mini import layout as L


@pytest.mark.parametrize("dim", [None, (), [], 1, -1, (0, -1), [2, 0]], ids=repr)
def test_reduction_dims_as_torch_reads_them(dim):
    # None, () and [] all mean every dim; an int or a sequence names dims, negative ones too
    same_as_torch("lib.arange(24.).reshape(2, 3, 4).sum(dim)", dim=dim)


def test_reduced_dims_are_sorted_and_a_0d_tensor_has_none():
    assert L.reduced_dims([2, 0], 3) == (0, 2)
    assert L.reduced_dims(None, 0) == () and L.reduced_dims(-1, 0) == ()
