"""Reductions' dtypes and refusals against torch (values are covered by the kernels'
tests and the autograd suite)."""
import pytest

from oracle import same_as_torch


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
