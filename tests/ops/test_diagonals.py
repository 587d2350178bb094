"""diag, diag_embed, diagflat, trace, tril_indices and triu_indices: values, dtypes,
strides and errors against torch and numpy, and the cuda device against the cpu."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from oracle import assert_values, same_as_torch


@pytest.mark.parametrize("expr", [
    "lib.diag(lib.arange(3.), 1)",
    "lib.diag(lib.arange(3), -2)",
    "lib.diag(lib.arange(12.).reshape(3, 4), 1)",
    "lib.diag(lib.arange(12.).reshape(3, 4).t(), -1)",
    "lib.diag(lib.ones(2, 2, 2))",
    "lib.diag(lib.tensor(1.))",
    "lib.diag_embed(lib.arange(6.).reshape(2, 3))",
    "lib.diag_embed(lib.arange(6.).reshape(2, 3), 1, 0, 2)",
    "lib.diag_embed(lib.arange(6.).reshape(2, 3), -1, 2, 0)",
    "lib.diag_embed(lib.ones(3), 0, 0, 0)",
    "lib.diag_embed(lib.ones(0, 2))",
    "lib.diagflat(lib.arange(4.).reshape(2, 2), 1)",
    "lib.diagflat(lib.arange(3), -1)",
    "lib.trace(lib.arange(12.).reshape(3, 4))",
    "lib.trace(lib.arange(6, dtype=lib.int32).reshape(2, 3))",
    "lib.trace(lib.ones(2, 2, 2))",
    "lib.trace(lib.ones(2, 2, dtype=lib.bool))",
    "lib.arange(4.).reshape(2, 2).t().trace()",
    "lib.tril_indices(3, 4, 1)",
    "lib.tril_indices(4, 3, -1, dtype=lib.int32)",
    "lib.tril_indices(3, 4, dtype=lib.float32)",
    "lib.tril_indices(-1, 4)",
    "lib.triu_indices(3, 4, -1)",
    "lib.triu_indices(0, 4)",
    "lib.triu_indices(5, 2, 1)",
])
def test_matches_torch(expr):
    same_as_torch(expr)


def test_values_against_numpy():
    a = np.random.default_rng(0).standard_normal((2, 3))
    x = tm.tensor(a)
    assert_values(tm.diag_embed(x, 1), np.stack([np.diag(r, 1) for r in a]))
    assert_values(tm.diag_embed(x.t(), -1, 0, 2), np.stack([np.diag(r, -1) for r in a.T], 1))
    assert_values(tm.diag(x.t(), 1), np.diag(a.T, 1))
    assert_values(tm.diagflat(x.t()), np.diagflat(a.T))
    assert_values(tm.trace(x.t()), np.trace(a.T))
    assert_values(tm.tril_indices(4, 5, 1), np.stack(np.tril_indices(4, 1, 5)), dtype=tm.int64)
    assert_values(tm.triu_indices(4, 5, -2), np.stack(np.triu_indices(4, -2, 5)), dtype=tm.int64)


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    a = np.arange(6.0).reshape(2, 3)
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor(a, device=device)
        results.append([np.asarray(t.cpu()) for t in (
            tm.diag_embed(x, 1), tm.diag(x, -1), tm.diagflat(x), tm.trace(x),
            tm.tril_indices(3, 2, device=device), tm.triu_indices(2, 3, 1, device=device))])
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_array_equal(got, expected)
