"""Hypothesis strategies for tests: random shapes, random chains of view ops (each with
its numpy mirror), and random values in random layouts (contiguous, permuted, stepped,
expanded, 0-d, size 0 or 1)."""
import numpy as np
from hypothesis import strategies as st

import tensorrt_mini as tm
from oracle import random_values


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
