"""Reductions and arg-reductions under the simulator against numpy, through both the
one-pass and the split (partials + combine) paths."""
import numpy as np
import pytest

from tensorrt_mini.kernels.cuda import argreduce, reduce
from tensorrt_mini.kernels.cuda import geometry as geo

DTYPES = [np.dtype(d) for d in ("bool", "uint8", "int8", "int16", "int32", "int64",
                                "float32", "float64")]


def acc_dtype(name, dtype):
    if name in ("all", "any"):
        return np.dtype(bool)
    if name in ("amax", "amin") or dtype.kind == "f":
        return dtype
    return np.dtype(np.int64)


def layout(x):
    """(flat storage, element strides) of a view of a C-contiguous base array."""
    base = x
    while base.base is not None:
        base = base.base
    assert base.flags.c_contiguous
    return base.reshape(-1), tuple(s // x.itemsize for s in x.strides)


def meta(shape, xs, os_, chunk, count):
    return np.array([*shape, *xs, *os_, chunk, count], dtype=np.int64)


def launch(sim, module, name, dtype, outs, x, xi, shape, xs, os_, chunk, count, splits,
           width=1):
    n_outer, _, n_inner = shape
    columns = n_inner > 1
    if module is reduce:
        k = (reduce.columns(name, dtype, outs[0].dtype) if columns
             else reduce.rows(name, dtype, outs[0].dtype, width))
        args = [*outs, x, meta(shape, xs, os_, chunk, count)]
    else:
        k = (argreduce.columns if columns else argreduce.rows)(name, dtype, isinstance(xi, np.ndarray))
        args = [*outs, x, xi, meta(shape, xs, os_, chunk, 0)]
    if columns:
        sim.simulate(k, reduce.columns_grid(n_outer, n_inner, splits), (geo.TILE, geo.COLUMN_GROUPS), args)
    else:
        sim.simulate(k, reduce.rows_grid(n_outer, splits), geo.REDUCE_THREADS, args)


def run(sim, module, name, x3, out_dtypes, vector=False):
    """Reduce dim 1 of the (O, R, I) view x3: split when `splits` says so, then combine;
    with `vector`, through the rows kernel's vector variant (rows must be dense)."""
    n_outer, n_rows, n_inner = x3.shape
    flat, xs = layout(x3)
    blocks = n_outer * -(-n_inner // geo.TILE) if n_inner > 1 else n_outer
    s = reduce.splits(n_rows, blocks)
    count = n_rows if name == "mean" else 0
    outs = [np.zeros((n_outer, n_inner), d) for d in out_dtypes]

    def width(dtype):
        if not vector:
            return 1
        assert xs[1] == 1 and flat.ctypes.data % geo.VECTOR_BYTES == 0
        return geo.VECTOR_BYTES // np.dtype(dtype).itemsize

    if s == 1:
        launch(sim, module, name, x3.dtype, [o.reshape(-1) for o in outs], flat, np.int64(0),
               x3.shape, xs, (n_inner, 0, 1), n_rows, count, 1, width(x3.dtype))
        return outs, s
    chunk = -(-n_rows // s)
    parts = [np.zeros((n_outer, s, n_inner), d) for d in out_dtypes]
    launch(sim, module, name, x3.dtype, [p.reshape(-1) for p in parts], flat, np.int64(0),
           x3.shape, xs, (s * n_inner, n_inner, 1), chunk, 0, s, width(x3.dtype))
    pstrides = (s * n_inner, n_inner, 1)
    launch(sim, module, name, parts[0].dtype, [o.reshape(-1) for o in outs],
           parts[0].reshape(-1), parts[1].reshape(-1) if len(parts) > 1 else np.int64(0),
           (n_outer, s, n_inner), pstrides, (n_inner, 0, 1), s, count, 1, width(parts[0].dtype))
    return outs, s


def data(dtype, shape, seed, small=False):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype.kind == "b":
        x = rng.random(n) < 0.7
    elif dtype.kind == "f":
        x = rng.standard_normal(n)
    else:
        lo, hi = (-2, 2) if small else (max(np.iinfo(dtype).min, -100), min(np.iinfo(dtype).max, 100))
        x = rng.integers(lo, hi, n, endpoint=True)
    return x.astype(dtype).reshape(shape)


ORACLE = {"sum": np.sum, "mean": np.mean, "prod": np.prod, "amax": np.max, "amin": np.min,
          "all": np.all, "any": np.any}

# (O, R, I) views of make(shape): rows of a matrix, a full reduction, a transposed
# matrix's rows, the columns of a matrix, and the middle dim of a 3-d tensor
SHAPES = {
    "sum(1)": lambda make: make((3, 37))[:, :, None],
    "full": lambda make: make((45,))[None, :, None],
    "rows of x.T": lambda make: make((37, 3)).T[:, :, None],
    "sum(0)": lambda make: make((37, 9))[None],
    "3-d sum(1)": lambda make: make((2, 37, 6)),
}


# dense rows, which the vector variant of the rows kernel takes: rows whose vectors start
# at a different element in each row (37), and chunks (split rows) that start mid-vector
DENSE_ROWS = ("sum(1)", "full")


@pytest.mark.parametrize("name,dtype,shape,vector", [
    pytest.param(name, dtype, shape, vector, id=f"{name}-{dtype}-{shape}{'-vector' * vector}")
    for name in reduce.NAMES for dtype in DTYPES if name != "mean" or dtype.kind == "f"
    for shape, vector in [(s, False) for s in SHAPES] + [(s, True) for s in DENSE_ROWS]
    # a vector of one element is the scalar kernel: nothing more to test
    if not vector or geo.VECTOR_BYTES // dtype.itemsize > 1])
def test_reduce(sim, name, dtype, shape, vector):
    small = name == "prod" and dtype.kind in "iu"  # keep products meaningful
    x3 = SHAPES[shape](lambda sh: data(dtype, sh, 1, small))
    acc = acc_dtype(name, dtype)
    (got,), s = run(sim, reduce, name, x3, [acc], vector)
    kwargs = {"dtype": acc} if name in ("sum", "prod") else {}
    want = ORACLE[name](x3, axis=1, **kwargs)
    if acc.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-5 if acc == np.float32 else 1e-12)
    else:
        np.testing.assert_array_equal(got, want)


def test_both_paths_are_exercised(sim):  # SHAPES' sizes split with the simulator's geometry
    assert reduce.splits(37, 3) > 1
    assert reduce.splits(3, 1) == 1


@pytest.mark.parametrize("vector", [False, True])
@pytest.mark.parametrize("name", ["amax", "amin", "sum"])
def test_nan_propagates(sim, name, vector):
    x = data(np.dtype("float32"), (3, 37), 2)
    x[1, 30] = np.nan
    (got,), _ = run(sim, reduce, name, x[:, :, None], [np.float32], vector)
    assert np.isnan(got[1, 0]) and not np.isnan(got[[0, 2], 0]).any()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", argreduce.NAMES)
def test_arg_reduce(sim, name, dtype, shape):
    def make(sh):  # few distinct values: many ties, the first index must win
        x = data(dtype, sh, 3)
        return x if dtype.kind == "b" else np.floor(x % 3).astype(dtype)
    x3 = SHAPES[shape](make)
    (values, indices), _ = run(sim, argreduce, name, x3, [dtype, np.int64])
    arg = np.argmax if name == "max" else np.argmin
    np.testing.assert_array_equal(indices, arg(x3, axis=1))
    np.testing.assert_array_equal(values, np.take_along_axis(x3, indices[:, None], 1)[:, 0])


@pytest.mark.parametrize("name", argreduce.NAMES)
def test_arg_reduce_first_nan_wins(sim, name):
    x = np.round(data(np.dtype("float64"), (2, 37), 4))
    x[0, [5, 20, 33]] = np.nan
    x[1, 36] = np.nan
    (values, indices), s = run(sim, argreduce, name, x[:, :, None], [np.float64, np.int64])
    assert s > 1
    np.testing.assert_array_equal(indices[:, 0], [5, 36])
    assert np.isnan(values).all()


def test_simulated_shared_arrays_are_shared_by_threads_arriving_together(sim):
    """Regression: the simulator created a block's shared array on first use without a
    lock, so threads arriving together could each get their own (a reduction lost
    partial sums). Every thread here looks the array up before any creates it, unless
    the lookup is serialised."""
    import threading

    meet = threading.Barrier(8, timeout=0.5)

    class Rendezvous(dict):
        def get(self, key, default=None):
            found = super().get(key, default)
            try:
                meet.wait()  # racy lookups: all eight look before any array exists
            except threading.BrokenBarrierError:
                pass  # serialised lookups: the first times out, the rest pass
            return found

    shared = sim.FakeCUDAShared(0)
    shared._allocations = Rendezvous()
    got = []

    def thread():
        got.append(shared.array(8, np.float32))  # one source line for every thread

    threads = [threading.Thread(target=thread) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and len({id(a) for a in got}) == 1
