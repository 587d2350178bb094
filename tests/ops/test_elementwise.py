"""Elementwise ops: values against numpy on random layouts (contiguous, permuted, stepped,
expanded, 0-d, sizes 0 and 1), result dtypes against PyTorch's promotion rules (a
hard-coded table, and torch itself where installed), Python scalars as weak operands,
in-place forms through views, and PyTorch's errors.

To keep Numba's JIT time small, values run in one or two dtypes per op; dtype coverage
comes from the promotion tests, which sample the op x dtype grid.
"""
import math
import operator
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import (DTYPES, FLOAT_DTYPES, assert_values, close_to_torch, host, needs_torch,
                    random_values, same_as_torch, same_write_as_torch, torch_dtype)
from view_strategies import layouts, shapes

# --- numpy references with torch's semantics ------------------------------------------------

_erf = np.vectorize(math.erf, otypes=[np.float64])

UNARY = {
    "neg": np.negative, "abs": np.abs, "sign": np.sign, "exp": np.exp, "expm1": np.expm1,
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt,
    "rsqrt": lambda a: 1 / np.sqrt(a), "reciprocal": lambda a: 1 / a, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
    "relu": lambda a: np.maximum(a, a.dtype.type(0)), "erf": lambda a: _erf(a).astype(a.dtype),
    "floor": np.floor, "ceil": np.ceil, "round": np.round, "trunc": np.trunc,
    "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
    "logical_not": np.logical_not, "bitwise_not": np.invert,
}
FLOAT_RESULT = {"exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal",
                "sin", "cos", "tan", "tanh", "sigmoid", "erf"}
BOOL_RESULT = {"isnan", "isinf", "isfinite", "logical_not"}

BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "floor_divide": np.floor_divide, "remainder": np.remainder, "pow": np.power,
    "maximum": np.maximum, "minimum": np.minimum, "eq": np.equal, "ne": np.not_equal,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
}
COMPARE = {"eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"}
BITWISE = {"bitwise_and", "bitwise_or", "bitwise_xor"}
INT_DIVISION = {"floor_divide", "remainder"}

OPERATORS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "floor_divide": operator.floordiv, "remainder": operator.mod, "pow": operator.pow,
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge, "bitwise_and": operator.and_,
    "bitwise_or": operator.or_, "bitwise_xor": operator.xor,
}

VALUES = settings(max_examples=15, deadline=None)


def test_the_numpy_references_are_catalog_ops():
    """This file's numpy references check values over random views; every op of the
    catalog is in tests/ops/test_catalog.py's table."""
    from tensorrt_mini.kernels import catalog
    names = set(UNARY) | set(BINARY)
    assert names <= {name for name, op in catalog.OPS.items() if op.public}
    for name in names:
        assert callable(getattr(tm, name)) and callable(getattr(tm.Tensor, name))


def _np(fn, *arrays):
    with np.errstate(all="ignore"):
        return fn(*arrays)


def unary_dtype(name, d):
    """torch's result dtype of a unary op on dtype d (hard-coded rules)."""
    if name in BOOL_RESULT:
        return tm.bool
    if name in FLOAT_RESULT and not d.is_floating_point:
        return tm.float32
    return d


# --- unary ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(UNARY))
@VALUES
@given(data=st.data())
def test_unary_values(name, data):
    dtype = tm.int64 if name == "bitwise_not" else tm.float32
    x, a = data.draw(layouts(dtype))
    assert_values(getattr(tm, name)(x), _np(UNARY[name], a), dtype=unary_dtype(name, dtype))
    assert_values(getattr(x, name)(), _np(UNARY[name], a))


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [tm.int64, tm.uint8, tm.bool], ids=str)
def test_unary_integer_and_bool_inputs(name, dtype):
    a = random_values(np.random.default_rng(0), (2, 3), dtype)
    x = tm.tensor(a)
    refused = {"neg": RuntimeError, "relu": RuntimeError, "abs": NotImplementedError,
               "floor": NotImplementedError, "ceil": NotImplementedError,
               "round": NotImplementedError, "trunc": NotImplementedError}
    if dtype is tm.bool and name in refused:
        with pytest.raises(refused[name]):
            getattr(tm, name)(x)
        return
    expected_dtype = unary_dtype(name, dtype)
    if name == "sign" and dtype is tm.bool:
        expected = a  # numpy has no bool sign; torch gives the input back
    else:
        expected = _np(UNARY[name], a.astype(np.float32) if name in FLOAT_RESULT else a)
    assert_values(getattr(tm, name)(x), expected.astype(expected_dtype.np), dtype=expected_dtype)


def test_unary_special_values():
    nan, inf = math.nan, math.inf
    x = tm.tensor([nan, inf, -inf, -0.0, 0.0, 1e-40, -2.5, 2.5])
    as_list = {name: getattr(x, name)().tolist() for name in UNARY if name != "bitwise_not"}
    # torch: sign(nan) is 0, rsqrt(-0.0) is -inf, relu(-inf) is 0, and floor & co keep
    # inf, nan and -0.0 (regressions: the kernels once gave nan, inf, nan and INT_MIN)
    assert as_list["sign"][:5] == [0.0, 1.0, -1.0, 0.0, 0.0]
    assert as_list["rsqrt"][3] == -inf and as_list["rsqrt"][4] == inf
    assert as_list["reciprocal"][3] == -inf
    assert as_list["relu"][2] == 0.0 and math.isnan(as_list["relu"][0])
    assert math.copysign(1, as_list["relu"][3]) == -1  # max(-0.0, 0) keeps -0.0, as torch
    for name in ("floor", "ceil", "trunc", "round"):
        got = as_list[name]
        assert math.isnan(got[0]) and got[1:3] == [inf, -inf], name
        assert math.copysign(1, got[3]) == -1, name
    assert as_list["floor"][5:] == [0.0, -3.0, 2.0] and as_list["ceil"][5:] == [1.0, -2.0, 3.0]
    assert as_list["round"][6:] == [-2.0, 2.0]  # half to even
    assert as_list["sigmoid"][1:3] == [1.0, 0.0]
    assert as_list["isfinite"] == [False, False, False, True, True, True, True, True]
    assert tm.tensor([-1000.0, 1000.0]).sigmoid().tolist() == [0.0, 1.0]
    assert tm.tensor([-128], dtype=tm.int8).abs().tolist() == [-128]
    assert (-tm.tensor([1], dtype=tm.uint8)).tolist() == [255]


# --- binary ---------------------------------------------------------------------------------

@st.composite
def broadcast_pair(draw, dtype):
    """Two operands (tm, numpy) of shapes that broadcast, each in a random layout."""
    shape = draw(shapes(max_dims=3))
    other = tuple(1 if draw(st.booleans()) else n for n in shape)
    other = other[draw(st.integers(0, len(other))):]
    if draw(st.booleans()):
        shape, other = other, shape
    x, a = draw(layouts(dtype, shape=st.just(shape)))
    y, b = draw(layouts(dtype, shape=st.just(other)))
    return x, a, y, b


def _nonzero(t, a):
    """Divisors without zeros: integer division by zero raises (test_int_division_by_zero)."""
    fixed = np.where(a == 0, 1, a).astype(a.dtype)
    return tm.tensor(fixed), fixed


@pytest.mark.parametrize("name", sorted(BINARY))
@VALUES
@given(data=st.data())
def test_binary_values(name, data):
    dtype = tm.int64 if name in BITWISE | INT_DIVISION and data.draw(st.booleans()) or \
        name in BITWISE else tm.float32
    x, a, y, b = data.draw(broadcast_pair(dtype))
    if name == "pow" and dtype is tm.float32:
        a = np.abs(a)  # numpy and torch agree on nan for negative ** fractional; keep it finite
        x = tm.tensor(a)
    if name in INT_DIVISION and not dtype.is_floating_point:
        y, b = _nonzero(y, b)
    expected = _np(BINARY[name], a, b)
    got = getattr(tm, name)(x, y)
    assert_values(got, expected, dtype=tm.bool if name in COMPARE else dtype)
    assert_values(getattr(x, name)(y), expected)


def test_binary_output_keeps_input_layout():
    x = tm.ones(2, 3).t()
    assert (x + 1).stride() == (1, 3) and (x + x).stride() == (1, 3)
    assert (x + tm.ones(3, 2)).stride() == (1, 3)      # the first operand's order wins
    assert (tm.ones(3, 2) + x).stride() == (2, 1)
    assert (x + tm.ones(2)).stride() == (1, 3)
    assert (tm.ones(3, 1) + tm.ones(4)).stride() == (4, 1)
    assert x.exp().stride() == (1, 3)
    assert tm.ones(4, 6).t()[::2].neg().stride() == (1, 3)   # not dense: same dim order


def test_broadcast_error():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(2\) at non-singleton dimension 1"):
        tm.ones(2, 3) + tm.ones(2)
    with pytest.raises(RuntimeError, match="at non-singleton dimension 0"):
        tm.ones(5, 1, 3) + tm.ones(4, 2, 1)


# --- dtypes and promotion -----------------------------------------------------------------------

# torch.promote_types, row x column, in DTYPES order: b u8 i8 i16 i32 i64 f32 f64
PROMOTE = """
b   u8  i8  i16 i32 i64 f32 f64
u8  u8  i16 i16 i32 i64 f32 f64
i8  i16 i8  i16 i32 i64 f32 f64
i16 i16 i16 i16 i32 i64 f32 f64
i32 i32 i32 i32 i32 i64 f32 f64
i64 i64 i64 i64 i64 i64 f32 f64
f32 f32 f32 f32 f32 f32 f32 f64
f64 f64 f64 f64 f64 f64 f64 f64
"""
_SHORT = dict(zip("b u8 i8 i16 i32 i64 f32 f64".split(), DTYPES))
PROMOTE_TABLE = {(a, b): _SHORT[cell]
                 for a, row in zip(DTYPES, PROMOTE.split("\n")[1:-1])
                 for b, cell in zip(DTYPES, row.split())}


def test_promote_types_table():
    for (a, b), expected in PROMOTE_TABLE.items():
        assert tm.promote_types(a, b) is expected, (a, b)
        assert tm.result_type(tm.ones(1, dtype=a), tm.ones(1, dtype=b)) is expected


def binary_dtype(name, a, b):
    """(result dtype, or the exception) of name(tensor a, tensor b), by torch's rules."""
    rt = PROMOTE_TABLE[a, b]
    if name == "sub" and tm.bool in (a, b):
        return RuntimeError
    if name in BITWISE and rt.is_floating_point:
        return NotImplementedError
    if name in {"pow", "floor_divide", "remainder"} and rt is tm.bool:
        return NotImplementedError
    if name in COMPARE:
        return tm.bool
    if name == "div" and not rt.is_floating_point:
        return tm.float32
    return rt


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(BINARY)), st.sampled_from(DTYPES), st.sampled_from(DTYPES))
def test_binary_dtype_grid(name, a, b):
    x = tm.tensor([[1, 2]], dtype=a)
    y = tm.tensor([[1], [1]], dtype=b)
    expected = binary_dtype(name, a, b)
    if isinstance(expected, type):
        with pytest.raises(expected):
            getattr(tm, name)(x, y)
        return
    got = getattr(tm, name)(x, y)
    ref = _np(BINARY[name], host(x).astype(got.dtype.np if name not in COMPARE else np.float64),
              host(y).astype(got.dtype.np if name not in COMPARE else np.float64))
    assert_values(got, ref, dtype=expected)


@pytest.mark.parametrize("a", DTYPES, ids=str)
def test_add_dtype_every_pair(a):
    for b in DTYPES:
        assert (tm.ones(2, dtype=a) + tm.ones(2, dtype=b)).dtype is PROMOTE_TABLE[a, b]


# (tensor dtype, Python scalar) -> torch's result dtype: scalars only raise the category
WEAK_SCALARS = [
    (tm.int64, 2.5, tm.float32), (tm.int32, 2, tm.int32), (tm.int8, 2, tm.int8),
    (tm.uint8, 2, tm.uint8), (tm.float32, 2, tm.float32), (tm.float32, 2.5, tm.float32),
    (tm.float64, 2.5, tm.float64), (tm.bool, 2, tm.int64), (tm.bool, 2.5, tm.float32),
    (tm.bool, True, tm.bool), (tm.int16, True, tm.int16), (tm.float32, True, tm.float32),
]


@pytest.mark.parametrize("dtype, scalar, expected", WEAK_SCALARS, ids=str)
def test_scalar_operands_are_weak(dtype, scalar, expected):
    x = tm.tensor([1, 0, 3], dtype=dtype)
    a = host(x)
    assert (x + scalar).dtype is expected and (scalar + x).dtype is expected
    assert (x * scalar).dtype is expected and (scalar * x).dtype is expected
    assert_values(x + scalar, (a.astype(expected.np) + np.array(scalar).astype(expected.np)))
    assert (x == scalar).dtype is tm.bool
    assert tm.result_type(x, scalar) is expected


def test_zero_dim_tensors_are_weak_within_a_category():
    i32 = tm.tensor([1, 2], dtype=tm.int32)
    assert (i32 + tm.tensor(2)).dtype is tm.int32                 # int64 0-d: same category
    assert (i32 + tm.tensor(2.5, dtype=tm.float64)).dtype is tm.float64   # higher category
    assert (tm.ones(2) + tm.tensor(2.5, dtype=tm.float64)).dtype is tm.float32
    assert (tm.ones(2, dtype=tm.uint8) + tm.tensor(2, dtype=tm.int8)).dtype is tm.uint8
    assert (tm.tensor(1, dtype=tm.uint8) + tm.tensor(2, dtype=tm.int8)).dtype is tm.int16
    assert (tm.tensor(1, dtype=tm.uint8) + tm.tensor(2, dtype=tm.int8)).shape == ()
    assert (tm.tensor([True]) + tm.tensor(2, dtype=tm.int8)).dtype is tm.int8
    assert tm.result_type(2, 2.5) is tm.float32


def test_division_and_power_dtypes():
    i = tm.tensor([1, 2, 3])
    assert_values(i / 2, [0.5, 1.0, 1.5], dtype=tm.float32)
    assert_values(i / i, [1.0, 1.0, 1.0], dtype=tm.float32)
    assert_values(3 / i, [3.0, 1.5, 1.0], dtype=tm.float32)
    assert_values(i // 2, [0, 1, 1], dtype=tm.int64)
    assert_values(-7 // i, [-7, -4, -3], dtype=tm.int64)
    assert_values(7 % tm.tensor([3, -3]), [1, -2], dtype=tm.int64)
    assert_values(i ** 2, [1, 4, 9], dtype=tm.int64)
    assert_values(i ** 0.5, np.sqrt([1.0, 2.0, 3.0]), dtype=tm.float32)
    assert_values(2 ** i, [2, 4, 8], dtype=tm.int64)
    assert_values(2 ** tm.tensor([-1, 2]), [0, 4], dtype=tm.int64)
    assert_values(tm.tensor([1, -1, 2, -2]) ** tm.tensor([-1, -3, -2, -1]), [1, -1, 0, 0])
    assert_values(tm.tensor([True, False]) ** 2, [1, 0], dtype=tm.int64)
    assert_values(tm.tensor([1.0, 2.0]) ** tm.tensor(2), [1.0, 4.0], dtype=tm.float32)


def test_integer_scalars_wrap_like_torch():
    u8 = tm.tensor([1, 2], dtype=tm.uint8)
    assert_values(u8 + -1, [0, 1], dtype=tm.uint8)
    assert_values(u8 + 256, [1, 2], dtype=tm.uint8)
    assert_values(tm.tensor([100], dtype=tm.int8) + 1000, [76], dtype=tm.int8)
    assert_values(u8 < -1, [True, True])  # -1 is 255 as a uint8, as in torch
    with pytest.raises(OverflowError):
        tm.tensor([1]) + 2**64


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("value", [2**64, 2**70, -2**63 - 1, -2**70])
def test_python_ints_past_64_bits_raise_as_in_torch(dtype, value):
    torch = needs_torch()
    with pytest.raises(OverflowError) as expected:
        torch.tensor([1, 2], dtype=torch_dtype(torch, dtype)) + value
    with pytest.raises(OverflowError, match=str(expected.value)):
        tm.tensor([1, 2], dtype=dtype) + value
    with pytest.raises(OverflowError, match=str(expected.value)):
        value * tm.tensor([1, 2], dtype=dtype)


def test_binary_dtype_grid_matches_torch():
    torch = needs_torch()
    for a in DTYPES:
        for b in DTYPES:
            assert str(tm.promote_types(a, b)) == str(torch.promote_types(
                torch_dtype(torch, a), torch_dtype(torch, b)))
    scalars = [True, 2, -3, 2.5]
    for d in DTYPES:
        x = tm.ones(2, dtype=d)
        tx = torch.ones(2, dtype=torch_dtype(torch, d))
        for s in scalars:
            assert str(tm.result_type(x, s)) == str(torch.result_type(tx, s)), (d, s)
        for e in DTYPES:
            for zero_dim in (tm.ones((), dtype=e), tm.ones(1, dtype=e)):
                tz = torch.ones(tuple(zero_dim.shape), dtype=torch_dtype(torch, e))
                assert str(tm.result_type(x, zero_dim)) == str(torch.result_type(tx, tz))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(BINARY)), st.sampled_from(DTYPES), st.sampled_from(DTYPES),
       st.sampled_from([True, 2, -1, 2.5, None]), st.booleans())
def test_binary_matches_torch(name, a, b, scalar, reflected):
    """Values, dtypes and error types against torch, for tensor-tensor and tensor-scalar."""
    torch = needs_torch()
    rng = np.random.default_rng(0)
    av = random_values(rng, (2, 3), a, low=1 if name in INT_DIVISION else -3, high=3)
    bv = random_values(rng, (3,), b, low=1, high=3)
    x, tx = tm.tensor(av), torch.tensor(av)
    y, ty = (tm.tensor(bv), torch.tensor(bv)) if scalar is None else (scalar, scalar)
    if reflected:  # the operator form: scalar (op) tensor goes to the tensor's __rop__
        if name not in OPERATORS:
            return
        fn = OPERATORS[name]
        args, targs = (y, x), (ty, tx)
        ours = fn
    else:
        fn, ours = getattr(torch, name), getattr(tm, name)
        args, targs = (x, y), (tx, ty)
    try:
        expected = fn(*targs)
    except (RuntimeError, TypeError) as e:
        with pytest.raises(type(e)):
            ours(*args)
        return
    got = ours(*args)
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_allclose(host(got).astype(np.float64), expected.numpy().astype(np.float64),
                               rtol=1e-6, equal_nan=True)


# --- Python operators ---------------------------------------------------------------------------

def test_operators_and_reflected_forms():
    x = tm.tensor([1.0, 2.0, 4.0])
    a = host(x)
    cases = [
        (x + 1, a + 1), (1 + x, 1 + a), (x - 1, a - 1), (1 - x, 1 - a), (x * 3, a * 3),
        (3 * x, 3 * a), (x / 2, a / 2), (2 / x, 2 / a), (x // 3, a // 3), (7 // x, 7 // a),
        (x % 3, a % 3), (7 % x, 7 % a), (x ** 2, a ** 2), (2 ** x, 2 ** a), (-x, -a),
        (+x, a), (abs(-x), a), (x > 1.5, a > 1.5), (1.5 < x, a > 1.5), (x == 2, a == 2),
        (x != 2, a != 2), (x <= 2, a <= 2), (x >= 2, a >= 2),
    ]
    for got, expected in cases:
        assert_values(got, expected)
    i = tm.tensor([6, 3])
    assert_values(i & 5, [4, 1])
    assert_values(5 & i, [4, 1])
    assert_values(i | 1, [7, 3])
    assert_values(1 ^ i, [7, 2])
    assert_values(~i, [-7, -4])
    assert_values(~tm.tensor([True, False]), [False, True], dtype=tm.bool)
    assert_values(tm.add(i, i, alpha=2), [18, 9])
    assert_values(tm.sub(tm.tensor([1.0, 2.0]), 1, alpha=2), [-1.0, 0.0])  # regression
    assert_values(tm.ones(2).add_(1, alpha=2), [3.0, 3.0])                 # regression
    assert_values(tm.ones(2).sub_(tm.ones(2), alpha=3), [-2.0, -2.0])


def test_where_and_clamp():
    c = tm.tensor([True, False, True])
    x = tm.tensor([1.0, 2.0, 3.0])
    assert_values(tm.where(c, x, 0.5), [1.0, 0.5, 3.0], dtype=tm.float32)
    assert_values(tm.where(c, 1, 2.5), [1.0, 2.5, 1.0], dtype=tm.float32)
    assert_values(tm.where(c, 1, 2), [1, 2, 1], dtype=tm.int64)
    assert_values(x.where(c, -x), [1.0, -2.0, 3.0])
    assert_values(tm.where(c[:, None], x, tm.zeros(3, 1)), np.where([[1], [0], [1]], [1, 2, 3], 0))
    assert_values(tm.where(tm.tensor([1, 0, 1], dtype=tm.uint8), 1.0, 2.0), [1.0, 2.0, 1.0])
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
        tm.where(tm.tensor([1, 0, 1]), x, x)
    assert_values(x.clamp(1.5, 2.5), [1.5, 2.0, 2.5])
    assert_values(x.clamp(min=2), [2.0, 2.0, 3.0])
    assert_values(x.clamp(max=2), [1.0, 2.0, 2.0])
    assert_values(x.clamp(3, 1), [1.0, 1.0, 1.0])  # min > max: max wins, as in torch
    assert_values(tm.tensor([1, 5]).clamp(1.5, 3), [1.5, 3.0], dtype=tm.float32)
    assert_values(tm.tensor([1, 5]).clamp(2, 3), [2, 3], dtype=tm.int64)
    assert_values(x.clamp(tm.tensor([2.0, 0.0, 0.0]), tm.tensor(2.5)), [2.0, 2.0, 2.5])
    assert_values(tm.tensor([math.nan, 5.0]).clamp(0, 1), [math.nan, 1.0])
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        x.clamp()


# --- in place -----------------------------------------------------------------------------------

INPLACE = {
    "add_": lambda t, a: (t.add_(2), np.add(a, 2, out=a)),
    "sub_": lambda t, a: (t.sub_(tm.tensor(1.0)), np.subtract(a, 1, out=a)),
    "mul_": lambda t, a: (t.mul_(-3), np.multiply(a, -3, out=a)),
    "div_": lambda t, a: (t.div_(4), np.divide(a, 4, out=a)),
    "pow_": lambda t, a: (t.pow_(2), np.power(a, 2, out=a)),
    "clamp_": lambda t, a: (t.clamp_(-1, 1), np.clip(a, -1, 1, out=a)),
    "fill_": lambda t, a: (t.fill_(7), a.fill(7)),
    "fill_0d": lambda t, a: (t.fill_(tm.tensor(5.0)), a.fill(5)),
    "zero_": lambda t, a: (t.zero_(), a.fill(0)),
    "copy_": lambda t, a: (t.copy_(tm.tensor(9)), a.fill(9)),
    "neg_": lambda t, a: (t.neg_(), np.negative(a, out=a)),
    "exp_": lambda t, a: (t.exp_(), np.exp(a, out=a)),
    "iadd": lambda t, a: (t.__iadd__(1), np.add(a, 1, out=a)),
    "imul": lambda t, a: (t.__imul__(2), np.multiply(a, 2, out=a)),
}


@pytest.mark.parametrize("op", sorted(INPLACE))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_inplace_writes_through_views(op, data):
    base_np = random_values(np.random.default_rng(data.draw(st.integers(0, 99))), (4, 6), tm.float32)
    base = tm.tensor(base_np)
    pick = data.draw(st.sampled_from([
        (lambda t: t, lambda a: a), (lambda t: t.t(), lambda a: a.T),
        (lambda t: t[1::2, ::3], lambda a: a[1::2, ::3]), (lambda t: t[2], lambda a: a[2]),
        (lambda t: t[1, 1], lambda a: a[1, 1:2].reshape(())), (lambda t: t[:, 2:2], lambda a: a[:, 2:2]),
    ]))
    view, np_view = pick[0](base), pick[1](base_np)
    version = view._version
    result, _ = INPLACE[op](view, np_view)
    assert result is view
    assert_values(base, base_np)
    assert view._version > version and base._version == view._version


def test_random_inplace_fills_through_views():
    tm.manual_seed(0)
    base = tm.zeros(4, 6)
    base.t()[::2].uniform_(2, 3)
    vals = host(base).T[::2]
    assert ((vals >= 2) & (vals < 3)).all()
    assert (host(base).T[1::2] == 0).all()
    base.zero_()
    base[1].normal_(5, 0.1)
    assert abs(host(base)[1].mean() - 5) < 0.5 and (host(base)[[0, 2, 3]] == 0).all()


def test_inplace_errors():
    e = tm.zeros(1).expand(3)
    for fn in (lambda: e.add_(1), lambda: e.copy_(tm.ones(3)), lambda: e.clamp_(0, 1),
               lambda: e.uniform_(), lambda: e.normal_(), lambda: e.mul_(tm.ones(3))):
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            fn()
    # torch lets fill_ and zero_ write an expanded tensor: every alias gets the same value
    assert e.fill_(2).tolist() == [2.0, 2.0, 2.0] and e.zero_().tolist() == [0.0] * 3
    i = tm.tensor([1, 2])
    for fn in (lambda: i.add_(1.5), lambda: i.div_(2), lambda: i.sqrt_(),
               lambda: i.add_(tm.tensor([1.0, 1.0]))):
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                               "output type Long"):
            fn()
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output "
                                           "type Bool"):
        tm.tensor([True]).mul_(2)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type long int"):
        i.clamp_(1.5, 3)
    assert i.tolist() == [1, 2]  # nothing was written
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast "
                                           r"shape \[2, 3\]"):
        tm.zeros(3).add_(tm.ones(2, 3))
    x = tm.arange(5.0)
    with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to"):
        x[1:].add_(x[:-1])
    with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to"):
        x[1:].copy_(x[:-1])
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        x.fill_(tm.tensor([1.0]))
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8_t"):
        tm.zeros(2, dtype=tm.uint8).fill_(300)


def test_inplace_same_and_transposed_alias():
    x = tm.arange(9.0).reshape(3, 3)
    a = host(x)
    x.add_(x)                # the same view: fine
    with pytest.raises(RuntimeError, match="some elements of the input tensor"):
        x.add_(x.t())        # a transposed alias: torch refuses
    x.add_(x.t().clone())
    np.testing.assert_array_equal(host(x), (2 * a) + (2 * a).T)
    assert_values(tm.tensor([1, 2], dtype=tm.int32).add_(tm.tensor([1, 1])), [2, 3],
                  dtype=tm.int32)
    assert_values(tm.tensor([1.0, 2.0]).add_(tm.tensor([1, 1], dtype=tm.float64)), [2.0, 3.0],
                  dtype=tm.float32)
    c = tm.tensor([1.0, 2.0, 3.0])
    c.eq_(2)
    assert_values(c, [0.0, 1.0, 0.0], dtype=tm.float32)


# --- errors -------------------------------------------------------------------------------------

def test_bool_subtraction_and_negation_errors():
    b = tm.tensor([True, False])
    two = re.escape("with two bool tensors is not supported. Use the `^` or `logical_xor()`")
    one = "with a bool tensor is not supported. If you are trying to invert a mask"
    for fn, msg in ((lambda: b - b, two), (lambda: b - True, two), (lambda: True - b, two),
                    (lambda: b.sub_(b), two), (lambda: b - 1, one), (lambda: 1.5 - b, one),
                    (lambda: tm.tensor([1]) - True, one), (lambda: tm.ones(2) - b, one)):
        with pytest.raises(RuntimeError, match=msg):
            fn()
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -b


def test_integer_division_by_zero():
    i = tm.tensor([1, 2])
    for fn in (lambda: i // 0, lambda: i % 0, lambda: i.floor_divide_(0), lambda: 7 // tm.tensor([0, 1]),
               lambda: i // tm.tensor([0, 1]), lambda: i % tm.tensor([1, 0])):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn()
    assert_values(i / 0, [math.inf, math.inf])
    assert_values(tm.tensor([1.0, -2.0, 0.0]) // 0, [math.inf, -math.inf, math.nan])
    assert_values(tm.tensor([1.0, -2.0]) % 0, [math.nan, math.nan])


def test_other_op_errors():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        tm.tensor([1, 2]) ** -1
    with pytest.raises(NotImplementedError, match="\"bitwise_and_cpu\" not implemented for 'Float'"):
        tm.ones(2) & 1
    with pytest.raises(NotImplementedError, match="\"bitwise_not_cpu\" not implemented for 'Double'"):
        tm.bitwise_not(tm.ones(2, dtype=tm.float64))  # (the ~ operator: a TypeError)
    with pytest.raises(NotImplementedError, match="\"pow\" not implemented for 'Bool'"):
        tm.tensor([True]) ** tm.tensor([True])
    with pytest.raises(TypeError, match=r"maximum\(\): argument 'other' \(position 2\) must be "
                                        r"Tensor, not int"):
        tm.maximum(tm.ones(2), 1)
    with pytest.raises(TypeError, match="logical_and\\(\\): argument 'input' \\(position 1\\)"):
        tm.logical_and(1, tm.ones(2))
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be"):
        tm.add(tm.tensor([1]), tm.tensor([1]), alpha=0.5)
    with pytest.raises(RuntimeError, match="Boolean alpha only supported for Boolean results"):
        tm.add(tm.ones(1), tm.ones(1), alpha=True)
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be"):
        tm.tensor([1]).add_(1, alpha=0.5)
    assert tm.add(tm.tensor([True]), tm.tensor([False]), alpha=True).tolist() == [True]
    with pytest.raises(TypeError):
        tm.ones(2) + "a"


# --- large tensors: the parallel and tiled kernels ----------------------------------------------

def test_large_tensors_use_parallel_and_tiled_kernels():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((300, 300)).astype(np.float32)
    b = rng.standard_normal((300, 300)).astype(np.float32)
    x, y = tm.tensor(a), tm.tensor(b)
    assert_values(x + y, a + b)                       # contiguous, parallel
    assert_values(x + y.t(), a + b.T)                 # fastest dims differ: tiled
    assert_values(x.t() + y.t(), a.T + b.T)
    assert_values(x[:, ::2] * 2, a[:, ::2] * 2)       # strided, scalar, parallel
    assert_values(x * 2, a * 2)
    assert_values(x.t().contiguous(), a.T)            # tiled copy
    assert_values(x.t().exp(), np.exp(a.T))
    assert_values(tm.tensor(a[:, :1]).expand(300, 300) - y.t(), a[:, :1] - b.T)
    assert_values(tm.where(x > 0, x, y.t()), np.where(a > 0, a, b.T))
    z = tm.tensor(a)
    z.t().add_(y)                                     # in place through a transposed view
    assert_values(z, a + b.T)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_contiguous_same_dtype_fast_path(op, dtype):
    # the tiny-op path: same shape and dtype, contiguous, at storage offsets, read-only
    # numpy memory, 0-d, empty, and large enough for the parallel kernel
    rng = np.random.default_rng(2)
    fn = getattr(tm, op)
    for shape in [(2, 2), (), (0, 3), (1,), (300, 200)]:
        a = rng.standard_normal(shape).astype(dtype)
        b = rng.standard_normal(shape).astype(dtype) + 3
        assert_values(fn(tm.tensor(a), tm.tensor(b)), BINARY[op](a, b))
    base = rng.standard_normal((5, 40000)).astype(dtype)
    x = tm.tensor(base)
    assert_values(fn(x[1], x[3]), BINARY[op](base[1], base[3]))  # offsets, parallel
    assert_values(fn(x[2, 7:15], x[4, 1:9]), BINARY[op](base[2, 7:15], base[4, 1:9]))
    frozen = base[0, :6].copy()
    frozen.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):  # tm copies it
        a = tm.from_numpy(frozen)
    assert_values(fn(a, x[1, :6]), BINARY[op](frozen, base[1, :6]))
    out = fn(x[0, :6], x[1, :6])
    assert out.stride() == (1,) and out.storage_offset() == 0 and out.dtype == x.dtype
    unaligned = np.frombuffer(bytearray(b"\0" + base[2, :6].tobytes()), dtype, 6, 1)
    assert not unaligned.flags.aligned
    assert_values(fn(tm.from_numpy(unaligned), x[1, :6]), BINARY[op](base[2, :6], base[1, :6]))


def test_contiguous_same_dtype_ops_take_the_fast_path(monkeypatch):
    from tensorrt_mini.backends import cpu
    calls = []
    fast = cpu.binary_contig_new
    monkeypatch.setattr(cpu, "binary_contig_new", lambda *args: calls.append(1) or fast(*args))
    x, y = tm.rand(2, 2), tm.rand(2, 2)
    assert_values(x + y, host(x) + host(y))
    assert_values(x.t() + y.t(), host(x).T + host(y).T)  # not contiguous: the general path
    assert len(calls) == 1


def test_first_op_on_from_numpy_tensors_in_a_fresh_process():
    # from_numpy makes storage without the backend module: the first op must load it
    code = ("import numpy as np, tensorrt_mini as tm; x = tm.from_numpy(np.ones(2, np.float32)); "
            "print((x + x).tolist())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[2.0, 2.0]"


def test_tiled_copy_with_leading_batch_dims_and_partial_tiles():
    # large enough for the parallel tiled kernel; sizes that are not multiples of a tile
    base = np.arange(4 * 130 * 70, dtype=np.float32).reshape(4, 130, 70)
    view = tm.from_numpy(base).permute(0, 2, 1)
    assert np.array_equal(np.asarray(view.contiguous()), base.transpose(0, 2, 1))
    perm = tm.from_numpy(base).permute(2, 0, 1)
    assert np.array_equal(np.asarray(perm.contiguous()), base.transpose(2, 0, 1))


@pytest.mark.parametrize("expr", [
    "lib.clamp(lib.tensor([1, 5, 9], dtype=lib.uint8), -1, 300)",
    "lib.clamp(lib.tensor([1, 5, 9], dtype=lib.uint8), -1)",
    "lib.clamp(lib.tensor([1, 5, 9], dtype=lib.int8), 2, 1000)",
    "lib.clamp(lib.tensor([1, 5, 9], dtype=lib.int32), 2, 2**40)",
    "lib.clamp(lib.tensor([1, 5, 9], dtype=lib.uint8), max=300)",
    "lib.clamp(lib.tensor([1, 5, 9], dtype=lib.uint8), 2.5)",
    "lib.zeros(2, dtype=lib.uint8).fill_(-2.7)",
    "lib.zeros(2, dtype=lib.uint8).fill_(-1.0)",
    "lib.zeros(2, dtype=lib.uint8).fill_(-1)",
    "lib.zeros(2, dtype=lib.int8).fill_(127.9)",
    "lib.zeros(2, dtype=lib.int8).fill_(-128.9)",
    "lib.zeros(2, dtype=lib.int8).fill_(-128.0)",
    "lib.full((2,), -0.5, dtype=lib.uint8)",
    "lib.full((2,), -0.0, dtype=lib.uint8)",
])
def test_integer_bounds_and_fill_values_out_of_range_raise_as_in_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("divisor", [0.5, -0.5, 2.0, -2.0])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_float_remainder_keeps_torchs_sign_of_zero(divisor, dtype):
    torch = needs_torch()
    a = [-2.0, 2.0, -1.5, 1.5, 0.0, -0.0, 7.25, -7.25]
    got = host(tm.remainder(tm.tensor(a, dtype=dtype), divisor))
    ref = torch.remainder(torch.tensor(a, dtype=torch_dtype(torch, dtype)), divisor).numpy()
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(ref))  # -0. and 0. compare equal


# --- reliability regressions (values torch gives, errors of torch's types) ---------------

@pytest.mark.parametrize("expr", [
    # one result type over the input and both bounds: float32, and -1 does not wrap to 255
    "lib.tensor([0, 6, 2], dtype=lib.uint8).clamp(-1, 2.5)",
    "lib.tensor([0, 6, 2], dtype=lib.uint8).clamp(-1)",
    "lib.tensor([0, 6, 2], dtype=lib.uint8).clamp(lib.tensor(1.5))",
    "lib.tensor([0, 6, 2], dtype=lib.uint8).clamp(2.5, lib.tensor(4))",
    "lib.tensor([0, 6, 2], dtype=lib.uint8).clamp(max=300)",
    # alpha scales a bool operand in the result's dtype; sub refuses bool even with alpha
    "lib.add(lib.tensor([1, 2], dtype=lib.int8), lib.tensor([True, False]), alpha=2)",
    "lib.sub(lib.tensor([1, 2], dtype=lib.int8), lib.tensor([True, False]), alpha=2)",
    "lib.tensor([1, 2], dtype=lib.int8).sub_(lib.tensor([True, False]), alpha=2)",
    "lib.add(lib.tensor([1., 2.]), lib.tensor([True, False]), alpha=0.5)",
    # nothing to divide: no division-by-zero error
    "lib.empty(0, dtype=lib.int64) % 0",
    "lib.empty(0, 3, dtype=lib.int64) // lib.zeros(3, dtype=lib.int64)",
    "lib.ones(2, dtype=lib.int64) % lib.zeros(0, 1, dtype=lib.int64)",
    # an empty expanded tensor has nothing that overlaps
    "lib.ones(0).expand(2, 0).exp_()",
    # Python ints beyond int64 and uint64
    "lib.ones(2) + 2**70",
    "lib.full((2,), 2**70)",
    "lib.full((2,), -2**64)",
    "lib.ones(2).fill_(2**70)",
    # float -> narrow ints go through int32 as torch's casts do on x86
    "lib.tensor([float('nan'), 3e9, -3e9, 40000., -1.6, 300.7]).to(lib.int16)",
    "lib.tensor([float('nan'), 3e9, -3e9, 40000., -1.6, 300.7]).to(lib.int8)",
    "lib.tensor([float('nan'), 3e9, -3e9, 40000., -1.6, 300.7]).to(lib.uint8)",
    "lib.tensor([float('nan'), 3e9, -3e9, 1e20, float('inf')]).to(lib.int32)",
    "lib.tensor([float('nan'), 3e9, -3e9, 1e20, float('inf')], dtype=lib.float64).to(lib.int32)",
    "lib.tensor([float('nan'), 3e19, -3e19, float('inf')]).to(lib.int64)",
    # dtype= takes dtypes (and Python's types), not strings or numpy dtypes
    "lib.ones(3, dtype='float32')",
    "lib.ones(2).sum(dtype='float64')",
    "lib.zeros_like(lib.ones(1), dtype='float32')",
    "lib.ones(1, dtype=int)",
])
def test_reliability_regressions_match_torch(expr):
    same_as_torch(expr, message=False)


def test_narrow_int_casts_of_many_floats_match_torch_in_every_layout():
    torch = needs_torch()
    rng = np.random.default_rng(0)
    v = rng.uniform(-5e9, 5e9, 20_000).astype(np.float32)
    v[::7], v[::11], v[::13] = np.nan, -1.6, 300.7
    for name in ("uint8", "int8", "int16"):
        for step in (1, 3):  # the contiguous and the strided kernel
            mine = tm.tensor(v)[::step].to(getattr(tm, name))
            theirs = torch.tensor(v)[::step].to(getattr(torch, name))
            np.testing.assert_array_equal(host(mine), theirs.numpy())


def test_contiguous_views_of_a_prefix_write_only_their_elements():
    """Mutation audit: the contiguous path must not read or write past a prefix view."""
    b = tm.arange(6.)
    b[:3].add_(tm.ones(3))
    assert b.tolist() == [1., 2., 3., 3., 4., 5.]
    a = tm.arange(6.)
    a[:3].neg_()
    assert a.tolist() == [-0., -1., -2., 3., 4., 5.]
    c = tm.arange(8.)
    c[2:5].mul_(c[5:8])
    assert c.tolist() == [0., 1., 10., 18., 28., 5., 6., 7.]


def test_a_zero_dim_cpu_tensor_joins_cuda_operands_as_torch_allows():
    x = tm.ones(2, device="cuda")
    assert (x + tm.tensor(2.)).device.type == "cuda"
    assert (tm.tensor(2.) * x).tolist() == [2., 2.]
    assert tm.where(x > 0, x, tm.tensor(0.)).device.type == "cuda"
    assert tm.addcmul(x, x, tm.tensor(3.)).tolist() == [4., 4.]
    x.add_(tm.tensor(1.))
    assert x.tolist() == [2., 2.]
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x + tm.ones(2)


def test_a_zero_dim_cpu_operand_of_a_cuda_op_gets_its_gradient_on_the_cpu():
    def fn(lib, device):
        x = lib.ones(3, device=device, requires_grad=True)
        s = lib.tensor(2., requires_grad=True)
        (lib.where(x > 0, x, s) + s * x - x / s).sum().backward()
        return x.grad.tolist(), s.grad.item(), s.grad.device.type
    torch = needs_torch()
    mine, theirs = fn(tm, "cuda"), fn(torch, "cpu")
    assert mine[:2] == theirs[:2] and mine[2] == "cpu"


def test_bool_power_of_a_python_bool_on_both_devices():
    for device in ("cpu", "cuda"):
        x = tm.tensor([True, False], device=device)
        assert (x ** False).tolist() == [True, True] and (x ** True).tolist() == [True, False]


@pytest.mark.parametrize("expr", [
    "lib.tensor([True, False]).clamp(min=True)",
    "lib.tensor([True, False]).clamp(max=False)",
    "lib.tensor([True, False]).clamp(True, False)",
    "lib.tensor([True, False]).clamp(max=lib.tensor([False]))",
    "lib.tensor([True, False]).clamp(lib.tensor(False), lib.tensor(True))",
    "lib.tensor([True, False]).clamp_(min=True)",
    "lib.tensor([True, False]).clamp(0, 1)",
    "lib.tensor([1, 2]).clamp(lib.tensor([True]), lib.tensor([True]))",
])
def test_clamp_of_bools_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("write", [
    "x.copy_(-129)",  # a number is a 0-d int64 tensor, cast as copies cast: it wraps
    "x.copy_(300)",
    "x.copy_(1.7)",
    "x.copy_(2**70)",
    "x.fill_(-129)",  # fill_ checks the range
    "x.bitwise_or_(x[0])",  # a 0-d alias of x: a partial overlap, as torch counts it
    "x.add_(x)",
])
def test_copy_and_fill_of_numbers_and_aliases_as_torch(write):
    same_write_as_torch("lib.tensor([1, 2], dtype=lib.int8)", write, message=False)


def test_alpha_of_a_bool_result_is_a_bool_as_torch():
    same_as_torch("lib.tensor([True, False]).add(lib.tensor([True]), alpha=-1)")
    same_as_torch("lib.tensor([True, False]).add(lib.tensor([True]), alpha=0)")


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8"])
@pytest.mark.parametrize("op", ["x // y", "x % y", "x.fmod(y)", "x // -1", "x % -1"])
def test_int_min_divided_by_minus_one_wraps_as_torch(dtype, op):
    """INT_MIN // -1 overflows: torch wraps to INT_MIN (and the remainders are 0); the
    kernel's division gave 0 for int64."""
    def fn(lib, n):
        d = getattr(lib, dtype)
        lo = {"int64": -2**63, "int32": -2**31, "int8": -128}[dtype]
        x = lib.full((2 * n,), lo, dtype=d)[::2]  # strided
        y = lib.full((n,), -1, dtype=d)
        return eval(op)[:3]
    torch = needs_torch()
    for n in (3, 1 << 17):  # serial and parallel kernels
        assert fn(tm, n).tolist() == fn(torch, n).tolist()
        assert fn(tm, n).dtype.name == dtype
    x = tm.full((3,), -2**63, device="cuda")
    assert (x // -1).tolist() == [-2**63] * 3 and (x % tm.full((3,), -1, device="cuda")).tolist() == [0] * 3


@pytest.mark.parametrize("exponent", [0.5, -0.5, 2, 3, -1, -2, 2.0, 1.5])
def test_pow_with_torchs_special_exponents(exponent):
    """torch computes x ** 0.5 as sqrt (nan at -inf, -0.0 at -0.0), -0.5 as rsqrt, 3 as
    x * x * x: the edges differ from C's pow. Ordinary values within an ulp: torch's own
    float32 x ** 0.5 at 1.1 differs by one between CPUs (1.0488089 on an AMD EPYC, where
    the correctly rounded sqrt is 1.0488088)."""
    edges = "[-inf, -0.0, 0.0, inf, nan, -1.0, 1e200]"
    for dtype in ("float64", "float32"):
        same_as_torch(f"lib.tensor({edges}, dtype=lib.{dtype}) ** {exponent}",
                      inf=math.inf, nan=math.nan)
        close_to_torch(f"lib.tensor([3.0, 1.1, 0.25, 7.5], dtype=lib.{dtype}) ** {exponent}",
                       rtol=2.5e-7 if dtype == "float32" else 1e-15)


@pytest.mark.parametrize("expr", [
    "lib.pow(lib.tensor([3, 1], dtype=lib.uint8), 1000)",  # the exponent must fit the type
    "lib.pow(lib.tensor([3, 1], dtype=lib.int8), 200)",
    "lib.pow(lib.tensor([3, 1], dtype=lib.int8), 100)",
    "lib.pow(lib.tensor([3.]), 1e39)",
])
def test_pow_exponent_conversion_as_torch(expr):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning on the way
        same_as_torch(expr)


@pytest.mark.parametrize("name", ["relu", "neg", "abs", "exp", "sign", "isnan", "floor"])
@pytest.mark.parametrize("setup", [
    "lib.arange(-3., 3.).view(2, 3)", "lib.arange(-3, 3).view(2, 3)",
    "lib.tensor([True, False])", "lib.arange(-3., 3.).view(2, 3).t()",
    "lib.tensor(2.5)", "lib.ones(0, 3)", "lib.arange(-3, 3, dtype=lib.int8)",
])
def test_unary_fast_path_gives_the_first_calls_result(name, setup):
    """The second call of an op for a dtype takes the fast path (its result dtype learned
    from the first): the same values, dtype and strides as torch, or the same error."""
    for _ in range(2):
        same_as_torch(f"lib.{name}({setup})")


# --- div's rounding modes --------------------------------------------------------------------

@pytest.mark.parametrize("expr", [
    "lib.div(lib.tensor([-7., 5., -0.5, 1e20, 3., -3.]), lib.tensor([2., 2., 2., 1., 0., 0.]), "
    "rounding_mode='trunc')",
    "lib.div(lib.tensor([-7., 5., -0.5, 3.]).view(2, 2).t(), 2, rounding_mode='floor')",
    "lib.div(lib.tensor([-7, 7, 6, -6, -2**62]), lib.tensor([2, -2, 4, -4, -1]), "
    "rounding_mode='trunc')",
    "lib.div(lib.arange(-9, 9, dtype=lib.int16)[::3], 4, rounding_mode='trunc')",
    "lib.div(lib.tensor([3], dtype=lib.uint8), 2, rounding_mode='trunc')",
    "lib.div(lib.tensor([-7, 9]), 2.5, rounding_mode='trunc')",  # promotes, as without a mode
    "lib.div(lib.tensor([3]), 2, rounding_mode=None)",
    "lib.divide(lib.tensor([-3]).expand(3), 2, rounding_mode='floor')",
    "lib.tensor([-7, 9]).div(lib.tensor(0), rounding_mode='trunc')",
    "lib.div(lib.tensor([True]), lib.tensor([True]), rounding_mode='trunc')",
    "lib.div(lib.tensor([1.]), 2, rounding_mode='round')",
])
def test_div_rounding_modes_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("statement", [
    "x.div_(2, rounding_mode='trunc')",
    "x[::2].div_(lib.tensor([-2, 3]), rounding_mode='floor')",
    "x.div_(2.5, rounding_mode='trunc')",  # int64 cannot hold the float result
])
def test_div_rounding_in_place_as_torch(statement):
    same_write_as_torch("lib.tensor([-7, 9, -4, 5])", statement)


def test_div_rounding_gradient_is_zero_as_torch():
    torch = needs_torch()
    grads = []
    for lib in (tm, torch):
        x = lib.tensor([-7.5, 5.0, 0.25], requires_grad=True)
        y = lib.tensor([2.0, -3.0, 1.0], requires_grad=True)
        z = lib.div(x * 1, y, rounding_mode="trunc") + lib.div(x, y, rounding_mode="floor")
        z.sum().backward()
        grads.append((z.grad_fn.next_functions[0][0].name(), x.grad.tolist(), y.grad.tolist()))
    assert grads[0] == grads[1]


def test_div_trunc_on_cuda_matches_cpu():
    if not tm.cuda.is_available():
        pytest.skip("no cuda device and no simulator")
    a = [-7, 7, 6, -6, 5]
    b = [2, -2, 4, -4, -1]
    want = tm.div(tm.tensor(a), tm.tensor(b), rounding_mode="trunc").tolist()
    got = tm.div(tm.tensor(a, device="cuda"), tm.tensor(b, device="cuda"), rounding_mode="trunc")
    assert got.tolist() == want == [-3, -3, 1, 1, -5]
