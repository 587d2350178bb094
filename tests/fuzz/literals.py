"""Random dtypes, shapes, values and Python scalars, and their source-code spelling.

Programs are Python source (see program.py), so every value is drawn as something whose
repr() is a valid literal: tensors are `lib.tensor(<flat list>, ...)`, reshaped.
"""
import math

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")
FLOATS = ("float32", "float64")
BITS = {"uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64}


def int_range(dtype):
    """(min, max) of an integer dtype."""
    bits = BITS[dtype]
    return (0, 2 ** bits - 1) if dtype == "uint8" else (-2 ** (bits - 1), 2 ** (bits - 1) - 1)


def shape(rng):
    """Up to 4 mostly small sides; size-1 and size-0 dims and 0-d shapes come up often."""
    return tuple(side(rng) for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))))


def side(rng):
    r = rng.random()
    return 0 if r < 0.06 else 1 if r < 0.25 else rng.randint(2, 4)


def value(rng, dtype):
    """One element: small integers (negative ones too), floats on a 0.25 grid or arbitrary,
    now and then nan, +-inf, -0.0 or an integer dtype's extreme."""
    r = rng.random()
    if dtype == "bool":
        return rng.random() < 0.5
    if dtype in INTS:
        lo, hi = int_range(dtype)
        if r < 0.03:
            return rng.choice((lo, hi))
        return rng.randint(max(lo, -5), 5 if dtype != "uint8" else 9)
    if r < 0.03:
        return rng.choice((math.nan, math.inf, -math.inf, -0.0))
    if r < 0.25:
        return round(rng.uniform(-10, 10), 3)
    return rng.randint(-16, 16) / 4


def scalar(rng):
    """Source of a Python number operand: an int, a float (specials included) or a bool;
    nan and inf are names in the program's namespace."""
    r = rng.random()
    if r < 0.45:
        v = rng.randint(-3, 4)
    elif r < 0.85:
        v = rng.choice((0.5, -1.5, 2.0, 0.25, -0.0, 3.0, 1e-3))
    elif r < 0.93:
        v = rng.choice((math.nan, math.inf, -math.inf, 1000, -129))
    else:
        v = rng.random() < 0.5
    return repr(v)


def tensor(rng, shape_, dtype):
    """Source of a fresh contiguous tensor of random values (a pattern, past 256 of them:
    a literal would fill pages)."""
    n = math.prod(shape_)
    if n > 256:
        return pattern(rng, shape_, dtype)
    return tensor_of([value(rng, dtype) for _ in range(n)], shape_, dtype)


def pattern(rng, shape_, dtype):
    """Source of a tensor of small values in a cheap pattern, computed by the library."""
    p, q = rng.choice((7, 11, 13)), rng.choice((5, 9, 17))
    code = f"lib.arange({math.prod(shape_)}, device=dev) * {p} % {q} - {q // 2}"
    if dtype in FLOATS:
        code = f"({code}) / 4"
    return f"({code}).to(lib.{dtype}).reshape{tuple(shape_)}"


def tensor_of(values, shape_, dtype):
    """Source of a fresh contiguous tensor holding `values` (a flat list) in `shape_`."""
    data = repr(values[0]) if shape_ == () else repr(values)
    code = f"lib.tensor({data}, dtype=lib.{dtype}, device=dev)"
    if len(shape_) > 1:
        code += f".reshape{tuple(shape_)}"
    return code


def big_shape(rng):
    """A shape big enough for tm's parallel and tiled kernels (from 32768 elements)."""
    return rng.choice(((rng.randint(180, 260), rng.randint(180, 260)),
                       (rng.randint(32, 40), rng.randint(32, 40), rng.randint(32, 40)),
                       (rng.randint(33000, 40000),)))
