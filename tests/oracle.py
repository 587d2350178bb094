"""Shared test helpers: numpy as the oracle for values, hypothesis strategies for shapes
and random view chains, and the bridge to torch where a test asks for it.

torch is only an optional oracle (strides, storage offsets, dtypes, errors); a test that
needs it calls `needs_torch()`, which skips that test alone when torch is missing.
"""
import numpy as np
import pytest
from hypothesis import strategies as st

import tensorrt_mini as tm

DTYPES = (tm.bool, tm.uint8, tm.int8, tm.int16, tm.int32, tm.int64, tm.float32, tm.float64)
INT_DTYPES = (tm.uint8, tm.int8, tm.int16, tm.int32, tm.int64)
FLOAT_DTYPES = (tm.float32, tm.float64)


def needs_torch():
    return pytest.importorskip("torch")


def torch_dtype(torch, dtype):
    return getattr(torch, dtype.name)


def host(t):
    """A numpy copy of t's values."""
    return np.array(t)


def expr_outcome(lib, expr, **names):
    """repr of eval(expr) with the library as L (and `names`), or the error's type and
    message: what a table of calls compares between tm and torch."""
    try:
        return repr(eval(expr, {"L": lib, **names}))
    except Exception as e:  # the error is the result to compare
        return f"{type(e).__name__}: {e}"


def weighted_grads(lib, op, *arrays):
    """The gradients of sum(op(lib, *inputs) * (1, 2, 3, ...)) for float64 inputs holding
    `arrays`: distinct weights, so every output element's gradient shows."""
    inputs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    y = op(lib, *inputs)
    (y * lib.arange(1.0, y.numel() + 1, dtype=lib.float64).reshape(y.shape)).sum().backward()
    return [None if x.grad is None else np.array(x.grad.tolist()) for x in inputs]


def assert_values(t, expected, dtype=None, rtol=1e-5, atol=1e-6):
    """t is a tm tensor with expected's shape and values (NaNs in the same places)."""
    expected = np.asarray(expected)
    assert isinstance(t, tm.Tensor), type(t)
    assert tuple(t.shape) == expected.shape, (tuple(t.shape), expected.shape)
    if dtype is not None:
        assert t.dtype is dtype, (t.dtype, dtype)
    got = host(t)
    assert got.shape == expected.shape
    if got.dtype.kind == "f" or expected.dtype.kind == "f":
        np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expected)


def from_storage(t):
    """t's values rebuilt from nothing but its storage, sizes, strides and storage offset:
    if the view metadata is wrong, this disagrees with t's values."""
    flat = np.array(t.storage().tolist(), dtype=t.dtype.np)
    if t.numel() == 0:
        return np.zeros(tuple(t.shape), flat.dtype)
    item = flat.itemsize
    return np.lib.stride_tricks.as_strided(flat[t.storage_offset():], tuple(t.shape),
                                           [s * item for s in t.stride()])


def assert_view_consistent(t):
    """Values read through (storage, sizes, strides, offset) equal the tensor's values."""
    np.testing.assert_array_equal(from_storage(t), host(t))


def same_storage(a, b):
    return a.storage().data_ptr() == b.storage().data_ptr()


def meta(t):
    """(shape, strides, storage offset): what a view op must get right."""
    return tuple(t.shape), tuple(t.stride()), t.storage_offset()


# --- values ------------------------------------------------------------------------------

def random_values(rng, shape, dtype, low=-4, high=4):
    """Small exactly-representable values: integers in [low, high], floats on a 0.25 grid
    (no -0.0 and no NaN; special values are tested with hard-coded inputs)."""
    if dtype is tm.bool:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype is tm.uint8:
        low = max(low, 0)
    if dtype.is_floating_point:
        v = rng.integers(low * 4, high * 4 + 1, shape) / 4
        return (v + 0.0).astype(dtype.np)  # + 0.0 turns -0.0 into 0.0
    return rng.integers(low, high + 1, shape).astype(dtype.np)


def shapes(min_dims=0, max_dims=4, max_side=4):
    return st.lists(st.integers(0, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


# --- random view chains -------------------------------------------------------------------
# Each op takes (draw, x) and returns a pair of callables, one for the tensor (tm or torch:
# they share method names) and one for its numpy mirror, or None when it does not apply
# to x's shape.

def _dim(draw, nd):
    return draw(st.integers(-nd, nd - 1))


def _transpose(draw, x):
    nd = x.dim()
    if nd == 0:
        return None
    d0, d1 = _dim(draw, nd), _dim(draw, nd)
    return (lambda t: t.transpose(d0, d1)), (lambda a: np.swapaxes(a, d0, d1))


def _t(draw, x):
    if x.dim() > 2:
        return None
    return (lambda t: t.t()), (lambda a: a.T)


def _mT(draw, x):
    if x.dim() < 2:
        return None
    return (lambda t: t.mT), (lambda a: np.swapaxes(a, -2, -1))


def _permute(draw, x):
    perm = draw(st.permutations(range(x.dim())))
    if perm and draw(st.booleans()):
        perm = [p - x.dim() for p in perm]  # negative dims
    return (lambda t: t.permute(tuple(perm))), (lambda a: np.transpose(a, [p % x.dim() for p in perm]))


def _movedim(draw, x):
    nd = x.dim()
    if nd == 0:
        return None
    src, dst = _dim(draw, nd), _dim(draw, nd)
    return (lambda t: t.movedim(src, dst)), (lambda a: np.moveaxis(a, src, dst))


def _expand(draw, x):
    lead = draw(st.lists(st.integers(0, 3), max_size=2))
    sizes = [draw(st.integers(0, 3)) if n == 1 else (n if draw(st.booleans()) else -1)
             for n in x.shape]
    target = [n if n != -1 else old for n, old in zip(sizes, x.shape)]
    return ((lambda t: t.expand(tuple(lead + sizes))),
            (lambda a: np.broadcast_to(a, tuple(lead) + tuple(target))))


def _squeeze(draw, x):
    nd = x.dim()
    how = draw(st.sampled_from(["all", "dim", "dims"])) if nd else "all"
    if how == "all":
        return (lambda t: t.squeeze()), (lambda a: np.squeeze(a))
    dims = tuple(draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)))
    if how == "dim":
        dims = dims[:1]
    arg = dims[0] if how == "dim" else dims
    ones = tuple(d for d in dims if x.shape[d] == 1)  # numpy refuses to squeeze others
    return (lambda t: t.squeeze(arg)), (lambda a: np.squeeze(a, ones))


def _unsqueeze(draw, x):
    d = draw(st.integers(-x.dim() - 1, x.dim()))
    return (lambda t: t.unsqueeze(d)), (lambda a: np.expand_dims(a, d))


def _flatten(draw, x):
    nd = x.dim()
    if nd == 0:
        return (lambda t: t.flatten()), (lambda a: a.reshape(1))
    s = draw(st.integers(0, nd - 1))
    e = draw(st.integers(s, nd - 1))
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return (lambda t: t.flatten(s, e)), (lambda a: a.reshape(shape))


def _factor(draw, n):
    """A random list of sizes whose product is n (n > 0), at most 3 of them."""
    sizes = []
    for _ in range(draw(st.integers(0, 2))):
        divisors = [k for k in range(1, n + 1) if n % k == 0]
        k = draw(st.sampled_from(divisors))
        sizes.append(k)
        n //= k
    return sizes + [n]


def _new_shape(draw, x):
    n = x.numel()
    sizes = _factor(draw, n) if n else draw(st.sampled_from([[0], [0, 3], [2, 0, 1]]))
    if n and draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    return sizes


def _resolve(sizes, n):
    known = int(np.prod([s for s in sizes if s != -1]))
    return tuple(n // known if s == -1 else s for s in sizes)


def _reshape(draw, x):
    sizes = _new_shape(draw, x)
    final = _resolve(sizes, x.numel())
    return (lambda t: t.reshape(*sizes)), (lambda a: a.reshape(final))


def _view(draw, x):
    if not x.is_contiguous():
        return None  # views of other layouts: test_view_matches_torch
    sizes = _new_shape(draw, x)
    final = _resolve(sizes, x.numel())
    return (lambda t: t.view(*sizes)), (lambda a: a.reshape(final))


def _unflatten(draw, x):
    nd = x.dim()
    if nd == 0:
        return None
    d = _dim(draw, nd)
    n = x.shape[d]
    sizes = _factor(draw, n) if n else [0, 1]
    shape = x.shape[:d % nd] + tuple(sizes) + x.shape[d % nd + 1:]
    return (lambda t: t.unflatten(d, sizes)), (lambda a: a.reshape(shape))


def _narrow(draw, x):
    nd = x.dim()
    if nd == 0:
        return None
    d = _dim(draw, nd)
    n = x.shape[d]
    start = draw(st.integers(0, n))
    length = draw(st.integers(0, n - start))
    if draw(st.booleans()):
        start -= n  # negative start
    lo = start % n if n else 0
    return ((lambda t: t.narrow(d, start, length)),
            (lambda a: a[(slice(None),) * (d % nd) + (slice(lo, lo + length),)]))


def _select(draw, x):
    nd = x.dim()
    if nd == 0 or 0 in x.shape:
        return None
    d = _dim(draw, nd)
    i = draw(st.integers(-x.shape[d], x.shape[d] - 1))
    return (lambda t: t.select(d, i)), (lambda a: a[(slice(None),) * (d % nd) + (i,)])


def _unbind(draw, x):
    nd = x.dim()
    if nd == 0 or 0 in x.shape:
        return None
    d = _dim(draw, nd)
    i = draw(st.integers(0, x.shape[d] - 1))
    return (lambda t: t.unbind(d)[i]), (lambda a: a[(slice(None),) * (d % nd) + (i,)])


def _split(draw, x):
    nd = x.dim()
    if nd == 0:
        return None
    d = _dim(draw, nd)
    n = x.shape[d]
    if draw(st.booleans()) and n:
        arg = draw(st.integers(1, n))  # pieces of this size, the last one shorter
        starts = list(range(0, n, arg))
        lengths = [min(arg, n - s) for s in starts]
    else:
        cuts = sorted(draw(st.lists(st.integers(0, n), max_size=2)))
        bounds = [0] + cuts + [n]
        starts = bounds[:-1]
        arg = lengths = [b - a for a, b in zip(bounds, bounds[1:])]
    k = draw(st.integers(0, len(lengths) - 1))
    sl = (slice(None),) * (d % nd) + (slice(starts[k], starts[k] + lengths[k]),)
    return (lambda t: t.split(arg, d)[k]), (lambda a: a[sl])


def _chunk(draw, x):
    nd = x.dim()
    if nd == 0 or 0 in x.shape:
        return None
    d = _dim(draw, nd)
    n = x.shape[d]
    chunks = draw(st.integers(1, n + 1))
    size = -(-n // chunks)  # torch: pieces of ceil(n / chunks), so maybe fewer than chunks
    k = draw(st.integers(0, len(range(0, n, size)) - 1))
    sl = (slice(None),) * (d % nd) + (slice(k * size, k * size + size),)
    return (lambda t: t.chunk(chunks, d)[k]), (lambda a: a[sl])


def _diagonal(draw, x):
    nd = x.dim()
    if nd < 2:
        return None
    d1, d2 = draw(st.lists(st.integers(0, nd - 1), min_size=2, max_size=2, unique=True))
    off = draw(st.integers(-4, 4))
    return (lambda t: t.diagonal(off, d1, d2)), (lambda a: np.diagonal(a, off, d1, d2))


def _basic_index(draw, x):
    """A random basic index: ints (maybe negative), slices with positive steps, None and
    at most one Ellipsis."""
    idx = []
    d = 0
    ellipsis = False
    while True:
        kind = draw(st.sampled_from(["stop", "int", "slice", "slice", "none", "ellipsis"]))
        if kind == "stop":
            break
        if kind == "none":
            idx.append(None)
        elif kind == "ellipsis" and not ellipsis:
            idx.append(Ellipsis)
            ellipsis = True
            d = x.dim()  # the rest is consumed by the ellipsis
        elif d < x.dim():
            n = x.shape[d]
            if kind == "int" and n:
                idx.append(draw(st.integers(-n, n - 1)))
            else:
                start = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
                stop = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
                step = draw(st.one_of(st.none(), st.integers(1, 3)))
                idx.append(slice(start, stop, step))
            d += 1
    idx = tuple(idx) if len(idx) != 1 or draw(st.booleans()) else idx[0]
    return (lambda t: t[idx]), (lambda a: a[idx])


VIEW_OPS = {
    "transpose": _transpose, "t": _t, "mT": _mT, "permute": _permute, "movedim": _movedim,
    "expand": _expand, "squeeze": _squeeze, "unsqueeze": _unsqueeze, "flatten": _flatten,
    "reshape": _reshape, "view": _view, "unflatten": _unflatten, "narrow": _narrow,
    "select": _select, "unbind": _unbind, "split": _split, "chunk": _chunk,
    "diagonal": _diagonal, "index": _basic_index,
}


@st.composite
def view_chains(draw, ops=tuple(VIEW_OPS), max_len=4, shape=shapes()):
    """(base shape, [(op name, tensor fn, numpy fn), ...]): a random shape and a random
    chain of view ops valid for it. The ops are drawn against a tm tensor of that shape."""
    base = draw(shape)
    x = tm.zeros(base)
    chain = []
    for _ in range(draw(st.integers(1, max_len))):
        name = draw(st.sampled_from(ops))
        fns = VIEW_OPS[name](draw, x)
        if fns is None:
            continue
        chain.append((name,) + fns)
        x = fns[0](x)
    return base, chain


def numbered(shape, dtype=tm.float32):
    """(tm tensor, numpy array) holding 0, 1, 2, ... so every element is distinct."""
    a = np.arange(int(np.prod(shape)), dtype=dtype.np).reshape(shape)
    return tm.tensor(a), a


@st.composite
def layouts(draw, dtype, shape=shapes(max_dims=3)):
    """(tm tensor, numpy values) of random values in a random layout: contiguous,
    transposed, sliced with steps and an offset, expanded (stride 0), 0-d, size 0 or 1."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = draw(shape)
    kind = draw(st.sampled_from(["contiguous", "permuted", "stepped", "expanded"]))
    nd = len(shape)
    if kind == "permuted" and nd > 1:
        perm = draw(st.permutations(range(nd)))
        a = random_values(rng, [shape[p] for p in np.argsort(perm)], dtype)
        t = tm.tensor(a).permute(*perm)
        return t, np.transpose(a, perm)
    if kind == "stepped" and nd:
        steps = [draw(st.integers(1, 3)) for _ in shape]
        big = random_values(rng, [1 + n * s for n, s in zip(shape, steps)], dtype)
        sl = tuple(slice(1, None, s) for s in steps)
        t = tm.tensor(big)[sl]
        return t, big[sl]
    if kind == "expanded" and nd:
        small = [1 if draw(st.booleans()) else n for n in shape]
        a = random_values(rng, small, dtype)
        return tm.tensor(a).expand(*shape), np.broadcast_to(a, shape)
    a = random_values(rng, shape, dtype)
    return tm.tensor(a), a


# --- outcomes, compared with torch's ---------------------------------------------------------

def _plain(r):
    """A result in plain Python: tensors as (values, dtype name, strides), NaN as a string
    (so equal results compare equal), containers item by item."""
    if hasattr(r, "tolist") and hasattr(r, "stride"):
        values = r.detach().tolist()
        return (_nan_free(values), str(r.dtype).split(".")[-1], tuple(r.stride()))
    if isinstance(r, (tuple, list)):
        return type(r).__name__, tuple(_plain(x) for x in r)
    return _nan_free(r)


def _nan_free(v):
    if isinstance(v, list):
        return [_nan_free(x) for x in v]
    if isinstance(v, float) and v != v:
        return "nan"
    return v


def outcome(lib, fn, message=True):
    """("value", fn(lib) in plain Python) or ("error", the exception's type name[, its
    message])."""
    try:
        return "value", _plain(fn(lib))
    except Exception as e:  # noqa: BLE001 (the error itself is what is compared)
        return ("error", type(e).__name__) + ((str(e),) if message else ())


def same_as_torch(expr, message=True, **names):
    """`expr` (a string evaluated with `lib` bound, or a function of lib) with lib as
    tensorrt_mini and as torch: both give equal values, dtypes and strides, or both raise
    one error type (and message, unless message=False)."""
    torch = needs_torch()
    fn = expr if callable(expr) else (lambda lib: eval(expr, {"lib": lib, **names}))
    mine, theirs = outcome(tm, fn, message), outcome(torch, fn, message)
    assert mine == theirs, (expr, f"tm: {mine}", f"torch: {theirs}")


def same_write_as_torch(setup, statement, message=True):
    """`statement` (source that reads x and lib, and writes into x) run on x = `setup`
    (an expression in lib), with lib as tensorrt_mini and as torch: x ends with equal
    values, dtype and strides, or both raise one error type (and message)."""
    def fn(lib):
        x = eval(setup, {"lib": lib})
        exec(statement, {"x": x, "lib": lib, "M": lib.tensor([True, False, True])})
        return x
    same_as_torch(fn, message)


def close_to_torch(expr, rtol=1e-6, atol=1e-7, **names):
    """`expr` (as in same_as_torch) gives a tensor of torch's dtype, shape and strides,
    NaN and infinities where torch has them, and finite values within rtol/atol of
    torch's (for kernels whose roundings differ from torch's in the last bits)."""
    torch = needs_torch()
    fn = expr if callable(expr) else (lambda lib: eval(expr, {"lib": lib, **names}))
    mine, theirs = fn(tm), fn(torch)
    assert (str(mine.dtype).split(".")[-1], tuple(mine.shape), tuple(mine.stride())) == (
        str(theirs.dtype).split(".")[-1], tuple(theirs.shape), tuple(theirs.stride())), expr
    np.testing.assert_allclose(np.asarray(mine.detach()), theirs.detach().numpy(), rtol=rtol,
                               atol=atol, err_msg=str(expr))


def bitwise_same(mine, theirs):
    """tm tensor `mine` holds exactly torch tensor `theirs`: dtype, shape and every bit."""
    a, b = np.asarray(mine), theirs.detach().numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.ascontiguousarray(a).view(np.uint8),
                                  np.ascontiguousarray(b).view(np.uint8))


def after_seed(seed, fn):
    """(fn(tm), fn(torch)), each run right after its library's manual_seed(seed)."""
    torch = needs_torch()
    tm.manual_seed(seed)
    torch.manual_seed(seed)
    return fn(tm), fn(torch)
