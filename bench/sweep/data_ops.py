"""Sweep registrations for data movement: indexing, joining, views that copy, creation and
fills, and matmul."""
from .registry import floats, register, uniform


def _with_index(rng, shape, dtype, domain=(-3.0, 3.0)):
    """A tensor and a random index into its first dim, one entry per row."""
    return uniform(rng, shape, dtype, domain), rng.integers(0, shape[0], shape[0])


def _with_gather_index(rng, shape, dtype, domain=(-3.0, 3.0)):
    """A tensor and an index of its shape into its last dim."""
    return uniform(rng, shape, dtype, domain), rng.integers(0, shape[-1], shape)


# --- indexing ----------------------------------------------------------------------------

@register("a[idx]", "indexing", _with_index, dtypes=("float32", "int64"))
def _advanced(xp, a, idx):
    return lambda: a[idx]


@register("a[a > 0]", "indexing")
def _mask(xp, a):
    mask = a > 0
    return lambda: a[mask]


@register("a[::2].contiguous()", "indexing")
def _stepped(xp, a):
    return lambda: a[::2].contiguous()


@register("a[idx] = 1", "indexing", _with_index, check=False)
def _index_put(xp, a, idx):
    def run():
        a[idx] = 1.0
    return run


@register("gather(a, -1, idx)", "indexing", _with_gather_index, dtypes=("float32", "int64"))
def _gather(xp, a, idx):
    return lambda: xp.gather(a, -1, idx)


@register("index_select(a, 0, idx)", "indexing", _with_index)
def _index_select(xp, a, idx):
    return lambda: xp.index_select(a, 0, idx)


@register("embedding(ids, w)", "indexing", _with_index, forms=("2d",))  # a table, a row id each
def _embedding(xp, w, ids):
    return lambda: xp.nn.functional.embedding(ids, w)


@register("masked_fill(a, a > 0, 0)", "indexing")
def _masked_fill(xp, a):
    mask = a > 0
    return lambda: xp.masked_fill(a, mask, 0.0)


@register("nonzero(a > 0)", "indexing")
def _nonzero(xp, a):
    mask = a > 0
    return lambda: xp.nonzero(mask)


# --- joining -------------------------------------------------------------------------------

@register("cat([a, b])", "joining", floats(2), transposed=True, dtypes=("float32", "int64"))
def _cat(xp, a, b):
    return lambda: xp.cat([a, b])


@register("stack([a, b])", "joining", floats(2), transposed=True)
def _stack(xp, a, b):
    return lambda: xp.stack([a, b])


@register("a.repeat(2)", "joining", forms=("1d",))
def _repeat(xp, a):
    return lambda: a.repeat(2)


# --- views that copy ---------------------------------------------------------------------

@register("clone(a)", "copy", dtypes=("float32", "int64"))
def _clone(xp, a):
    return lambda: a.clone()


@register("a.t().contiguous()", "copy", forms=("2d",))
def _transpose_copy(xp, a):
    return lambda: a.t().contiguous()


@register("a.t().reshape(-1)", "copy", forms=("2d",))
def _reshape_copy(xp, a):
    return lambda: a.t().reshape(-1)


@register("flip(a, 0)", "copy")
def _flip(xp, a):
    return lambda: xp.flip(a, (0,))


@register("roll(a, 1, 0)", "copy")
def _roll(xp, a):
    return lambda: xp.roll(a, 1, 0)


@register("tril(a)", "copy", forms=("2d",))
def _tril(xp, a):
    return lambda: xp.tril(a)


@register("a.to(float64)", "copy")
def _to_double(xp, a):
    return lambda: a.to(xp.float64)


@register("a.to(float32)", "copy", dtypes=("int64",))
def _to_float(xp, a):
    return lambda: a.to(xp.float32)


# --- creation and fills ---------------------------------------------------------------------

@register("zeros(shape)", "creation")
def _zeros(xp, a):
    shape = tuple(a.shape)
    return lambda: xp.zeros(shape)


@register("ones(shape)", "creation")
def _ones(xp, a):
    shape = tuple(a.shape)
    return lambda: xp.ones(shape)


@register("full(shape, 2.0)", "creation")
def _full(xp, a):
    shape = tuple(a.shape)
    return lambda: xp.full(shape, 2.0)


@register("zeros_like(a)", "creation")
def _zeros_like(xp, a):
    return lambda: xp.zeros_like(a)


@register("empty(shape)", "creation", check=False)
def _empty(xp, a):
    shape = tuple(a.shape)
    return lambda: xp.empty(shape)


@register("arange(n)", "creation", forms=("1d",))
def _arange(xp, a):
    n = a.shape[0]
    return lambda: xp.arange(n)


@register("eye(n)", "creation", forms=("2d",))
def _eye(xp, a):
    n = a.shape[0]
    return lambda: xp.eye(n)


@register("rand(shape)", "creation", check=False)
def _rand(xp, a):
    shape = tuple(a.shape)
    return lambda: xp.rand(shape)


@register("randn(shape)", "creation", check=False)
def _randn(xp, a):
    shape = tuple(a.shape)
    return lambda: xp.randn(shape)


@register("a.fill_(2.0)", "creation", check=False)
def _fill(xp, a):
    return lambda: a.fill_(2.0)


@register("a.zero_()", "creation", check=False)
def _zero(xp, a):
    return lambda: a.zero_()


# --- matmul ------------------------------------------------------------------------------
# The 2-D form multiplies two squares of the size (2^22: 2048², 17 GFLOP a call).

@register("a @ b", "matmul", floats(2), forms=("2d",), transposed=True,
          dtypes=("float32", "float64"), tol=1e-3)
def _matmul(xp, a, b):
    return lambda: a @ b


@register("dot(a, b)", "matmul", floats(2), forms=("1d",))
def _dot(xp, a, b):
    return lambda: xp.dot(a, b)


def _matrix_and_vector(rng, shape, dtype, domain=(-3.0, 3.0)):
    return uniform(rng, shape, dtype, domain), uniform(rng, (shape[-1],), dtype, domain)


@register("mv(a, x)", "matmul", _matrix_and_vector, forms=("2d",))
def _mv(xp, a, x):
    return lambda: xp.mv(a, x)


