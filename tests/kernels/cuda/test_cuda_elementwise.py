"""Elementwise kernels under the simulator against numpy (torch's semantics where numpy's
differ), on tiny inputs: simulated threads are slow."""
import math

import numpy as np
import pytest

from tensorrt_mini.kernels.cuda import elementwise as ew
from tensorrt_mini.kernels.cuda import geometry as geo
from tensorrt_mini.kernels import catalog

DTYPES = [np.dtype(d) for d in ("bool", "uint8", "int8", "int16", "int32", "int64",
                                "float32", "float64")]
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e30, -3.0, 3.0, 7.25]


def values(dtype, n, seed, role="any"):
    """n test values of dtype; `role` avoids inputs whose result torch leaves undefined."""
    rng = np.random.default_rng(seed)
    if dtype.kind == "b":
        return rng.random(n) < 0.5
    if dtype.kind == "f":
        x = np.resize(np.array(SPECIALS), n)
        return np.where(np.arange(n) < len(SPECIALS), x, rng.standard_normal(n) * 4).astype(dtype)
    if role == "exponent":
        return rng.integers(-2, 6, n).astype(dtype) if dtype.kind == "i" else \
            rng.integers(0, 6, n).astype(dtype)
    info = np.iinfo(dtype)
    x = rng.integers(max(info.min, -1000), min(info.max, 1000), n, endpoint=True).astype(dtype)
    if role == "divisor":
        x[x == 0] = 3
    return x


def _int_pow(a, b, dtype):
    """Integer power wrapped to dtype; negative exponents as torch: 1 and -1 keep their
    powers, every other base gives 0."""
    bits = dtype.itemsize * 8
    out = []
    for x, e in zip(a.tolist(), b.tolist()):
        if e < 0:
            r = 1 if x == 1 else ((1 if e % 2 == 0 else -1) if x == -1 else 0)
        else:
            r = pow(x, e, 1 << bits)
        r %= 1 << bits
        if dtype.kind == "i" and r >= 1 << (bits - 1):
            r -= 1 << bits
        out.append(r)
    return np.array(out, dtype=dtype)


def _sign(x):
    if x.dtype.kind == "b":
        return x
    return np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype) if x.dtype.kind == "f" else np.sign(x)


def _remainder(a, b):
    """torch: fmod, moved into the divisor's sign; unlike numpy it keeps -0. % 1. == -0."""
    if a.dtype.kind != "f":
        return np.remainder(a, b)
    r = np.fmod(a, b)
    return np.where((r != 0) & ((b < 0) != (r < 0)), r + b, r)


def _identity_for_ints(f):
    return lambda x: f(x) if x.dtype.kind == "f" else x


ORACLE = {
    "neg": np.negative, "abs": np.abs, "sign": _sign, "exp": np.exp, "expm1": np.expm1,
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt,
    "rsqrt": lambda x: 1 / np.sqrt(x), "reciprocal": lambda x: 1 / x,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "erf": lambda x: np.array([math.erf(v) for v in x.tolist()], dtype=x.dtype),
    "relu": lambda x: np.where(x < 0, x.dtype.type(0), x),
    "floor": _identity_for_ints(np.floor), "ceil": _identity_for_ints(np.ceil),
    "round": _identity_for_ints(np.round), "trunc": _identity_for_ints(np.trunc),
    "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
    "logical_not": np.logical_not, "bitwise_not": np.invert, "copy": lambda x: x,
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "floor_divide": np.floor_divide, "remainder": _remainder,
    "pow": lambda a, b: _int_pow(a, b, a.dtype) if a.dtype.kind in "iu" else np.power(a, b),
    "maximum": np.maximum, "minimum": np.minimum, "eq": np.equal, "ne": np.not_equal,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
    "where": np.where,
}


# The ops with a numpy reference here run over specials and every dtype at kernel level;
# every op of the catalog runs through the public API in tests/ops/test_catalog.py.
NAMES = sorted(ORACLE)


def expected(name, operands, out_dtype):
    with np.errstate(all="ignore"):
        r = np.asarray(ORACLE[name](*operands))
        if name == "copy" and r.dtype.kind == "f" and out_dtype.kind in "iu":
            r = r.astype(np.int64)  # float -> int goes through int64, like torch
        return r.astype(out_dtype)


def check(got, want):
    if want.dtype.kind == "f":
        rtol = 4e-6 if want.dtype == np.float32 else 1e-14
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)
        numbers = ~np.isnan(want)  # -0. and 0. print differently: their signs must agree
        np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))
    else:
        np.testing.assert_array_equal(got, want)


def operands_for(name, dtype, n, seed=0):
    if name == "where":
        return [values(np.dtype(bool), n, seed), values(dtype, n, seed + 1),
                values(dtype, n, seed + 2)]
    roles = {"floor_divide": "divisor", "remainder": "divisor", "pow": "exponent"}
    ops_ = [values(dtype, n, seed)]
    if catalog.get(name).arity == 2:
        ops_.append(values(dtype, n, seed + 1, roles.get(name, "any")))
    return ops_


def run_contiguous(sim, name, dtype, out_dtype, operands, n, width):
    out = np.zeros(n, out_dtype)
    pointers = tuple(isinstance(x, np.ndarray) for x in operands)
    if name == "copy" and np.dtype(dtype).kind == "f" and np.dtype(out_dtype).kind in "iu":
        name = "to_int64"  # as the backend casts
    k = ew.contiguous(name, dtype, out_dtype, pointers, width)
    sim.simulate(k, ew.contiguous_grid(n, width), geo.THREADS, [out, *operands, n])
    return out


def _width(*dtypes):
    return ew.vector_width([np.dtype(d).itemsize for d in dtypes])


def _cases():
    return [pytest.param(name, dtype, id=f"{name}-{dtype}")
            for name in NAMES for dtype in DTYPES if catalog.get(name).supports(dtype)]


@pytest.mark.parametrize("name,dtype", _cases())
def test_contiguous_every_op_and_dtype(sim, name, dtype):
    out_dtype = catalog.get(name).result_dtype(dtype)
    width = _width(dtype, out_dtype, *(["bool"] if name == "where" else []))
    n = geo.THREADS * geo.UNROLL * width + 5  # one full vector tile and a scalar tail
    operands = operands_for(name, dtype, n)
    got = run_contiguous(sim, name, dtype, out_dtype, operands, n, width)
    check(got, expected(name, operands, out_dtype))


@pytest.mark.parametrize("dtype", [np.dtype("float32"), np.dtype("float64")], ids=str)
@pytest.mark.parametrize("name", sorted(n for n in NAMES if catalog.get(n).arity == 2
                                         and catalog.get(n).supports("float32")))
def test_binary_float_specials_all_pairs(sim, name, dtype):
    """Every pair of special values (nan, +-inf, +-0., halves...) in both orders."""
    specials = np.array(SPECIALS, dtype)
    a, b = np.repeat(specials, len(specials)), np.tile(specials, len(specials))
    out_dtype = catalog.get(name).result_dtype(dtype)
    got = run_contiguous(sim, name, dtype, out_dtype, [a, b], len(a), _width(dtype))
    check(got, expected(name, [a, b], out_dtype))


@pytest.mark.parametrize("width", [1, 2])
@pytest.mark.parametrize("name", ["add", "lt", "where", "pow", "floor_divide", "maximum"])
def test_contiguous_scalar_operand(sim, name, width):
    dtype = np.dtype("float32")
    n = geo.THREADS * geo.UNROLL * width * 2 + 3
    operands = operands_for(name, dtype, n)
    operands[-1] = np.float32(2.5)
    out_dtype = catalog.get(name).result_dtype(dtype)
    got = run_contiguous(sim, name, dtype, out_dtype, operands, n, width)
    check(got, expected(name, [operands[0], *[np.full(n, v) if np.ndim(v) == 0 else v
                                               for v in operands[1:]]], out_dtype))


@pytest.mark.parametrize("src", DTYPES, ids=str)
@pytest.mark.parametrize("dst", DTYPES, ids=str)
def test_copy_casts(sim, src, dst):
    n = 21
    x = values(src, n, 3)
    if src.kind == "f" and dst.kind in "iu":
        x = np.where(np.isfinite(x) & (np.abs(x) < 100), x, 1).astype(src)  # defined range
    got = run_contiguous(sim, "copy", src, dst, [x], n, 1)
    check(got, expected("copy", [x], dst))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_fill_is_a_copy_of_a_scalar(sim, dtype):
    n = geo.THREADS * geo.UNROLL * _width(dtype) + 3
    value = dtype.type(1 if dtype.kind == "b" else 7)
    got = run_contiguous(sim, "copy", dtype, dtype, [value], n, _width(dtype))
    np.testing.assert_array_equal(got, np.full(n, value))


def test_in_place_output_aliases_an_input(sim):
    a = values(np.dtype("float32"), 45, 1)
    b = values(np.dtype("float32"), 45, 2)
    want = a + b
    k = ew.contiguous("add", "float32", "float32", (True, True), 2)
    sim.simulate(k, ew.contiguous_grid(45, 2), geo.THREADS, [a, a, b, 45])
    check(a, want)


def strided_meta(shape, *stride_lists):
    return np.array(list(shape) + [s for st in stride_lists for s in st], dtype=np.int64)


def run_strided(sim, name, dtype, out_dtype, out, out_strides, operands):
    """operands: (array, strides) pairs or scalars; arrays are flat storage."""
    shape = out.shape
    flat_ops, strides = [], []
    for x in operands:
        if isinstance(x, tuple):
            flat_ops.append(x[0])
            strides.append(x[1])
        else:
            flat_ops.append(x)
    pointers = tuple(isinstance(x, np.ndarray) for x in flat_ops)
    k = ew.strided(name, dtype, out_dtype, pointers)
    n = out.size
    flat_out = out.reshape(-1)
    sim.simulate(k, (geo.blocks(n, geo.THREADS),), geo.THREADS,
                 [flat_out, *flat_ops, n, strided_meta(shape, out_strides, *strides), len(shape)])


def _elem_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", ["add", "maximum", "where", "copy", "eq"])
def test_strided_transposed_and_broadcast(sim, name, dtype):
    if not catalog.get(name).supports(dtype):
        pytest.skip("op not defined for dtype")
    out_dtype = catalog.get(name).result_dtype(dtype)
    shape = (3, 4, 5)
    # a: a permuted view; b: broadcast along dim 1 (stride 0); c: a strided slice
    base_a = values(dtype, 60, 1).reshape(5, 4, 3)
    a = base_a.transpose(2, 1, 0)
    base_b = values(dtype, 15, 2).reshape(3, 1, 5)
    b = np.broadcast_to(base_b, shape)
    base_c = values(dtype, 120, 3).reshape(3, 4, 10)
    c = base_c[:, :, ::2]
    if name == "where":
        base_a = values(np.dtype(bool), 60, 1).reshape(5, 4, 3)
        a = base_a.transpose(2, 1, 0)
        operands = [a, b, c]
    else:
        operands = [a, b][:catalog.get(name).arity]
    bases = {id(a): base_a, id(b): base_b, id(c): base_c}
    packed = [(bases[id(x)].reshape(-1), _elem_strides(x)) for x in operands]
    out = np.zeros(shape, out_dtype)
    run_strided(sim, name, dtype, out_dtype, out, _elem_strides(out), packed)
    check(out, expected(name, [np.ascontiguousarray(x) for x in operands], out_dtype))


def test_strided_writes_through_a_strided_output(sim):
    storage = np.zeros(40, np.float32)
    out = storage.reshape(4, 10)[:, 1::3]  # (4, 3) view, strides (10, 3), offset 1
    a = values(np.dtype("float32"), 12, 1).reshape(4, 3)
    k_out = storage[1:]  # the pointer starts at the view's first element
    k = ew.strided("neg", "float32", "float32", (True,))
    meta = strided_meta((4, 3), (10, 3), (3, 1))
    sim.simulate(k, (2,), geo.THREADS, [k_out, a.reshape(-1), 12, meta, 2])
    check(out, -a)
    mask = np.ones(40, bool)
    mask[1:][np.add.outer(np.arange(4) * 10, np.arange(3) * 3).ravel()] = False
    assert not storage[mask].any()  # nothing else written


def run_tiled(sim, name, dtype, out_dtype, out, out_strides, operands, transposed):
    nb, n0, n1 = out.shape
    flat_ops, strides = [], []
    for x in operands:
        if isinstance(x, tuple):
            flat_ops.append(x[0])
            strides.append(x[1])
        else:
            flat_ops.append(x)
    pointers = tuple(isinstance(x, np.ndarray) for x in flat_ops)
    k = ew.tiled(name, dtype, out_dtype, pointers, transposed)
    sizes_and_strides = [nb, n0, n1] + [s for st in (out_strides, *strides) for s in st]
    sim.simulate(k, ew.tiled_grid(nb, n0, n1), (geo.TILE, geo.TILE_ROWS),
                 [out.reshape(-1), *flat_ops, *sizes_and_strides])


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tiled_a_plus_b_transposed(sim, dtype):
    """out (2, 6, 7) = a + b.transpose(0, 2, 1): partial tiles in both dims, a batch of 2."""
    name = "maximum" if dtype.kind == "b" else "add"
    a = values(dtype, 84, 1).reshape(2, 6, 7)
    bt = values(dtype, 84, 2).reshape(2, 7, 6)
    b = bt.transpose(0, 2, 1)
    out = np.zeros((2, 6, 7), dtype)
    run_tiled(sim, name, dtype, dtype, out, (42, 7, 1),
              [(a.reshape(-1), (42, 7, 1)), (bt.reshape(-1), _elem_strides(b))],
              (False, True))
    check(out, expected(name, [a, np.ascontiguousarray(b)], dtype))


def test_tiled_transposed_copy_and_where_with_two_staged_operands(sim):
    bt = values(np.dtype("float64"), 63, 1).reshape(9, 7)
    out = np.zeros((1, 7, 9))
    run_tiled(sim, "copy", "float64", "float64", out, (63, 9, 1),
              [(bt.reshape(-1), (0, 1, 7))], (True,))
    check(out[0], bt.T)

    cond = values(np.dtype(bool), 63, 2).reshape(9, 7)
    yt = values(np.dtype("float32"), 63, 3).reshape(9, 7)
    x = values(np.dtype("float32"), 63, 4).reshape(7, 9)
    out = np.zeros((1, 7, 9), np.float32)
    run_tiled(sim, "where", "float32", "float32", out, (63, 9, 1),
              [(cond.reshape(-1), (0, 1, 7)), (x.reshape(-1), (0, 9, 1)),
               (yt.reshape(-1), (0, 1, 7))], (True, False, True))
    check(out[0], np.where(cond.T, x, yt.T))


def test_tiled_with_a_scalar_operand(sim):
    bt = values(np.dtype("int32"), 30, 1).reshape(5, 6)
    out = np.zeros((1, 6, 5), np.int32)
    run_tiled(sim, "mul", "int32", "int32", out, (30, 5, 1),
              [(bt.reshape(-1), (0, 1, 6)), np.int32(-3)], (True, True))
    check(out[0], bt.T * -3)


@pytest.mark.parametrize("name, dtype, pointers, blocks", [
    ("add", "float32", (True, True), geo.TILED_BLOCKS),  # two 32-bit values
    ("copy", "float64", (True,), geo.TILED_BLOCKS),  # one 64-bit value
    ("mul", "int64", (True, False), geo.TILED_BLOCKS),  # a scalar takes no tile
    ("add", "int64", (True, True), geo.TILED_BLOCKS_WIDE),  # 8 blocks would spill
    ("where", "uint8", (True, True, True), geo.TILED_BLOCKS_WIDE),  # three operands
    ("sin", "float32", (True,), geo.TILED_BLOCKS_HEAVY),
    ("floor_divide", "int8", (True, True), geo.TILED_BLOCKS_HEAVY),
])
def test_tiled_launch_bounds_follow_what_a_thread_holds(name, dtype, pointers, blocks):
    k = ew.tiled(name, dtype, str(catalog.get(name).result_dtype(dtype)), pointers, pointers)
    assert k.min_blocks == blocks
    assert k.name.endswith(f".b{blocks}")  # bounds change the PTX: they key the cache


def test_simulate_rejects_a_mistyped_pointer(sim):
    k = ew.contiguous("neg", "float32", "float32", (True,), 1)
    with pytest.raises(TypeError, match="float32"):
        sim.simulate(k, (1,), geo.THREADS, [np.zeros(4, np.float32), np.zeros(4, np.float64), 4])


def test_a_misaligned_vector_access_is_refused_as_a_gpu_would_fault(sim):
    from tensorrt_mini.kernels.cuda.intrinsics import vload, vstore
    buf = np.zeros(9, np.float32)
    at_one = buf[1:] if buf.ctypes.data % 8 == 0 else buf[:]  # one element off 8 bytes
    tmp = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match="misaligned 2-element vector access"):
        vload(tmp, 0, at_one, 0, 2)
    with pytest.raises(ValueError, match="misaligned 2-element vector access"):
        vstore(at_one, 2, tmp, 0, 2)
    vload(tmp, 0, at_one, 1, 2)  # one element on: aligned
    vstore(at_one, 3, tmp, 0, 2)
