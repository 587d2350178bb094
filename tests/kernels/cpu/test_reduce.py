"""CPU reduction kernels against numpy, on strided views of flat buffers.

Each (op, dtype) pair costs 1.5 s of JIT compilation (2 s more for its parallel
variant), so the tests draw from a fixed list of pairs: every op, and every dtype with
several ops (the ops of one family share their loop templates). Most cases are small;
the parallel variant runs on small inputs too, by lowering the threshold and asking
for odd thread counts (uneven chunks and splits).
"""
import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.lib.stride_tricks import as_strided

from tensorrt_mini.kernels.cpu import reduce as R

B, U8, I32, I64, F32, F64 = (np.dtype(t) for t in ("bool", "uint8", "int32", "int64",
                                                    "float32", "float64"))
PAIRS = [
    (R.SUM, B), (R.SUM, I32), (R.SUM, F32),
    (R.PROD, I64), (R.PROD, F32),
    (R.AMAX, U8), (R.AMAX, F64), (R.AMIN, F32),
    (R.ALL, B), (R.ANY, F64),
    (R.VAR, F64), (R.STD, F64),
    (R.ARGMAX, B), (R.ARGMAX, F32), (R.ARGMIN, F64),
]
PARALLEL_PAIRS = [(R.SUM, F32), (R.ARGMIN, F64), (R.VAR, F64)]
ARG = (R.ARGMAX, R.ARGMIN)
EXTREME = (R.AMAX, R.AMIN, R.ARGMAX, R.ARGMIN)  # undefined on empty reductions


def pair_id(pair):
    names = "SUM PROD AMAX AMIN ALL ANY VAR STD ARGMAX ARGMIN".split()
    return f"{names[pair[0]]}-{pair[1]}"


def out_dtype(op, dt):
    if op in (R.SUM, R.PROD):
        return dt if dt.kind == "f" else I64
    return B if op in (R.ALL, R.ANY) else dt


def fill(rng, n, dt, ties=False, nans=False):
    """Random data; `ties` draws from a few values so extremes repeat."""
    if dt == B:
        return rng.random(n) < 0.5
    if dt.kind in "iu":
        lo, hi = (0, 4) if ties or dt == U8 else (-50, 50)
        return rng.integers(lo, hi, n).astype(dt)
    a = (rng.integers(-2, 3, n) if ties else rng.standard_normal(n)).astype(dt)
    if nans and n:
        a[rng.random(n) < 0.15] = np.nan
    return a


def strided(base, offset, shape, strides):
    """The numpy view with element strides over base, starting at offset."""
    item = base.itemsize
    return as_strided(base[offset:], shape, [s * item for s in strides], writeable=False)


def run(op, base, offset, shape, strides, dims, correction=1.0, nthreads=None):
    plan = R.reduce_plan(shape, strides, dims, arg=op in ARG, nthreads=nthreads)
    out = np.empty(plan.numel_out, out_dtype(op, base.dtype))
    idx = np.full(plan.numel_out, -1, np.int64)
    R.reduce(op, plan, base, offset, out, idx, correction)
    kept = tuple(n for d, n in enumerate(shape) if d not in dims)
    return out.reshape(kept), idx.reshape(kept), plan


def expected(op, v, dims, correction=1.0):
    """numpy's answer, and an absolute error allowance for float sums."""
    ax = tuple(sorted(dims))
    wide = np.float64 if v.dtype.kind == "f" else np.int64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # var with n <= correction
        if op == R.SUM:
            return np.sum(v, axis=ax, dtype=wide), np.sum(np.abs(v), axis=ax, dtype=wide)
        if op == R.PROD:
            return np.prod(v, axis=ax, dtype=wide), None
        if op in (R.AMAX, R.AMIN):
            return (np.max if op == R.AMAX else np.min)(v, axis=ax), None
        if op in (R.ALL, R.ANY):
            return (np.all if op == R.ALL else np.any)(v, axis=ax), None
        if op in (R.VAR, R.STD):
            w = v.astype(np.float64)
            var = np.var(w, axis=ax, ddof=correction)
            # numpy's rounded mean leaves about eps*|x| of deviation in equal values
            dev = 4 * np.finfo(np.float64).eps * np.max(np.abs(w), axis=ax, initial=0)
            return (np.sqrt(var), dev) if op == R.STD else (var, dev * dev)
    # arg: flatten the reduced dims in logical order, like torch's flat index
    kept = [d for d in range(v.ndim) if d not in ax]
    count = math.prod(v.shape[d] for d in ax)
    w = np.transpose(v, kept + list(ax)).reshape([v.shape[d] for d in kept] + [count])
    i = (np.argmax if op == R.ARGMAX else np.argmin)(w, axis=-1)
    return (np.take_along_axis(w, i[..., None], -1)[..., 0], i), None


def check(op, base, offset, shape, strides, dims, correction=1.0, nthreads=None,
          rtol=None):
    v = strided(base, offset, shape, strides)
    count = math.prod(shape[d] for d in dims)
    if op in EXTREME and count == 0:
        return None
    out, idx, plan = run(op, base, offset, shape, strides, dims, correction, nthreads)
    want, scale = expected(op, v, dims, correction)
    ctx = f"op={op} {base.dtype} shape={shape} strides={strides} dims={dims} {plan}"
    if op in ARG:
        np.testing.assert_array_equal(idx, want[1], err_msg=ctx)
        want = want[0]
    if out.dtype.kind == "f" and op in (R.SUM, R.PROD, R.VAR, R.STD):
        # float64 accumulation and one rounding to out's dtype (coarse for subnormal
        # results); numpy's order differs, which sums may amplify (cancellation), and
        # the outer kind first adds groups of 8 rows in x's type (3 roundings)
        info = np.finfo(out.dtype)
        rtol = rtol or max(4 * info.eps, 1e-12)
        atol = info.smallest_subnormal
        if scale is not None:
            atol += scale * (64 * np.finfo(np.float64).eps + 3 * info.eps
                             if op == R.SUM else 1)
        got, want = out.astype(np.float64), np.asarray(want, np.float64)
        with np.errstate(invalid="ignore"):  # inf - inf
            ok = (np.abs(got - want) <= rtol * np.abs(want) + atol) | (got == want)
        ok |= np.isnan(got) & np.isnan(want)
        assert ok.all(), f"{ctx}\n got {got}\nwant {want}"
    else:
        np.testing.assert_array_equal(out, want.astype(out.dtype), err_msg=ctx)
    return plan


@st.composite
def views(draw, dt, max_dim=4, max_size=5):
    """A random strided view: permuted dim order (transposes), steps, expanded
    (stride 0) dims, an offset; sizes 0 and 1 included, 0-d too."""
    ndim = draw(st.integers(0, max_dim))
    shape = tuple(draw(st.lists(st.integers(0, max_size), min_size=ndim, max_size=ndim)))
    order = draw(st.permutations(range(ndim)))
    steps = draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    expand = draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim))
    strides, run_len = [0] * ndim, 1
    for d in reversed(order):
        if not (expand[d] and draw(st.booleans())):
            strides[d] = run_len * steps[d]
            run_len *= shape[d] * steps[d]
    offset = draw(st.integers(0, 3))
    span = sum((n - 1) * s for n, s in zip(shape, strides)) + 1 if all(shape) else 0
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = fill(rng, offset + span, dt, ties=draw(st.booleans()), nans=draw(st.booleans()))
    dims = tuple(d for d in range(ndim) if draw(st.booleans()))
    return base, offset, shape, tuple(strides), dims


# ---------------------------------------------------------------- plans
def test_plan_merges_and_classifies():
    p = R.reduce_plan((4, 5, 6), (30, 6, 1), (0, 1, 2))  # full, contiguous
    assert (p.inner, p.rshape.tolist(), p.rstride.tolist()) == (True, [120], [1])
    p = R.reduce_plan((8, 6), (6, 1), (1,))  # sum(1) of row-major
    assert p.inner and p.kshape.tolist() == [8] and p.rstride.tolist() == [1]
    p = R.reduce_plan((8, 6), (6, 1), (0,))  # sum(0): rows add into a tile
    assert not p.inner and p.kstride.tolist() == [1] and p.tile == 6
    p = R.reduce_plan((8, 6), (1, 8), (0,))  # transposed: sum(0) becomes inner
    assert p.inner and p.rstride.tolist() == [1]
    p = R.reduce_plan((2, 3, 4, 5), (60, 20, 5, 1), (0, 3))  # kept dims in between
    assert p.inner and p.kshape.tolist() == [12] and p.rshape.tolist() == [2, 5]
    p = R.reduce_plan((2, 3, 4, 5), (60, 20, 5, 1), (0, 2))  # kept innermost: outer
    assert not p.inner and p.kshape.tolist() == [3, 5] and p.rshape.tolist() == [2, 4]
    p = R.reduce_plan((1, 7, 1), (7, 1, 1), (0, 2))  # size-1 dims vanish
    assert not p.inner and p.rshape.tolist() == [1] and p.kshape.tolist() == [7]
    p = R.reduce_plan((5, 6), (0, 1), (0,))  # expanded reduced dim: outermost
    assert not p.inner and p.rstride.tolist() == [0]
    p = R.reduce_plan((3, 4), (1, 3), (0, 1), arg=True)  # arg keeps logical order
    assert p.rshape.tolist() == [3, 4] and p.rstride.tolist() == [1, 3]


def test_plan_parallel_splits():
    p = R.reduce_plan((1 << 16,), (1,), (0,), nthreads=2)  # one output: split it
    assert p.parallel and p.inner and p.splits > 1
    p = R.reduce_plan((4096, 4096), (4096, 1), (0,), nthreads=2)  # tiles per thread
    assert p.parallel and not p.inner and p.splits == 1 and p.tile == 2048
    p = R.reduce_plan((100, 100), (100, 1), (0,), nthreads=2)  # under the threshold
    assert not p.parallel and p.chunks == 1
    assert not R.reduce_plan((1 << 16,), (1,), (0,), nthreads=1).parallel


# ---------------------------------------------------------------- values
@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_every_dim_subset(pair):
    """Every reduced-dim set of 0-4-d shapes, contiguous and as a permuted, stepped
    view with an offset."""
    op, dt = pair
    rng = np.random.default_rng(0)
    for shape in [(), (5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)]:
        n = math.prod(shape)
        contiguous = tuple(int(math.prod(shape[d + 1:])) for d in range(len(shape)))
        base = fill(rng, n, dt, ties=True)
        big = fill(rng, 2 ** len(shape) * n + 3, dt, nans=True)
        order = list(range(1, len(shape))) + [0] * bool(shape)  # dim 0 innermost
        strides, step = [0] * len(shape), 2
        for d in reversed(order):
            strides[d] = step
            step *= shape[d] * 2
        for r in range(len(shape) + 1):
            for dims in itertools.combinations(range(len(shape)), r):
                check(op, base, 0, shape, contiguous, dims)
                check(op, big, 3, shape, tuple(strides), dims)


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_random_views(pair, data):
    op, dt = pair
    check(op, *data.draw(views(dt)))


@pytest.mark.parametrize("pair", PARALLEL_PAIRS, ids=pair_id)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), nthreads=st.sampled_from([2, 3, 5]))
def test_random_views_parallel(pair, data, nthreads):
    """The parallel variant on small inputs: every layout, with uneven chunks, tiles
    and splits (more chunks than Numba threads is still correct)."""
    op, dt = pair
    base, offset, shape, strides, dims = data.draw(views(dt, max_size=7))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(R, "PARALLEL_MIN", 0)
        plan = check(op, base, offset, shape, strides, dims, nthreads=nthreads)
    assert plan is None or plan.parallel


@pytest.mark.parametrize("pair", PARALLEL_PAIRS, ids=pair_id)
@pytest.mark.parametrize("shape,strides,dims", [
    ((40000,), (1,), (0,)),                 # full: split across threads
    ((300, 200), (200, 1), (0,)),           # outer: tiles per thread
    ((300, 200), (200, 1), (1,)),           # inner: outputs per thread
    ((300, 200), (1, 300), (0,)),           # transposed
    ((3, 20000), (20000, 1), (1,)),         # few long rows: split them
    ((20000, 3), (3, 1), (0,)),             # few columns: split the rows
    ((50, 40, 30), (1200, 30, 1), (0, 2)),  # kept dim in the middle
])
def test_above_threshold(pair, shape, strides, dims):
    op, dt = pair
    base = fill(np.random.default_rng(1), math.prod(shape), dt, ties=op in ARG, nans=True)
    plan = check(op, base, 0, shape, strides, dims, nthreads=2)
    assert plan.parallel


@pytest.mark.parametrize("nthreads", [1, 2])
def test_sum_of_2_24_float32_is_accurate(nthreads):
    a = np.random.default_rng(2).random(1 << 24, dtype=np.float32)
    exact = a.sum(dtype=np.float64)  # pairwise in float64: exact to ~1e-16
    out, _, plan = run(R.SUM, a, 0, a.shape, (1,), (0,), nthreads=nthreads)
    assert plan.parallel == (nthreads > 1)
    assert abs(float(out) - exact) <= 1e-6 * exact
    # column sums: 8-row groups in float64, against exact per-column sums
    m = a.reshape(4096, 4096)
    out, _, _ = run(R.SUM, a, 0, m.shape, (4096, 1), (0,), nthreads=nthreads)
    exact = m.astype(np.float64).sum(0)
    assert np.all(np.abs(out - exact) <= 2 * np.finfo(np.float32).eps * exact)


@pytest.mark.parametrize("correction", [0, 1, 2, 0.5, 7])
@pytest.mark.parametrize("dims", [(0,), (1,), (0, 1)])
def test_var_correction(correction, dims):
    """Large mean, small spread: sum(x^2) - n*mean^2 would lose every digit here,
    while rounding the inputs' deviations costs any method about eps*1e7."""
    base = 1e7 + np.random.default_rng(3).standard_normal(24)
    check(R.VAR, base, 0, (4, 6), (6, 1), dims, correction, rtol=1e-7)
    check(R.STD, base, 0, (4, 6), (1, 4), dims, correction, rtol=1e-7)


# ---------------------------------------------------------------- semantics
@pytest.mark.parametrize("op,dt,value", [
    (R.SUM, F32, 0), (R.SUM, I32, 0), (R.PROD, F32, 1), (R.PROD, I64, 1),
    (R.ALL, B, True), (R.ANY, F64, False),
])
@pytest.mark.parametrize("strides", [(3, 1), (1, 0)])
def test_empty_reduction_gives_identity(op, dt, value, strides):
    base = np.zeros(4, dt)
    out, _, _ = run(op, base, 0, (0, 3), strides, (0,))
    assert out.dtype == out_dtype(op, dt) and out.tolist() == [value] * 3


def test_empty_var_is_nan_and_empty_output_is_untouched():
    out, _, _ = run(R.VAR, np.zeros(1), 0, (0, 2), (2, 1), (0,))
    assert np.isnan(out).all()
    out, _, _ = run(R.SUM, np.zeros(1, np.float32), 0, (0, 5), (5, 1), (1,))
    assert out.shape == (0,)


def test_zero_dim():
    base = np.array([7.0, 2.5], np.float32)
    out, idx, _ = run(R.SUM, base, 1, (), (), ())
    assert out.shape == () and out == 2.5
    out, idx, _ = run(R.ARGMAX, base, 1, (), (), ())
    assert out == 2.5 and idx == 0


NAN = float("nan")


@pytest.mark.parametrize("values,imax,imin", [
    ([1, 3, 3, 2, 3], 1, 0),                   # first of equal extremes
    ([NAN, 1, NAN], 0, 0),                     # NaN wins, first one
    ([1, NAN, 5, NAN], 1, 1),
    ([-math.inf, -math.inf], 0, 0),            # identity-valued elements
    ([math.inf, 2, math.inf], 0, 1),
])
@pytest.mark.parametrize("layout", ["row", "column", "split"])
def test_arg_ties_and_nan(values, imax, imin, layout):
    """Torch semantics in the inner fold, the outer tile and across split merges
    (ARGMAX and ARGMIN share all code but the comparison)."""
    n = len(values)
    repeat, args = {
        "row": (1, dict(shape=(n,), strides=(1,), dims=(0,))),
        "column": (3, dict(shape=(n, 3), strides=(3, 1), dims=(0,))),  # equal columns
        # long runs, so that every split holds ties and NaNs
        "split": (20000, dict(shape=(n * 20000,), strides=(1,), dims=(0,), nthreads=3)),
    }[layout]
    ops = [(R.ARGMAX, F32, imax), (R.ARGMIN, F64, imin)]
    for op, dt, want in ops[1:] if layout == "split" else ops:  # one parallel compile
        v = np.repeat(np.array(values, dt), repeat)
        out, idx, plan = run(op, v, 0, **args)
        assert plan.splits > 1 or layout != "split"
        first = want * repeat if layout == "split" else want
        assert np.all(idx == first), (op, idx)
        assert np.array_equal(out, np.full(out.shape, values[want]), equal_nan=True)


@pytest.mark.parametrize("nans", [0, 1, 3])
@pytest.mark.parametrize("step", [1, 3])
def test_arg_long_runs(nans, step):
    """Runs long enough for the lane-parallel inner fold: the lanes interleave
    indices, so ties and NaNs must still resolve to the first occurrence."""
    rng = np.random.default_rng(nans + step)
    for op, dt in ((R.ARGMAX, F32), (R.ARGMIN, F64)):
        base = rng.integers(0, 3, 5 * 1000 * step).astype(dt)
        base[rng.integers(0, len(base), nans)] = NAN
        check(op, base, 0, (5, 1000), (1000 * step, step), (1,))
        check(op, base, 7, (4, 999), (1001 * step, step), (1,))


@pytest.mark.parametrize("pair", [p for p in PAIRS if p[0] in R._ASSOC], ids=pair_id)
def test_assoc_long_runs_read_as_streams(pair):
    """Runs from _STREAM_MIN on are folded as 4 streams plus a tail: strided, at an
    offset, with a length that leaves a tail, and a NaN placed in each stream in turn."""
    op, dt = pair
    n = R._STREAM_MIN + 3 * R._STREAM_BLOCK + 5
    rng = np.random.default_rng(op)
    base = fill(rng, 2 * n + 9, dt)
    if op == R.PROD:  # keep the product finite and non-zero
        base = (1 + base / 1e5).astype(dt)
    # serial: threads would split the runs below _STREAM_MIN
    check(op, base, 9, (n,), (2,), (0,), nthreads=1)
    check(op, base, 9, (2, n), (n, 1), (1,), nthreads=1)
    if dt.kind == "f":
        for part in range(5):
            nan = base.copy()
            nan[9 + 2 * min(n - 1, part * (n // 4))] = NAN
            check(op, nan, 9, (n,), (2,), (0,), nthreads=1)


@pytest.mark.parametrize("layout", [((6,), (1,), (0,)), ((3, 2), (2, 1), (0,)),
                                    ((3, 2), (1, 3), (0,))])
def test_nan_propagates_through_amax_amin(layout):
    shape, strides, dims = layout
    for pos in range(6):
        for op, dt in ((R.AMAX, F64), (R.AMIN, F32)):
            base = np.arange(6, dtype=dt)
            base[pos] = NAN
            check(op, base, 0, shape, strides, dims)


def test_integer_sum_accumulates_in_int64():
    base = np.full(10, np.iinfo(np.int32).max, np.int32)
    out, _, _ = run(R.SUM, base, 0, (10,), (1,), (0,))
    assert out == 10 * int(np.iinfo(np.int32).max)


def test_unknown_op():
    with pytest.raises(ValueError):
        R.kernel(99, False)


def test_short_outputs_are_refused():
    plan = R.reduce_plan((4, 3), (3, 1), (1,))
    x = np.zeros(12, np.float32)
    with pytest.raises(ValueError):
        R.reduce(R.SUM, plan, x, 0, np.empty(3, np.float32))
    with pytest.raises(ValueError):
        R.reduce(R.ARGMAX, plan, x, 0, np.empty(4, np.float32))  # no idx
