"""The elementwise catalog's public ops, registered for the sweep by reading the catalog:
an op added to kernels.catalog is swept with no edit here. Unary and binary ops are called
as `xp.<name>(a)` and `xp.<name>(a, b)`; ops with more operands or scalar arguments
(where, lerp, addcmul, ...) are registered by hand in bench.sweep.families, and those
registrations say so (`covers=`) and win."""
from tensorrt_mini.kernels import catalog

from .registry import OPS, SweepOp, floats

# Where the result is finite for every op: the widest first, so that ops with several
# regimes (tanh's series and exp, say) are timed across them.
DOMAINS = ((-3.0, 3.0), (0.1, 0.9), (1.1, 3.0))
# The representative subset that also runs in float64 and int64 (where the op takes it).
FLOAT64 = {"add", "mul", "div", "exp", "log", "sigmoid", "tanh", "sqrt", "abs"}
INT64 = {"add", "sub", "mul", "maximum", "eq", "abs", "neg", "bitwise_and"}


def register_catalog():
    covered = {op.covers for op in OPS.values()}
    for op in catalog.OPS.values():
        if not op.public or op.name in OPS or op.name in covered:
            continue
        if op.arity > 2:
            raise LookupError(f"catalog op {op.name} takes {op.arity} operands: register its "
                              "sweep call in bench.sweep.families with covers=")
        OPS[op.name] = SweepOp(op.name, "elementwise", _builder(op.name, op.arity),
                               floats(op.arity), dtypes=_dtypes(op),
                               transposed=op.arity == 2, domains=DOMAINS)


def _builder(name, arity):
    if arity == 1:
        return lambda xp, a: (lambda: getattr(xp, name)(a))
    return lambda xp, a, b: (lambda: getattr(xp, name)(a, b))


def _dtypes(op):
    dtypes = ["float32" if "f" in op.kinds else "int64"]
    if op.name in FLOAT64 and "f" in op.kinds:
        dtypes.append("float64")
    if op.name in INT64 and "i" in op.kinds and "int64" not in dtypes:
        dtypes.append("int64")
    return tuple(dtypes)
