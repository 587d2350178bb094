"""Shared test helpers: numpy as the oracle for values, and the bridge to torch where a
test asks for it. (Hypothesis strategies for shapes and views are in view_strategies.py,
so that this module imports without hypothesis, as on the GPU image.)

torch is only an optional oracle (strides, storage offsets, dtypes, errors); a test that
needs it calls `needs_torch()`, which skips that test alone when torch is missing.
"""
import numpy as np
import pytest

import tensorrt_mini as tm

DTYPES = (tm.bool, tm.uint8, tm.int8, tm.int16, tm.int32, tm.int64, tm.float32, tm.float64)
INT_DTYPES = (tm.uint8, tm.int8, tm.int16, tm.int32, tm.int64)
FLOAT_DTYPES = (tm.float32, tm.float64)


def needs_torch():
    return pytest.importorskip("torch")


def torch_dtype(torch, dtype):
    return getattr(torch, dtype.name)


def host(t):
    """A numpy copy of t's values, from any device and detached (np.array itself refuses
    a cuda tensor and one that requires grad, as with torch)."""
    if hasattr(t, "detach"):
        t = t.detach().cpu()
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


def numbered(shape, dtype=tm.float32):
    """(tm tensor, numpy array) holding 0, 1, 2, ... so every element is distinct."""
    a = np.arange(int(np.prod(shape)), dtype=dtype.np).reshape(shape)
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
