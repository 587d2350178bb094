"""Sorting, selection, searching and counting: values against numpy over random layouts;
results (values, indices, dtypes, strides' layout), errors and gradients against torch;
the cuda device (simulated in CI) against the cpu."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import expr_outcome, host, needs_torch, weighted_grads
from view_strategies import layouts
from tensorrt_mini.backends import cuda_runtime

EXPRESSIONS = [
    "L.sort(L.tensor([0.0, -0.0, float('nan'), -float('nan'), 1.0, -0.0, -float('inf')]))",
    "L.sort(L.tensor([0.0, -0.0, float('nan'), -float('nan'), 1.0, -0.0, -float('inf')]), "
    "descending=True)",
    "L.sort(L.tensor([[2, -1, 2], [-128, 127, 0]], dtype=L.int8), 1, descending=True)",
    "L.sort(L.tensor([[True, False, True]]), 1)",
    "L.sort(L.tensor([3., 1, 2, 1], dtype=L.float64), descending=True)",
    # (torch's indices among ties come from its selection algorithm: values only)
    "L.topk(L.tensor([1, 3, 3, 2, 3]), 2)[0]",
    "L.topk(L.tensor([1., 3, 3, 2, 3]), 3, largest=False)[0]",
    "L.topk(L.tensor([1., 3, 3, 2, 3], dtype=L.float64), 2)[0]",
    "L.topk(L.tensor([[1., 3], [3, 2]]).t(), 2, dim=1)", "L.topk(L.tensor([1., 2]), 0)",
    "L.topk(L.tensor([float('nan'), 1., float('nan')]), 2)",
    "L.sort(L.tensor([3., 1., float('nan'), 1., 2.]))",
    "L.sort(L.tensor([3., 1., float('nan'), 1., 2.]), descending=True)",
    'L.sort(L.tensor([[3, 1, 2], [0, 5, 5]]).t(), 0)',
    'L.sort(L.tensor([[3, 1, 2], [0, 5, 5]]), dim=1, descending=True, stable=True)',
    'L.sort(L.tensor(5.))',
    'L.sort(L.tensor([]))',
    'L.sort(L.tensor([[3, 1], [0, 2]]).t(), 1)[0].stride()',
    'L.argsort(L.tensor([2, 0, 1, 0]), descending=True)',
    'L.msort(L.tensor([[3, 1], [0, 2]]))',
    'L.topk(L.tensor([1., 5, 3, 4]), 2)',
    'L.topk(L.tensor([1., 5, 3, 4]), 2, largest=False)',
    'L.topk(L.tensor([[1., 5], [3, 4]]), 1, dim=0)',
    'L.topk(L.ones(3), 4)',
    'L.kthvalue(L.tensor([3., 1, 4, 2]), 2)',
    'L.kthvalue(L.ones(3), 4)',
    'L.kthvalue(L.tensor([[3., 1], [4, 2]]), 1, 0, keepdim=True)',
    'L.median(L.tensor([3., 1, 1, 2]))',
    'L.median(L.tensor([[3., 1, 4, 2]]), 1)',
    "L.median(L.tensor([1., float('nan'), 3]))",
    "L.median(L.tensor([[1., float('nan'), 3], [1., 2, 3]]), 1)",
    'L.median(L.tensor([]))',
    'L.mode(L.tensor([1, 2, 2, 3, 3]))',
    'L.mode(L.tensor([[1, 2, 2], [3, 3, 1]]), 1)',
    'L.mode(L.tensor([[1., 2, 2], [3, 3, 1]]), 0, keepdim=True)',
    'L.searchsorted(L.tensor([1, 3, 5, 7]), L.tensor([[3, 6], [9, 0]]))',
    'L.searchsorted(L.tensor([1, 3, 5, 7]), L.tensor([[3, 6], [9, 0]]), right=True)',
    'L.searchsorted(L.tensor([[1, 3], [2, 4]]), L.tensor([[3], [3]]))',
    'L.searchsorted(L.tensor([1, 3]), 2)',
    'L.searchsorted(L.tensor([1., 3]), L.tensor([2.]), out_int32=True)',
    "L.searchsorted(L.tensor([1., 3]), L.tensor([3.]), side='right')",
    'L.bucketize(L.tensor([[3, 6], [9, 0]]), L.tensor([1, 3, 5, 7]))',
    'L.unique(L.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)',
    'L.unique(L.tensor([[3., 1], [3, 2]]))',
    'L.unique(L.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True, return_counts=True)',
    'L.unique_consecutive(L.tensor([1, 1, 2, 2, 3, 1, 1]), return_inverse=True, return_counts=True)',
    'L.unique(L.tensor([], dtype=L.int64), return_counts=True)',
    'L.bincount(L.tensor([1, 1, 3]))',
    'L.bincount(L.tensor([1, 1, 3]), weights=L.tensor([0.5, 1, 2]))',
    'L.bincount(L.tensor([], dtype=L.int64))',
    'L.bincount(L.tensor([1]), minlength=3)',
    'L.bincount(L.tensor([-1]))',
    'L.histc(L.tensor([1., 2, 1]), bins=4, min=0, max=3)',
    'L.histc(L.tensor([1., 2, 1, 7]), bins=5)',
    'L.tensor([[3., 1], [0, 2]]).sort(0)',
    'L.tensor([3, 1, 2]).unique()',
]




@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_results_and_errors_match_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from((tm.float32, tm.int64, tm.bool)).flatmap(lambda dt: layouts(dt)),
       st.data())
def test_sort_is_numpys_stable_sort(case, data):
    """Values as numpy's stable sort; each index points at its value, and equal values keep
    their order (descending too)."""
    x, xv = case
    if not x.dim():
        return
    d = data.draw(st.integers(0, x.dim() - 1))
    descending = data.draw(st.booleans())
    values, indices = x.sort(d, descending=descending)
    v, i = host(values), host(indices)
    expected = np.sort(xv, axis=d, kind="stable")
    if descending:
        expected = np.flip(expected, d)
    np.testing.assert_array_equal(v, expected)
    np.testing.assert_array_equal(np.take_along_axis(xv, i, d), v)
    same = np.diff(v.astype(np.float64), axis=d) == 0
    steps = np.diff(i, axis=d)
    assert (steps[same] > 0).all()  # ties in their original order
    assert indices.dtype == tm.int64 and values.dtype == x.dtype


@settings(max_examples=60, deadline=None)
@given(layouts(tm.float64), st.data())
def test_selections_agree_with_sort(case, data):
    x, xv = case
    if not x.dim() or not x.shape[-1]:
        return
    n = x.shape[-1]
    k = data.draw(st.integers(1, n))
    top = x.topk(k)
    np.testing.assert_array_equal(host(top.values), -np.sort(-xv, axis=-1)[..., :k])
    np.testing.assert_array_equal(np.take_along_axis(xv, host(top.indices), -1), host(top.values))
    kth = x.kthvalue(k)
    np.testing.assert_array_equal(host(kth.values), np.sort(xv, axis=-1)[..., k - 1])
    med = x.median(-1)
    np.testing.assert_array_equal(host(med.values), np.sort(xv, axis=-1)[..., (n - 1) // 2])


@settings(max_examples=60, deadline=None)
@given(layouts(tm.int64), st.booleans())
def test_unique_matches_numpy(case, right):
    x, xv = case
    values, inverse, counts = x.unique(return_inverse=True, return_counts=True)
    ev, ei, ec = np.unique(xv, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(host(values), ev)
    np.testing.assert_array_equal(host(inverse).reshape(-1), ei.reshape(-1))
    np.testing.assert_array_equal(host(counts), ec)
    if values.numel():  # searchsorted into the distinct values finds each element's place
        found = tm.searchsorted(values, x.contiguous(), right=right)
        np.testing.assert_array_equal(host(found), np.searchsorted(ev, xv, side="right" if right
                                                                   else "left"))


@pytest.mark.parametrize("op", [
    lambda L, x: L.sort(x, 1)[0], lambda L, x: L.sort(x, 0, descending=True)[0],
    lambda L, x: L.topk(x, 2)[0], lambda L, x: L.kthvalue(x, 2, 0)[0],
    lambda L, x: L.median(x, 1)[0], lambda L, x: L.median(x), lambda L, x: L.msort(x),
    lambda L, x: L.mode(x.round(), 1)[0],
])
def test_gradients_match_torch(op):
    torch = needs_torch()
    values = np.array([[0.5, -2.0, 3.0, 1.0], [4.0, 0.25, -1.0, 2.0], [1.0, 1.5, -3.0, 0.0]])
    ours, theirs = (weighted_grads(lib, op, values)[0] for lib in (tm, torch))
    np.testing.assert_array_equal(ours, theirs)


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor([[3.0, 1.0, float("nan"), 1.0], [0.0, -2.0, 5.0, 5.0]], device=device)
        out = [*x.sort(1), *x.sort(1, descending=True), *x.t().sort(0), *x.topk(2),
               *x.median(1), x.unique(), tm.searchsorted(x.sort(1)[0], x),
               tm.bincount(tm.tensor([1, 1, 3], device=device)), tm.histc(x[1], 4)]
        results.append([t.tolist() for t in out])
    assert repr(results[0]) == repr(results[1])  # (nan in both: repr compares them)
