"""one_hot against torch: inferred and given class counts, shapes, the int64 result, torch's
errors, and a cuda case."""
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini.backends import cuda_runtime


@pytest.mark.parametrize("expr", [
    "F.one_hot(L.tensor([[1, 0], [3, 2]]))",
    "F.one_hot(L.tensor([1, 0, 2]), 5)",
    "F.one_hot(L.tensor(2))",
    "F.one_hot(L.arange(6).view(2, 3).t(), 6)",
    "F.one_hot(L.tensor([], dtype=L.int64), 3)",
    "F.one_hot(L.tensor([1, 2]).int())",
    "F.one_hot(L.tensor([1.0]))",
    "F.one_hot(L.tensor([], dtype=L.int64))",
    "F.one_hot(L.tensor([-1, 2]))",
    "F.one_hot(L.tensor([1, 3]), 3)",
    "F.one_hot(L.tensor([1, 3]), -2)",
    "F.one_hot(L.tensor([1, 2]), 0)",
])
def test_results_and_errors_as_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr, F=tm.nn.functional) == \
        expr_outcome(torch, expr, F=torch.nn.functional)


def test_cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    out = tm.nn.functional.one_hot(tm.tensor([2, 0, 1], device="cuda"))
    assert out.device.type == "cuda" and out.dtype is tm.int64
    assert out.cpu().tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
