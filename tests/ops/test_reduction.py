"""Reductions' dtypes and refusals against torch (values are covered by the kernels'
tests and the autograd suite)."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch, same_as_torch


@pytest.mark.parametrize("expr", [
    "lib.tensor([1, 0], dtype=lib.uint8).all()",
    "lib.tensor([[1, 0], [2, 3]], dtype=lib.uint8).any(0)",
    "lib.tensor([[1, 0], [2, 3]], dtype=lib.uint8).all(1, keepdim=True)",
    "lib.tensor([1, 0], dtype=lib.int32).all()",
    "lib.tensor([True, False]).argmax()",
    "lib.tensor([[True, False]]).argmin(1)",
])
def test_all_any_keep_uint8_and_arg_reductions_refuse_bool(expr):
    same_as_torch(expr)


def test_argmax_of_an_empty_tensor_without_a_dim_is_an_index_error():
    same_as_torch("lib.argmax(lib.zeros(0, 3))")


@pytest.mark.parametrize("expr", [
    "lib.ones(0).amax()",
    "lib.ones(0, 2).amax()",
    "lib.ones(0).amin(dim=())",
    "lib.ones(2, 0).amax(0)",
    "lib.ones(2, 0).amax(1)",
])
def test_extremes_of_empty_tensors_raise_as_torch(expr):
    same_as_torch(expr)


def test_var_and_std_with_n_equal_to_the_correction():
    """Mutation audit: torch gives nan (var), inf (std of two with correction 2) and nan
    gradients, never a ZeroDivisionError."""
    def var(lib):
        x = lib.tensor([1.], requires_grad=True)
        v = x.var()
        v.backward()
        return v, x.grad

    def std(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        s = x.std(correction=2)
        s.backward()
        return s, x.grad
    same_as_torch(var)
    same_as_torch(std)


@pytest.mark.parametrize("expr", [
    "lib.any(lib.ones(2, 3), ())",  # all/any over no dims: each element's truth
    "lib.all(lib.tensor([0, 2], dtype=lib.uint8), ())",
    "lib.any(lib.tensor([0., 2.]), [])",
    "lib.any(lib.ones(0), ())",
    "lib.sum(lib.ones(2, 3), ())",  # the other reductions take () as every dim
])
def test_reductions_over_an_empty_dim_list_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", ["lib.zeros(2, 0, 3).amin((1, 1))",
                                  "lib.zeros(2, 0, 3).amax((0, 0))"])
def test_an_empty_reduction_dim_is_checked_before_repeats_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("shape", [(1000,), (37, 100), (300, 301), (5, 6, 7)])
def test_float_sum_and_mean_print_torchs_digits(shape):
    """The backend sends float sums (whole-tensor ones too) through torch's order: bit
    for bit, on contiguous and transposed inputs (the order is the kernels' tests')."""
    torch = needs_torch()
    data = (np.random.default_rng(0).standard_normal(shape) * 100).astype(np.float32)
    for lib, x in ((tm, tm.tensor(data)), (torch, torch.from_numpy(data))):
        xs = [x, x.transpose(0, -1)]
        got = [r for y in xs for r in (y.sum(), y.mean(), y.sum(0), y.mean(-1),
                                       y.sum(tuple(range(y.dim()))), y.sum(dtype=lib.float64))]
        if lib is tm:
            mine = [np.array(r) for r in got]
        else:
            theirs = [r.numpy() for r in got]
    for a, b in zip(mine, theirs):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
