"""The op steps: each family draws one Step over the live variables, or None where no
variable fits it. Names come from api, so only what both libraries offer is drawn."""
import math

from . import api, draw_views, guards, literals, operands
from .program import Step

UNARY = api.available("""neg abs exp expm1 log log1p log2 log10 sqrt rsqrt reciprocal sin cos tan
    tanh sigmoid erf erfc erfinv floor ceil trunc round frac sign relu logical_not bitwise_not
    isnan isinf isfinite signbit square positive sinh cosh asin acos atan asinh acosh atanh
    exp2 deg2rad rad2deg sinc logit nan_to_num""".split())
BINARY = api.available("""add sub mul div floor_divide remainder fmod pow maximum minimum
    bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift eq ne lt le gt ge
    logical_and logical_or logical_xor atan2 hypot copysign xlogy nextafter heaviside
    logaddexp""".split())
OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floor_divide": "//",
             "remainder": "%", "pow": "**", "bitwise_and": "&", "bitwise_or": "|",
             "bitwise_xor": "^", "bitwise_left_shift": "<<", "bitwise_right_shift": ">>",
             "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
# reductions: which dim arguments each takes ("dims": None, an int or a tuple)
REDUCTIONS = {name: dims for name, dims in (
    ("sum", "dims"), ("mean", "dims"), ("prod", "dim"), ("amax", "dims"), ("amin", "dims"),
    ("argmax", "dim"), ("argmin", "dim"), ("all", "dims"), ("any", "dims"), ("std", "dims"),
    ("var", "dims"), ("max", "dim"), ("min", "dim")) if api.function(name)}
CONVERSIONS = ("float", "double", "int", "long", "short", "char", "byte", "bool")


def _call(rng, name, x, *args, kw=""):
    """`lib.name(x, args)` or `x.name(args)`, whichever both libraries offer (the forms
    differ in their front ends, so both are worth drawing)."""
    args = ", ".join([*args] + ([kw] if kw else []))
    forms = [f for f, ok in ((f"lib.{name}({x}{', ' if args else ''}{args})", api.function(name)),
                             (f"{x}.{name}({args})", api.method(name))) if ok]
    return rng.choice(forms)


def unary(rng, scope, out):
    x = scope.pick(rng)
    name = rng.choice(UNARY)
    return Step(f"{out} = {_call(rng, name, x)}", f"unary:{name}", out, (x,),
                layout="dense", tol="elementwise", guards=_sign_guards(name, x))


def _sign_guards(name, operand):
    """Guards for the ops that read a sign bit (of `operand`: signbit's input, copysign's
    second operand)."""
    return (guards.nan_sign(operand),) if name in ("signbit", "copysign") else ()


def binary(rng, scope, out):
    x = scope.pick(rng)
    m = scope.pool[x]
    name = rng.choice(BINARY)
    y, reads, _ = operands.operand(rng, scope, m.shape, m.dtype)
    kw, truncates = "", False
    if name in ("add", "sub") and rng.random() < 0.15:
        kw = f"alpha={literals.scalar(rng)}"
    if name == "div" and api.takes("div", "rounding_mode") and rng.random() < 0.6:
        mode = rng.choice((None, "trunc", "floor"))
        kw, truncates = f"rounding_mode={mode!r}", mode == "trunc"
    op = OPERATORS.get(name)
    if op and not kw and rng.random() < 0.4:
        expr = f"{y} {op} {x}" if not reads and rng.random() < 0.4 else f"{x} {op} {y}"
    else:
        expr = _call(rng, name, x, y, kw=kw)
    return Step(f"{out} = {expr}", f"binary:{name}", out, (x, *reads), tol="elementwise",
                guards=((guards.int_min_truncation(x, y),) if truncates else ())
                + _sign_guards(name, y))


def where(rng, scope, out):
    x = scope.pick(rng)
    m = scope.pool[x]
    if rng.random() < 0.5:
        cond = f"({x} > {literals.value(rng, 'float32')!r})"
    else:
        cond = operands.mask(rng, operands.partner_shape(rng, m.shape))
    y, reads, _ = operands.operand(rng, scope, m.shape, m.dtype)
    a, b = (x, y) if rng.random() < 0.5 else (y, x)
    if a == x and rng.random() < 0.3:
        return Step(f"{out} = {x}.where({cond}, {b})", "where", out, (x, *reads))
    return Step(f"{out} = lib.where({cond}, {a}, {b})", "where", out, (x, *reads))


def clamp(rng, scope, out):
    x = scope.pick(rng)
    lo, hi = (literals.scalar(rng) for _ in range(2))
    args = rng.choice((f"{lo}, {hi}", f"min={lo}", f"max={hi}", f"{lo}", f"max={hi}, min={lo}"))
    name = rng.choice([n for n in ("clamp", "clip") if api.method(n)])
    return Step(f"{out} = {_call(rng, name, x, args)}", "clamp", out, (x,), layout="dense")


def _dims(rng, m, kind):
    """A dim argument: an int, or for "dims" reductions a tuple, now and then out of range
    or repeated."""
    nd = m.ndim
    if kind == "dims" and nd and rng.random() < 0.35:
        dims = rng.sample(range(nd), rng.randint(0, nd))
        if dims and rng.random() < operands.MISMATCH:
            dims.append(dims[0])
        return tuple(d - nd if rng.random() < 0.3 else d for d in dims)
    if rng.random() < operands.MISMATCH:
        return max(nd, 1)
    return draw_views.dim(rng, nd)


def _reduced(m, dims):
    """How many elements each result element of a reduction over `dims` combines."""
    dims = dims if isinstance(dims, tuple) else (dims,)
    picked = {d % m.ndim for d in dims if -m.ndim <= d < m.ndim} if m.ndim else ()
    return math.prod(m.shape[d] for d in picked or range(m.ndim))


def reduction(rng, scope, out):
    name = rng.choice(list(REDUCTIONS))
    x = None
    if name in ("std", "var") and rng.random() < 0.9:  # they only take floats
        x = scope.pick(rng, lambda m: m.dtype in literals.FLOATS)
    x = x or scope.pick(rng)
    m = scope.pool[x]
    args, reduced = [], m.numel
    if rng.random() < 0.7:
        dims = _dims(rng, m, REDUCTIONS[name])
        args.append(repr(dims))
        reduced = _reduced(m, dims)
        if rng.random() < 0.5:
            args.append(f"keepdim={rng.random() < 0.5}")
    elif name in ("argmax", "argmin") and rng.random() < 0.3:
        args.append(f"keepdim={rng.random() < 0.5}")
    if name in ("std", "var") and rng.random() < 0.5:
        args.append(f"correction={rng.choice((0, 1, 2))}")
    if name in ("sum", "prod", "mean") and rng.random() < 0.2:
        widest = "float64" if m.dtype in literals.FLOATS or name == "mean" else "int64"
        args.append(f"dtype=lib.{widest}")
    tol = {"sum": "sum", "mean": "sum", "prod": "prod", "std": "std", "var": "var"}
    return Step(f"{out} = {_call(rng, name, x, *args)}", f"reduce:{name}", out, (x,),
                tol=tol.get(name, "exact"), terms=reduced)


def matmul(rng, scope, out):
    x = scope.pick(rng, lambda m: 1 <= m.ndim <= 4)
    if x is None:
        return None
    m = scope.pool[x]
    k = m.shape[-1]
    if rng.random() < operands.MISMATCH:
        k += 1
    n = literals.side(rng)
    shape = rng.choice(((k,), (k, n), (rng.choice((1, 2)), k, n)))
    # torch skips its dtype check when an operand is empty (an early return); tm need not
    dtype = m.dtype
    if m.numel and math.prod(shape) and rng.random() < 0.15:
        dtype = rng.choice(literals.DTYPES)
    y = literals.tensor(rng, shape, dtype)
    name = {(1, 1): "dot", (2, 1): "mv", (2, 2): "mm", (3, 3): "bmm"}.get((m.ndim, len(shape)))
    forms = [f"lib.matmul({x}, {y})", f"{x} @ {y}", f"{x}.matmul({y})"]
    if name and api.function(name):
        forms.append(f"lib.{name}({x}, {y})")
    return Step(f"{out} = {rng.choice(forms)}", "matmul", out, (x,), tol="dot",
                terms=m.shape[-1])


def getitem(rng, scope, out):
    x = scope.pick(rng)
    idx, _ = operands.index(rng, scope.pool[x].shape)
    return Step(f"{out} = {x}[{idx}]", "getitem", out, (x,))


def setitem(rng, scope, out):
    x = scope.pick(rng)
    m = scope.pool[x]
    idx, advanced = operands.index(rng, m.shape)
    dest = f"{x}[{idx}]"
    view = scope.probe(dest)
    value = operands.operand(rng, scope, view.shape if view else m.shape, m.dtype, into=True)
    return Step(f"{dest} = {value.code}", "setitem" + ":advanced" * advanced, None,
                (x, *value.reads),
                guards=(guards.float_into_int(value.code, m.dtype),
                        guards.overlap(x, dest, value.reads, constant=value.scalar)))


AUGMENTED = {"add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "bitwise_and",
             "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"}


def inplace(rng, scope, out):
    x = scope.pick(rng)
    m = scope.pool[x]
    r = rng.random()
    if r < 0.3:
        name = rng.choice([n for n in UNARY if api.method(n + "_")])
        return Step(f"{out} = {x}.{name}_()", f"inplace:{name}_", out, (x,),
                    tol="elementwise", guards=(guards.overlap(x, x, ()), *_sign_guards(name, x)))
    if r < 0.45:
        lo, hi = (literals.scalar(rng) for _ in range(2))
        bounds = rng.choice((f"{lo}, {hi}", f"min={lo}", f"max={hi}"))
        return Step(f"{out} = {x}.clamp_({bounds})", "inplace:clamp_", out, (x,),
                    guards=(guards.overlap(x, x, ()),))
    if r < 0.55:
        name = rng.choice(("fill_", "zero_"))
        arg = literals.scalar(rng) if name == "fill_" else ""
        return Step(f"{out} = {x}.{name}({arg})", f"inplace:{name}", out, (x,))
    y, reads, _ = operands.operand(rng, scope, m.shape, m.dtype, into=True,
                                   scalars=rng.random() < 0.7)
    if r < 0.62:
        return Step(f"{out} = {x}.copy_({y})", "inplace:copy_", out, (x, *reads),
                    guards=(guards.float_into_int(y, m.dtype), guards.overlap(x, x, reads)))
    name = rng.choice([n for n in BINARY if api.method(n + "_")])
    step_guards = (guards.overlap(x, x, reads), *_sign_guards(name, y))
    if name in AUGMENTED and rng.random() < 0.3:
        # `x += y` rebinds x, so x is the step's target: it must still be the same tensor
        return Step(f"{x} {OPERATORS[name]}= {y}", f"inplace:{name}_", x, (x, *reads),
                    tol="elementwise", guards=step_guards)
    return Step(f"{out} = {x}.{name}_({y})", f"inplace:{name}_", out, (x, *reads),
                tol="elementwise", guards=step_guards)


def reshape(rng, scope, out):
    x = scope.pick(rng)
    m = scope.pool[x]
    r = rng.random()
    if r < 0.25:
        return Step(f"{out} = {x}.clone()", "clone", out, (x,), layout="dense")
    if r < 0.45:
        return Step(f"{out} = {x}.contiguous()", "contiguous", out, (x,), layout="contiguous")
    if r < 0.65:
        s = draw_views.dim(rng, m.ndim)
        e = draw_views.dim(rng, m.ndim)
        return Step(f"{out} = {_call(rng, 'flatten', x, str(s), str(e))}", "flatten", out, (x,))
    sizes = _factor(rng, m.numel)
    if sizes and m.numel and rng.random() < 0.4:
        sizes[rng.randrange(len(sizes))] = -1
    if rng.random() < operands.MISMATCH:
        sizes.append(2)
    name = "view" if rng.random() < 0.3 else "reshape"
    return Step(f"{out} = {x}.{name}({', '.join(map(str, sizes)) or '()'})", name, out, (x,))


def _factor(rng, n):
    """Up to 3 sizes whose product is n."""
    if not n:
        return rng.choice(([0], [0, 2], [2, 0, 1]))
    sizes = []
    for _ in range(rng.randint(0, 2)):
        k = rng.choice([d for d in range(1, n + 1) if n % d == 0])
        sizes.append(k)
        n //= k
    return sizes + [n] if n > 1 or not sizes or rng.random() < 0.5 else sizes


def join(rng, scope, out):
    x = scope.pick(rng, lambda m: m.ndim > 0)
    if x is None:
        return None
    m = scope.pool[x]
    name = rng.choice(("cat", "stack"))
    d = draw_views.dim(rng, m.ndim + (name == "stack"))
    parts, reads = [x], [x]
    for _ in range(rng.randint(0, 2)):
        shape = list(m.shape)
        if name == "cat" and rng.random() < 0.7:
            shape[d % m.ndim] = literals.side(rng)
        if rng.random() < operands.MISMATCH:
            shape.append(1)
        same = scope.pick(rng, lambda o: o.shape == tuple(shape))
        if same and rng.random() < 0.5:
            parts.append(same)
            reads.append(same)
        else:
            dtype = m.dtype if rng.random() < 0.6 else rng.choice(literals.DTYPES)
            parts.append(literals.tensor(rng, tuple(shape), dtype))
    if name == "cat" and rng.random() < 0.1:
        parts.insert(rng.randint(0, len(parts)), literals.tensor_of([], (0,), m.dtype))
    rng.shuffle(parts)
    return Step(f"{out} = lib.{name}([{', '.join(parts)}], {d})", name, out, tuple(reads))


def convert(rng, scope, out):
    x = scope.pick(rng)
    m = scope.pool[x]
    dtype = rng.choice(literals.DTYPES)
    r = rng.random()
    if r < 0.4:
        code = f"{x}.to(lib.{dtype})"
    elif r < 0.6:
        code = f"{x}.to(dtype=lib.{dtype})"
    else:
        method = rng.choice(CONVERSIONS)
        code = f"{x}.{method}()"
        dtype = {"float": "float32", "double": "float64", "int": "int32", "long": "int64",
                 "short": "int16", "char": "int8", "byte": "uint8", "bool": "bool"}[method]
    return Step(f"{out} = {code}", "to", out, (x,), layout="dense",
                guards=(guards.float_into_int(x, dtype),) if m.dtype in literals.FLOATS else ())


def _flip(rng, x, m):
    return f"{x}.flip({tuple(rng.sample(range(m.ndim), rng.randint(0, m.ndim)))!r})"


def _roll(rng, x, m):
    return f"{x}.roll({rng.randint(-3, 3)}, {draw_views.dim(rng, m.ndim)})"


def _tri(name):
    def draw(rng, x, m):
        return f"{x}.{name}({rng.randint(-2, 2)})" if m.ndim >= 2 else None
    return draw


def _masked_fill(rng, x, m):
    mask = operands.mask(rng, operands.partner_shape(rng, m.shape, into=True))
    return f"{x}.masked_fill({mask}, {literals.scalar(rng)})"


def _index_select(rng, x, m):
    # in range only: torch's error for an index out of range is an IndexError or a
    # RuntimeError depending on which of its kernels the dim and layout pick
    d = draw_views.dim(rng, m.ndim)
    n = m.shape[d] if m.ndim else 1
    values = [rng.randint(0, n - 1) for _ in range(rng.randint(0, 3) if n else 0)]
    return f"{x}.index_select({d}, {literals.tensor_of(values, (len(values),), 'int64')})"


def _nonzero(rng, x, m):
    return f"{x}.nonzero()"


MISC = {name: fn for name, fn in (
    ("flip", _flip), ("roll", _roll), ("tril", _tri("tril")), ("triu", _tri("triu")),
    ("masked_fill", _masked_fill), ("index_select", _index_select), ("nonzero", _nonzero))
    if api.method(name)}


def misc(rng, scope, out):
    x = scope.pick(rng)
    name = rng.choice(list(MISC))
    code = MISC[name](rng, x, scope.pool[x])
    return Step(f"{out} = {code}", name, out, (x,)) if code else None


FAMILIES = {"unary": (unary, 12), "binary": (binary, 20), "where": (where, 4),
            "clamp": (clamp, 4), "reduction": (reduction, 14), "matmul": (matmul, 6),
            "getitem": (getitem, 8), "setitem": (setitem, 7), "inplace": (inplace, 12),
            "reshape": (reshape, 6), "join": (join, 4), "convert": (convert, 6),
            "misc": (misc, 4)}


def draw(rng, scope):
    """One op step over scope's variables (None: the drawn family found nothing to use)."""
    fn = rng.choices([f for f, _ in FAMILIES.values()], [w for _, w in FAMILIES.values()])[0]
    return fn(rng, scope, scope.name("v"))
