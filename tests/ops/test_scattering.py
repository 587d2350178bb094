"""Scatter ops and the reads that pair with them: values against a numpy loop that
applies each index in order, results, errors and gradients against torch, and the cuda
device (simulated in CI) against the cpu."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import expr_outcome, host, needs_torch, weighted_grads
from view_strategies import layouts
from tensorrt_mini.backends import cuda_runtime

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _reference(values, d, index, src, reduce, include_self):
    """scatter_reduce by a loop over index, in order, in float64 (or int64)."""
    out = values.astype(np.float64 if values.dtype.kind == "f" else np.int64).copy()
    hits = {}
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[d] = index[pos]
        target = tuple(target)
        v = src[pos]
        if target not in hits:
            hits[target] = [out[target]] if include_self else []
        hits[target].append(v)
    for target, vs in hits.items():
        vs = np.array(vs, dtype=out.dtype)
        if reduce == "sum":
            out[target] = vs.sum()
        elif reduce == "prod":
            out[target] = vs.prod()
        elif reduce == "amax":
            out[target] = vs.max()
        elif reduce == "amin":
            out[target] = vs.min()
        elif out.dtype.kind == "f":
            out[target] = vs.sum() / len(vs)
        else:
            out[target] = vs.sum() // len(vs)
    return out


@st.composite
def scatter_cases(draw, dtype):
    """(input, its values, dim, index, src, its values): input and src in random layouts,
    index no larger than either apart from dim, entries anywhere in input's dim."""
    x, xv = draw(layouts(dtype, shape=st.lists(st.integers(1, 4), min_size=1, max_size=3)
                         .map(tuple)))
    nd = x.dim()
    d = draw(st.integers(0, nd - 1))
    ishape = tuple(draw(st.integers(0, n if k != d else 5)) for k, n in enumerate(x.shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    index = rng.integers(0, x.shape[d], size=ishape)
    src, sv = draw(layouts(dtype, shape=st.just(tuple(n + draw(st.integers(0, 1))
                                                      for n in ishape))))
    return x, xv, d, index, src, sv


@settings(max_examples=40, deadline=None)
@given(st.sampled_from((tm.float64, tm.int64)).flatmap(
    lambda dt: scatter_cases(dt)), st.sampled_from(REDUCTIONS), st.booleans())
def test_scatter_reduce_matches_a_loop(case, reduce, include_self):
    x, xv, d, index, src, sv = case
    out = x.scatter_reduce(d, tm.tensor(index), src, reduce, include_self=include_self)
    part = sv[tuple(slice(0, n) for n in index.shape)]
    expected = _reference(xv, d, index, part, reduce, include_self)
    np.testing.assert_allclose(host(out), expected, rtol=1e-12)
    assert out.dtype == x.dtype and out.shape == x.shape


@settings(max_examples=30, deadline=None)
@given(scatter_cases(tm.float32))
def test_scatter_and_its_in_place_form(case):
    """Each position named once (which of several writes wins is unspecified, as in torch)."""
    x, xv, d, index, src, sv = case
    expected = xv.copy()
    targets = set()
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[d] = index[pos]
        targets.add(tuple(target))
        expected[tuple(target)] = sv[pos]
    if len(targets) < index.size:
        return
    idx = tm.tensor(index)
    np.testing.assert_array_equal(host(x.scatter(d, idx, src)), expected)
    y = x.clone()
    assert y.scatter_(d, idx, src) is y
    np.testing.assert_array_equal(host(y), expected)
    np.testing.assert_array_equal(host(x), xv)  # the out-of-place form left x alone


EXPRESSIONS = [
    "L.zeros(3, 5).scatter_(1, L.tensor([[0, 1], [2, 3]]), L.arange(1., 7.).view(2, 3))",
    "L.zeros(3, 5).scatter(1, L.tensor([[0, 1], [2, 3]]), 2.5)",
    "L.zeros(3, 5).t().scatter(0, L.tensor([[0, 1], [2, 3]]), value=-1.0)",
    "L.zeros(3).scatter_(0, L.tensor([1]), 2., reduce='multiply')",
    "L.ones(3).scatter_(0, L.tensor([1, 1]), L.tensor([2., 3.]), reduce='add')",
    "L.zeros(()).scatter(0, L.tensor(0), 5.)",
    "L.zeros(3, dtype=L.int64).scatter(0, L.tensor([1]), 2.7)",
    "L.arange(8.).view(2, 4).scatter_reduce(1, L.tensor([[0, 0, 3], [1, 1, 1]]), "
    "L.tensor([[5., -2, 7], [1, 2, 3]]), 'amax', include_self=False)",
    "L.tensor([1, 2, 3, 4]).scatter_reduce(0, L.tensor([0, 0, 1, 3]), L.tensor([4, -7, 2, 2]), "
    "'mean')",
    "L.tensor([1., 2, 3]).scatter_reduce_(0, L.tensor([2, 2]), L.tensor([float('nan'), 1]), "
    "'amin')",
    "L.zeros(3).scatter_add_(0, L.tensor([1, 1, 2]), L.tensor([1., 2, 3]))",
    "L.zeros(3).index_add(0, L.tensor([2, 0, 2]), L.tensor([1., 2., 3.]), alpha=2)",
    "L.zeros(2, 3).index_add_(1, L.tensor([2, 0]), L.ones(2, 2))",
    "L.zeros(3).index_fill(0, L.tensor([-1]), 2.)",
    "L.zeros(2, 3).index_fill_(1, L.tensor([0, 2]), L.tensor(-1.))",
    "L.zeros(3, 2).index_copy(0, L.tensor([2, 0]), L.arange(4.).view(2, 2))",
    "L.zeros(2, 3).masked_scatter(L.tensor([True, False, True]), L.arange(6.).view(2, 3))",
    "L.arange(6.).view(2, 3).masked_select(L.tensor([True, False, True]))",
    "L.arange(6.).view(2, 3).t().take(L.tensor([[0, 5], [-1, 2]]))",
    "L.arange(6.).view(2, 3).t().put_(L.tensor([0, 5]), L.tensor([9., 8.]))",
    "L.arange(6.).view(2, 3).put_(L.tensor([0, 0]), L.tensor([9., 8.]), accumulate=True)",
    "L.take_along_dim(L.arange(6.).view(2, 3), L.tensor([[0], [2]]), 1)",
    "L.take_along_dim(L.arange(6.).view(2, 3), L.tensor([5, 0]))",
    "L.take_along_dim(L.arange(6.).view(2, 3), L.tensor([[0, 1, 1]]), 0)",
    "L.argwhere(L.tensor([[0, 1], [2, 0]]))",
    "L.where(L.tensor([[0, 1], [2, 0]]))[1]",
    "L.zeros(3).index_put((L.tensor([0, 0]),), L.tensor([1., 2.]), accumulate=True)",
    "L.zeros(2, 3).index_put_((L.tensor([0, 1]), L.tensor([2, 2])), L.tensor(5.))",
    # errors: type and message
    "L.zeros(3).scatter_add(0, L.tensor([1.]), L.ones(1))",
    "L.zeros(3).scatter_reduce(0, L.tensor([1]), L.ones(1), 'foo')",
    "L.zeros(3).scatter(0, L.tensor([3]), 1.)",
    "L.zeros(3).scatter_(0, L.tensor([-1]), L.ones(1))",
    "L.zeros(3, 2).scatter(0, L.tensor([1]), 1.)",
    "L.zeros(2, 3).scatter_add(1, L.tensor([[0, 2]]), L.ones(1, 1))",
    "L.zeros(3).scatter(0, L.tensor([1]), L.ones(1, dtype=L.float64))",
    "L.zeros(3).expand(2, 3).scatter_(1, L.tensor([[1]]), 2.)",
    "L.zeros(3).index_add(0, L.tensor([3]), L.ones(1))",
    "L.zeros(3).index_copy(0, L.tensor([-1]), L.ones(1))",
    "L.zeros(3, 2).index_add(0, L.tensor([1]), L.ones(2, 2))",
    "L.zeros(3, 2).index_add(1, L.tensor([[1]]), L.ones(3, 1))",
    "L.zeros(3, 2).index_add(0, L.tensor([1]), L.ones(1, 2, dtype=L.float64))",
    "L.zeros(3).index_add(0, L.tensor([1.]), L.ones(1))",
    "L.zeros(3, 2).index_copy(0, L.tensor([1]), L.ones(1, 3))",
    "L.zeros(3, 2).index_fill(1, L.tensor([5]), 1.)",
    "L.zeros(3).index_fill(0, L.tensor([1]), L.tensor([1., 2]))",
    "L.zeros(2, 3).masked_scatter(L.tensor([True, False, True]), L.arange(3.))",
    "L.zeros(3).masked_select(L.tensor([1, 0, 1]))",
    "L.arange(6.).view(2, 3).take(L.tensor([6]))",
    "L.zeros(3).index_put((L.tensor([0]),), L.tensor([1.], dtype=L.float64), accumulate=True)",
]




@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_results_and_errors_match_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


def test_scatter_facts():
    """torch 2.x's results, hard-coded: values, the legacy reduce= and the 0-d case."""
    x = tm.zeros(3, 5).scatter(1, tm.tensor([[0, 1], [2, 3]]), tm.arange(1., 7.).view(2, 3))
    assert x.tolist() == [[1, 2, 0, 0, 0], [0, 0, 4, 5, 0], [0, 0, 0, 0, 0]]
    y = tm.tensor([1., 2, 3, 4]).scatter_reduce(0, tm.tensor([0, 0, 1, 3]),
                                                tm.tensor([5., float("nan"), -1, 2]), "amax")
    assert np.isnan(y[0].item()) and y[1:].tolist() == [2, 3, 4]
    assert tm.zeros(()).scatter(0, tm.tensor([0]), 5.).item() == 5.0


def test_a_failed_scatter_writes_nothing():
    x = tm.zeros(4)
    with pytest.raises(RuntimeError, match="index 9 is out of bounds"):
        x.scatter_(0, tm.tensor([1, 9]), tm.ones(2))
    with pytest.raises(RuntimeError, match="index 9 is out of bounds"):
        x.scatter_add_(0, tm.tensor([1, 9]), tm.ones(2))
    assert x.tolist() == [0, 0, 0, 0]


def test_scatter_add_sums_float32_in_index_order():
    """Repeats add up one after another, as torch's serial loop does on the cpu."""
    torch = needs_torch()
    rng = np.random.default_rng(0)
    src = rng.standard_normal(1 << 14).astype(np.float32)
    index = rng.integers(0, 37, size=src.size)
    ours = tm.zeros(37).scatter_add(0, tm.tensor(index), tm.tensor(src))
    theirs = torch.zeros(37).scatter_add(0, torch.tensor(index), torch.tensor(src))
    assert host(ours).tobytes() == theirs.numpy().tobytes()


GRADIENT_CASES = [
    lambda L, x, s: x.scatter(1, L.tensor([[0, 2], [1, 1]]), s),
    lambda L, x, s: x.scatter(0, L.tensor([[1, 0, 1]]), 3.0),
    lambda L, x, s: x.scatter_add(1, L.tensor([[0, 0], [2, 1]]), s),
    lambda L, x, s: x.index_add(1, L.tensor([2, 0]), s, alpha=3),
    lambda L, x, s: x.index_copy(1, L.tensor([2, 0]), s),
    lambda L, x, s: x.index_fill(1, L.tensor([1]), -2.0),
    lambda L, x, s: x.masked_scatter(L.tensor([True, False, True]), s),
    lambda L, x, s: x.take(L.tensor([5, 0, 5])),
    lambda L, x, s: x.masked_select(L.tensor([True, False, True])),
    lambda L, x, s: L.take_along_dim(x, L.tensor([[2], [0]]), 1),
    lambda L, x, s: x.index_put((L.tensor([1, 1]), L.tensor([0, 0])), s[0], accumulate=True),
    lambda L, x, s: x.put(L.tensor([4, 1, 4, 0]), s.reshape(-1), accumulate=True),
] + [
    (lambda reduce, include_self: lambda L, x, s: x.scatter_reduce(
        1, L.tensor([[0, 0], [2, 2]]), s, reduce, include_self=include_self))(r, i)
    for r in REDUCTIONS for i in (True, False)
]


@pytest.mark.parametrize("case", range(len(GRADIENT_CASES)))
@pytest.mark.parametrize("values", ["distinct", "ties and zeros"])
def test_gradients_match_torch(case, values):
    torch = needs_torch()
    fn = GRADIENT_CASES[case]
    if values == "distinct":
        xv = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
        sv = np.array([[2.0, -3.0], [0.25, 5.0]])
    else:  # prod's zeros and amax's ties take the other branches of their formulas
        xv = np.array([[0.0, 2.0, 3.0], [0.5, 4.0, 0.0]])
        sv = np.array([[0.0, 1.5], [0.5, 0.0]])
    ours, theirs = (weighted_grads(lib, fn, xv, sv) for lib in (tm, torch))
    np.testing.assert_allclose(ours[0], theirs[0])
    assert (ours[1] is None) == (theirs[1] is None)
    if theirs[1] is not None:
        np.testing.assert_allclose(ours[1], theirs[1])


def test_in_place_scatter_records_as_torch():
    x = tm.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.scatter_(0, tm.tensor([1]), 2.0)
    y = x * 2
    s = tm.tensor([5.0], requires_grad=True)
    y.scatter_add_(0, tm.tensor([1]), s)
    (y * tm.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0] and s.grad.tolist() == [2.0]


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    results = []
    for device in ("cpu", "cuda"):
        x = tm.arange(12.0, device=device).reshape(3, 4)
        idx = tm.tensor([[0, 3, 3], [1, 1, 0]], device=device)
        src = tm.tensor([[1.0, -2.0, 5.0], [0.5, 3.0, -1.0]], device=device)
        once = tm.tensor([[0, 3, 2], [1, 2, 0]], device=device)  # which repeat wins varies
        out = [x.scatter(1, once, src), x.scatter(1, idx, 7.0)]
        out += [x.scatter_reduce(1, idx, src, r, include_self=i)
                for r in REDUCTIONS for i in (True, False)]
        ints = tm.tensor([[1, 2, 3], [4, 5, 6]], dtype=tm.int16, device=device)
        small = tm.tensor([[0, 2], [1, 1]], device=device)
        out += [ints.scatter_reduce(1, small, ints[:, :2] * 3, r) for r in REDUCTIONS]
        out += [x.index_add(0, tm.tensor([2, 0], device=device), x[:2]),
                x.index_fill(1, tm.tensor([1], device=device), -1.0),
                x.masked_scatter(x > 6, src), x.take(tm.tensor([11, 0], device=device)),
                x.clone().put_(tm.tensor([1, 1], device=device), src[0, :2], accumulate=True)]
        results.append([t.tolist() for t in out])
    assert results[0] == results[1]
