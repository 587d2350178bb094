"""isclose, allclose, equal, isin, count_nonzero: results and errors against torch, and
isin against numpy over random values."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import expr_outcome, host, needs_torch

EXPRESSIONS = [
    'L.count_nonzero(L.tensor([[0, 1], [2, 0]]))',
    'L.count_nonzero(L.tensor([[0, 1], [2, 0]]), dim=0)',
    'L.isin(L.tensor([1, 2, 3]), L.tensor([2, 5]))',
    'L.isin(L.tensor([1, 2, 3]), 2, invert=True)',
    'L.isin(L.tensor([1., 2.]), L.tensor([2]))',
    'L.isin(3, L.tensor([2, 3]))',
    'L.allclose(L.tensor([1., 2]), L.tensor([1., 2.0000001]))',
    "L.isclose(L.tensor([1., float('nan')]), L.tensor([1.1, float('nan')]), rtol=0.2, equal_nan=True)",
    "L.isclose(L.tensor([float('inf'), -float('inf'), 1e-9]), L.tensor([float('inf'), float('inf'), 0.]))",
    'L.isclose(L.tensor([1, 2]), L.tensor([1, 3]))',
    'L.isclose(L.tensor([1., 2.]), L.tensor([1, 3]))',
    'L.allclose(L.ones(2), L.ones(3))',
    'L.isclose(L.ones(2), L.ones(2), rtol=-1)',
    'L.equal(L.tensor([1, 2]), L.tensor([1., 2]))',
    'L.equal(L.ones(2), L.ones(3))',
    "L.equal(L.tensor([float('nan')]), L.tensor([float('nan')]))",
]




@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_results_and_errors_match_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=20), st.lists(st.integers(-5, 5), max_size=8),
       st.booleans())
def test_isin_matches_numpy(elements, pool, invert):
    got = tm.isin(tm.tensor(elements, dtype=tm.int64), tm.tensor(pool, dtype=tm.int64),
                  invert=invert)
    np.testing.assert_array_equal(host(got), np.isin(elements, pool, invert=invert))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=1, max_size=10), st.floats(0, 1), st.floats(0, 1))
def test_isclose_matches_numpy(values, rtol, atol):
    a = np.array(values)
    b = a + np.linspace(-0.5, 0.5, a.size)
    got = tm.isclose(tm.tensor(a), tm.tensor(b), rtol=rtol, atol=atol)
    np.testing.assert_array_equal(host(got), np.isclose(a, b, rtol=rtol, atol=atol))
