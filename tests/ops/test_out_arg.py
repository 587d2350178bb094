"""The out= keyword: values, dtypes, resizing (with torch's warning), and refusals, as
torch gives them."""
import warnings

import pytest

import tensorrt_mini as tm
from oracle import needs_torch

CALLS = [
    "L.add(L.ones(2), L.ones(2), out=L.empty(2))",
    "L.add(L.ones(2), L.ones(2), out=L.empty(2, dtype=L.int64))",
    "L.add(L.ones(2), L.ones(2), out=L.empty(2, dtype=L.float64))",
    "L.exp(L.zeros(2, 2).t(), out=L.empty(0))",
    "L.sum(L.ones(2, 3), 1, out=L.empty(2, dtype=L.float64))",
    "L.cat([L.ones(2), L.zeros(1)], out=L.empty(0))",
    "L.matmul(L.ones(2, 3), L.ones(3, 2), out=L.empty(2, 2))",
    "L.where(L.tensor([True, False]), L.ones(2), L.zeros(2), out=L.empty(2))",
    "L.cumsum(L.tensor([1, 2, 3]), 0, out=L.empty(3, dtype=L.int64))",
    "L.clamp(L.tensor([-2., 0.5, 3.]), -1, 1, out=L.empty(3))",
    "L.eq(L.ones(2), L.ones(2), out=L.empty(2, dtype=L.bool))",
    "L.exp(L.ones(2, requires_grad=True), out=L.empty(2))",
    "L.add(L.ones(2), L.ones(2), out=L.empty(3))",
]


def _outcome(lib, expr):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = repr(eval(expr, {"L": lib}))
        except Exception as e:  # the error is the result to compare
            result = f"{type(e).__name__}: {e}"
    # (torch's warnings end with where in its C++ they were raised)
    return result, [str(w.message).split(" (Triggered internally")[0] for w in caught]


@pytest.mark.parametrize("expr", CALLS)
def test_out_matches_torch(expr):
    torch = needs_torch()
    assert _outcome(tm, expr) == _outcome(torch, expr)


def test_out_is_written_and_returned():
    out = tm.empty(2, 2)
    storage = out.storage()
    result = tm.mul(tm.ones(2, 2), 3, out=out)
    assert result is out and out.storage() is storage and out.tolist() == [[3, 3], [3, 3]]
    values, indices = tm.empty(0), tm.empty(0, dtype=tm.int64)
    got = tm.sort(tm.tensor([3.0, 1.0, 2.0]), out=(values, indices))
    assert got.values is values and values.tolist() == [1, 2, 3] and indices.tolist() == [1, 2, 0]
