"""One table for every elementwise op of the catalog, run on every device (OpInfo-style):
ops x dtypes x layouts against torch, cuda (under the simulator) against cpu, and
gradients against torch.

An op's line says how to call it and which inputs it takes; adding an op to the catalog
without a line here fails test_the_table_covers_the_catalog.
"""
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.kernels import catalog

from oracle import DTYPES, needs_torch

# name -> (tensor inputs, value range, call(lib, *inputs)); call None: lib.<name>(*inputs)
TABLE = {
    "neg": (1, None, None), "abs": (1, None, None), "sign": (1, None, None),
    "exp": (1, None, None), "expm1": (1, None, None), "log": (1, None, None),
    "log2": (1, None, None), "log10": (1, None, None), "log1p": (1, None, None),
    "sqrt": (1, None, None), "rsqrt": (1, None, None), "reciprocal": (1, None, None),
    "sin": (1, None, None), "cos": (1, None, None), "tan": (1, None, None),
    "tanh": (1, None, None), "sigmoid": (1, None, None), "relu": (1, None, None),
    "erf": (1, None, None), "floor": (1, None, None), "ceil": (1, None, None),
    "round": (1, None, None), "trunc": (1, None, None), "isnan": (1, None, None),
    "isinf": (1, None, None), "isfinite": (1, None, None), "logical_not": (1, None, None),
    "bitwise_not": (1, None, None),
    "acos": (1, (-1.2, 1.2), None), "asin": (1, (-1.2, 1.2), None), "atan": (1, None, None),
    "acosh": (1, (0.5, 4), None), "asinh": (1, None, None), "atanh": (1, (-1.2, 1.2), None),
    "sinh": (1, None, None), "cosh": (1, None, None), "exp2": (1, None, None),
    "erfc": (1, None, None), "erfinv": (1, (-1.1, 1.1), None), "sinc": (1, None, None),
    "deg2rad": (1, None, None), "rad2deg": (1, None, None), "logit": (1, (-0.2, 1.2), None),
    "square": (1, None, None), "frac": (1, None, None), "signbit": (1, None, None),
    "nan_to_num": (1, None, lambda lib, x: lib.nan_to_num(x, nan=1.5, neginf=-2.0)),
    "hardshrink": (1, None, lambda lib, x: lib.hardshrink(x, 0.7)),
    "angle": (1, None, None), "sgn": (1, None, None), "conj_physical": (1, None, None),
    "add": (2, None, None), "sub": (2, None, None), "mul": (2, None, None),
    "div": (2, None, None), "floor_divide": (2, (1, 4), None), "remainder": (2, (1, 4), None),
    "pow": (2, (0, 3), None), "maximum": (2, None, None), "minimum": (2, None, None),
    "eq": (2, None, None), "ne": (2, None, None), "lt": (2, None, None), "le": (2, None, None),
    "gt": (2, None, None), "ge": (2, None, None), "logical_and": (2, None, None),
    "logical_or": (2, None, None), "logical_xor": (2, None, None),
    "bitwise_and": (2, None, None), "bitwise_or": (2, None, None),
    "bitwise_xor": (2, None, None),
    "atan2": (2, None, None), "hypot": (2, None, None), "copysign": (2, None, None),
    "logaddexp": (2, None, None), "logaddexp2": (2, None, None), "fmod": (2, (1, 4), None),
    "xlogy": (2, None, None), "nextafter": (2, None, None), "heaviside": (2, None, None),
    "bitwise_left_shift": (2, (0, 3), None), "bitwise_right_shift": (2, (0, 3), None),
    "where": (3, None, lambda lib, c, a, b: lib.where(c > 0, a, b)),
    "lerp": (3, (0, 1), None),
    "addcmul": (3, None, lambda lib, x, a, b: lib.addcmul(x, a, b, value=2)),
    "addcdiv": (3, (1, 3), lambda lib, x, a, b: lib.addcdiv(x, a, b, value=-0.5)),
}
# ops whose second and later inputs must be nonzero (the range applies to them only)
_LATER_INPUTS_ONLY = {"floor_divide", "remainder", "fmod", "pow", "bitwise_left_shift",
                      "bitwise_right_shift", "addcdiv", "lerp"}
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 0.5, -0.5, 2.5, -1.0, 1.0]

LAYOUTS = {
    "contiguous": (lambda t: t, (3, 4)),
    "transposed": (lambda t: t.t(), (4, 3)),
    "stepped": (lambda t: t[::2, 1::2], (6, 8)),
    "expanded": (lambda t: t.expand(3, 4), (1, 4)),
    "0-d": (lambda t: t[1, 2], (3, 4)),
    "empty": (lambda t: t[:, :0], (3, 4)),
}


def _values(name, k, dtype, shape, seed):
    """Input k of op `name`, as a numpy array of `dtype` and `shape`."""
    rng = np.random.default_rng(seed)
    lo, hi = TABLE[name][1] or (-3, 3)
    if k == 0 and name in _LATER_INPUTS_ONLY:
        lo, hi = -3, 3
    if dtype is tm.bool:
        return rng.random(shape) < 0.5
    if dtype.is_floating_point:
        x = rng.uniform(lo, hi, shape)
        if k == 0 and name not in _LATER_INPUTS_ONLY:  # NaN, infinities and signed zeros
            flat = x.reshape(-1)
            flat[:len(SPECIALS)] = SPECIALS[:flat.size]
        return x.astype(dtype.np)
    lo = max(int(np.floor(lo)), 0 if dtype is tm.uint8 else -100)
    x = rng.integers(lo, max(int(np.ceil(hi)), lo + 1), shape, endpoint=True)
    if name in _LATER_INPUTS_ONLY and k > 0 and name not in ("pow", "lerp") and \
            not name.startswith("bitwise"):
        x[x == 0] = 1
    return x.astype(dtype.np)


def _call(name, lib, *xs):
    call = TABLE[name][2]
    return call(lib, *xs) if call else getattr(lib, name)(*xs)


def _inputs(name, dtype, layout, seed=0):
    """numpy inputs: the first in `layout`'s base shape, the others of the view's shape."""
    view, base = LAYOUTS[layout]
    first = _values(name, 0, dtype, base, seed)
    shape = np.asarray(view(tm.tensor(first))).shape
    return [first] + [_values(name, k, dtype, shape, seed + k)
                      for k in range(1, TABLE[name][0])]


def _run(name, lib, arrays, layout, make):
    view = LAYOUTS[layout][0]
    xs = [make(a) for a in arrays]
    xs[0] = view(xs[0])
    return _call(name, lib, *xs)


def _compare(got, want, rtol, atol):
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert tuple(got.shape) == tuple(want.shape)
    w = want.numpy() if hasattr(want, "numpy") else np.asarray(want)
    g = np.asarray(got)
    if w.dtype.kind == "f":
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, w)


_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])
# numpy's values for float64 inputs: the oracle where torch is not installed (the
# Quickstart's test run). Dtypes and errors are torch's alone, so these check values only.
NUMPY = {
    "neg": np.negative, "abs": np.abs, "exp": np.exp, "expm1": np.expm1,
    "sign": lambda x: np.where(np.isnan(x), 0.0, np.sign(x)),  # torch: sign(nan) is 0
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt,
    "rsqrt": lambda x: 1 / np.sqrt(x), "reciprocal": np.reciprocal, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.where(x < 0, 0.0, x), "erf": _erf, "floor": np.floor,
    "ceil": np.ceil, "round": np.round, "trunc": np.trunc, "isnan": np.isnan,
    "isinf": np.isinf, "isfinite": np.isfinite, "logical_not": np.logical_not,
    "acos": np.arccos, "asin": np.arcsin, "atan": np.arctan, "acosh": np.arccosh,
    "asinh": np.arcsinh, "atanh": np.arctanh, "sinh": np.sinh, "cosh": np.cosh,
    "exp2": np.exp2, "erfc": _erfc, "sinc": np.sinc, "deg2rad": np.deg2rad,
    "rad2deg": np.rad2deg, "logit": lambda x: np.log(x / (1 - x)), "square": np.square,
    "frac": lambda x: x - np.trunc(x), "signbit": np.signbit,
    "nan_to_num": lambda x: np.nan_to_num(x, nan=1.5, neginf=-2.0),
    "hardshrink": lambda x: np.where(np.abs(x) <= 0.7, 0.0, x),
    "angle": lambda x: np.where(np.isnan(x), x, np.where(x < 0, np.pi, 0.0)),  # -0.: 0
    "sgn": lambda x: np.where(np.isnan(x), 0.0, np.sign(x)),
    "conj_physical": np.conj,
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "floor_divide": np.floor_divide, "maximum": np.maximum, "minimum": np.minimum,
    "pow": np.power, "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal, "logical_and": np.logical_and,
    "logical_or": np.logical_or, "logical_xor": np.logical_xor, "atan2": np.arctan2,
    "hypot": np.hypot, "copysign": np.copysign, "logaddexp": np.logaddexp,
    "logaddexp2": np.logaddexp2, "fmod": np.fmod, "nextafter": np.nextafter,
    "heaviside": lambda x, v: np.where(x == 0, v, (x > 0).astype(np.float64)),
    "xlogy": lambda x, y: np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y))),
    "where": lambda c, a, b: np.where(c > 0, a, b),
    "lerp": lambda s, e, w: np.where(np.abs(w) < 0.5, s + w * (e - s), e - (e - s) * (1 - w)),
    "addcmul": lambda x, a, b: x + 2 * a * b, "addcdiv": lambda x, a, b: x - 0.5 * a / b,
}


@pytest.mark.parametrize("name", sorted(NUMPY))
def test_float64_values_against_numpy(name):
    arrays = _inputs(name, tm.float64, "transposed")
    got = _run(name, tm, arrays, "transposed", tm.tensor)
    with np.errstate(all="ignore"):
        want = NUMPY[name](arrays[0].T, *arrays[1:])
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12, equal_nan=True)


def _tolerance(name, dtype):
    if dtype is tm.float64:
        return 1e-12, 1e-12
    # transcendentals: libm and torch's vectorised (SLEEF) bodies differ by an ulp or two
    return (2e-5, 1e-6) if name in ("erfinv", "sinc", "logit", "acosh", "atanh") else (4e-6, 1e-6)


def test_the_table_covers_the_catalog():
    public = {name for name, op in catalog.OPS.items() if op.public}
    assert set(TABLE) == public


def test_cpu_and_cuda_bodies_cover_the_same_ops_and_dtypes():
    """Every op has a body on both devices for every dtype it accepts, and none other."""
    for name, op in catalog.OPS.items():
        for dtype in DTYPES:
            np_dtype = dtype.np
            if op.supports(np_dtype):
                assert op.body(np_dtype, "cpu") is not None
                assert op.body(np_dtype, "cuda") is not None
            else:
                for device in ("cpu", "cuda"):
                    with pytest.raises(TypeError):
                        op.body(np_dtype, device)


# CI runs every op over every layout in float32 (integer and bool kernels run through
# test_elementwise.py's references); the rest of the sweep (each case compiles its own
# kernels) is marked slow: `pytest -m slow` runs it.
_CI = {tm.float32: tuple(LAYOUTS)}


def _cases():
    out = []
    for name in sorted(TABLE):
        for dtype in DTYPES:
            for layout in LAYOUTS if dtype is tm.float32 else ("contiguous", "transposed"):
                marks = () if layout in _CI.get(dtype, ()) else (pytest.mark.slow,)
                out.append(pytest.param(name, dtype, layout, marks=marks,
                                        id=f"{name}-{dtype.name}-{layout}"))
    return out


@pytest.mark.parametrize("name, dtype, layout", _cases())
def test_against_torch(name, dtype, layout):
    torch = needs_torch()
    arrays = _inputs(name, dtype, layout)
    try:
        want = _run(name, torch, arrays, layout, torch.tensor)
    except (RuntimeError, TypeError, NotImplementedError) as e:
        with pytest.raises(type(e)):
            _run(name, tm, arrays, layout, tm.tensor)
        return
    got = _run(name, tm, arrays, layout, tm.tensor)
    _compare(got, want, *_tolerance(name, dtype))


cuda_only = pytest.mark.skipif(not cuda_runtime.is_available(),
                               reason=f"cuda unavailable: {cuda_runtime.unavailable()}")


def _cuda_cases():
    return [pytest.param(name, dtype, layout, id=f"{name}-{dtype.name}-{layout}",
                         marks=() if dtype is tm.float32 else (pytest.mark.slow,))
            for name in sorted(TABLE) for dtype in (tm.float32, tm.int32, tm.bool)
            for layout in ("contiguous", "transposed")]


@cuda_only
@pytest.mark.parametrize("name, dtype, layout", _cuda_cases())
def test_cuda_against_cpu(name, dtype, layout):
    arrays = _inputs(name, dtype, layout)
    try:
        want = _run(name, tm, arrays, layout, tm.tensor)
    except (RuntimeError, TypeError, NotImplementedError) as e:
        with pytest.raises(type(e)):
            _run(name, tm, arrays, layout, lambda a: tm.tensor(a, device="cuda"))
        return
    got = _run(name, tm, arrays, layout, lambda a: tm.tensor(a, device="cuda"))
    assert got.device.type == "cuda"
    assert got.stride() == want.stride()
    _compare(got.cpu(), want, *_tolerance(name, dtype))


DIFFERENTIABLE = sorted(name for name, op in catalog.OPS.items()
                        if op.public and "f" in op.kinds and op.result != "bool"
                        and name not in ("nextafter", "heaviside", "round", "floor", "ceil",
                                         "trunc", "sign", "floor_divide",
                                         # torch's zero gradient (a ZeroTensor), and no
                                         # node at all (a real tensor's conj is itself)
                                         "sgn", "conj_physical"))


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradients_against_torch(name):
    torch = needs_torch()
    rng = np.random.default_rng(1)
    lo, hi = TABLE[name][1] or (-2, 2)
    if name == "acosh":
        lo, hi = 1.5, 4
    arrays = [rng.uniform(lo, hi, (3, 4)) for _ in range(TABLE[name][0])]
    if name in ("log", "log2", "log10", "sqrt", "rsqrt", "xlogy", "pow"):
        arrays = [np.abs(a) + 0.5 for a in arrays]
    if name in ("logit", "lerp"):
        arrays = [rng.uniform(0.1, 0.9, (3, 4)) for _ in arrays]
    if name == "where":
        arrays[0] = arrays[0].astype(np.float64)
    xs = [tm.tensor(a, requires_grad=name != "where" or k > 0) for k, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=name != "where" or k > 0) for k, a in enumerate(arrays)]
    y, yt = _call(name, tm, *xs), _call(name, torch, *ts)
    grad = rng.standard_normal(y.shape)
    y.backward(tm.tensor(grad))
    yt.backward(torch.tensor(grad))
    assert y.grad_fn.name() == yt.grad_fn.name()
    for x, t in zip(xs, ts):
        if t.grad is not None:
            np.testing.assert_allclose(np.asarray(x.grad), t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["lerp", "addcmul", "nan_to_num", "square", "logit", "fmod",
                                  "bitwise_left_shift", "acos"])
def test_in_place_forms(name):
    torch = needs_torch()
    dtype = tm.int64 if name == "bitwise_left_shift" else tm.float64
    arrays = _inputs(name, dtype, "contiguous")
    x, xt = tm.tensor(arrays[0]), torch.tensor(arrays[0])
    rest, rest_t = [tm.tensor(a) for a in arrays[1:]], [torch.tensor(a) for a in arrays[1:]]
    extra = {"addcmul": {"value": 2}}.get(name, {})
    assert getattr(x, name + "_")(*rest, **extra) is x
    getattr(xt, name + "_")(*rest_t, **extra)
    _compare(x, xt, 1e-12, 1e-12)


def test_shift_operators_and_errors():
    torch = needs_torch()
    a = np.array([1, -3, 7, 100], np.int64)
    for expr in (lambda m, x: x << 2, lambda m, x: x >> 1, lambda m, x: 1 << x[:2],
                 lambda m, x: m.tensor([1], dtype=m.uint8) << 9):
        _compare(expr(tm, tm.tensor(a)), expr(torch, torch.tensor(a)), 0, 0)
    x = tm.tensor(a)
    x <<= 1
    np.testing.assert_array_equal(np.asarray(x), a << 1)
    with pytest.raises(NotImplementedError, match="lshift_cpu"):
        tm.tensor([1.0]) << 2


def test_positive_is_the_input():
    x = tm.tensor([1.0, -2.0])
    assert tm.positive(x) is x and x.positive() is x
    with pytest.raises(RuntimeError, match="bool tensor"):
        tm.positive(tm.tensor([True]))


@pytest.mark.parametrize("name", ["exp", "tanh", "erf", "sigmoid", "logaddexp", "erfinv"])
def test_large_float32_takes_the_vectorised_math_within_4_ulp_of_torch(name):
    """Parallel kernels (large tensors) compute float32 exp, tanh and erf as vectorised
    polynomials (kernels/cpu/scalar_math.py): their results stay within a few ulp of
    torch's, specials included."""
    torch = needs_torch()
    n = 1 << 16
    arrays = [_values(name, k, tm.float32, (n,), k) for k in range(TABLE[name][0])]
    got = np.asarray(_call(name, tm, *[tm.tensor(a) for a in arrays]))
    want = _call(name, torch, *[torch.tensor(a) for a in arrays]).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    # logaddexp cancels to near 0 where a ~ -b ~ log(2)/2 (torch loses the same digits):
    # count its ulps at the scale of its inputs
    scale = np.float32(1.0) if name == "logaddexp" else np.float32(0.0)
    spacing = np.spacing(np.maximum(np.abs(want[finite]), scale)).astype(np.float64)
    ulps = np.abs(got[finite].astype(np.float64) - want[finite]) / np.maximum(spacing, 2.0 ** -149)
    assert ulps.max() <= (16 if name == "erfinv" else 5)


def test_erfinv_float64_near_the_ends():
    torch = needs_torch()
    y = 1 - np.geomspace(1e-16, 0.5, 401)
    y = np.concatenate([y, -y])
    got = np.asarray(tm.erfinv(tm.tensor(y)))
    np.testing.assert_allclose(got, torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-9)


def test_parameters_out_of_the_dtype_raise_torchs_overflow_error():
    u8 = tm.tensor([1, 2], dtype=tm.uint8)
    with pytest.raises(RuntimeError, match="uint8_t without overflow"):
        tm.addcmul(u8, u8, u8, value=300)
    f = tm.tensor([0.5, 1.0])
    with pytest.raises(RuntimeError, match="float without overflow"):
        tm.addcdiv(f, f, f, value=1e40)
    # nan_to_num casts its replacements as torch does: 1e40 is inf in float32
    assert float(tm.nan_to_num(tm.tensor([float("inf")]), posinf=1e40)) == float("inf")


def test_lerp_converts_a_0d_weight_and_names_the_dtypes_it_refuses():
    f = tm.tensor([0.5, 1.0])
    np.testing.assert_allclose(np.asarray(tm.lerp(f, f * 2, tm.tensor(0.5, dtype=tm.float64))),
                               [0.75, 1.5])
    with pytest.raises(RuntimeError, match="expected dtype float for `weight` but got dtype "
                                           "double"):
        tm.lerp(f, f * 2, tm.tensor([0.5, 0.5], dtype=tm.float64))


def test_xlogy_gradient_of_a_zero_gradient_at_y_zero_is_zero():
    x = tm.tensor([2.0], requires_grad=True)
    tm.xlogy(x, tm.tensor([0.0])).backward(tm.tensor([0.0]))
    assert float(x.grad) == 0.0
