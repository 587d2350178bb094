"""Fixed-width vectors of floats as Numba values (LLVM vector types), for kernels whose
order of additions is prescribed (torch's cascade sums): each lane is added on its own
and in order, so results do not depend on how the compiler vectorises.

Numba's loop vectoriser cannot be used there: it needs reassociation to vectorise a
fold, and several accumulators kept in a small array stay in memory (4x slower); LLVM's
SLP vectoriser, which would pack scalar accumulators, is off in Numba. A ``Vec`` lives
in registers and compiles to plain vector adds.

``vzero(dtype, k, l)``    k*l zero lanes
``vrow(x, q, ks, k, l)``  k runs of l contiguous elements of 1-D array x, run i from
                        x[q + i*ks], as one vector of k*l lanes
``vadd(a, b)``          lane-wise a + b
``vquarter(v, i)``      the i-th quarter of v's lanes
``vget(v, i)``          lane i
``vlen(v)``             the number of lanes

k, l and i are literals; l == 0 stands for one AVX2 register of the dtype (8 float32
or 4 float64), so that one function body serves both dtypes (and caches: functions made
per width in a closure would recompile in every process).
"""
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, models, register_model

_I32 = ir.IntType(32)


class Vec(types.Type):
    def __init__(self, dtype, count):
        self.dtype, self.count = dtype, count
        super().__init__(name=f"Vec({dtype}, {count})")


@register_model(Vec)
class _VecModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        elem = dmm.lookup(fe_type.dtype).get_value_type()
        super().__init__(dmm, fe_type, ir.VectorType(elem, fe_type.count))


def _literal(t):
    return t.literal_value if isinstance(t, types.IntegerLiteral) else None


def _width(dtype, l):
    return 32 * 8 // dtype.bitwidth if l == 0 else l


def _lanes(lanes):
    return ir.Constant(ir.VectorType(_I32, len(lanes)), list(lanes))


@intrinsic
def vzero(typingctx, dtype, k, l):
    runs, width = _literal(k), _literal(l)
    if runs is None or width is None:
        return None
    vt = Vec(dtype.dtype, runs * _width(dtype.dtype, width))
    return vt(dtype, k, l), lambda ctx, builder, sig, args: ir.Constant(
        ctx.get_value_type(vt), None)


@intrinsic
def vrow(typingctx, x, q, ks, k, l):
    runs, width = _literal(k), _literal(l)
    if runs is None or width is None or not isinstance(x, types.Array):
        return None
    width = _width(x.dtype, width)
    vt = Vec(x.dtype, runs * width)

    def codegen(ctx, builder, sig, args):
        data = ctx.make_array(x)(ctx, builder, args[0]).data
        q, ks = args[1], args[2]
        elem = ctx.get_value_type(x.dtype)
        align = x.dtype.bitwidth // 8
        parts = []
        for i in range(runs):
            ptr = builder.gep(data, [builder.add(q, builder.mul(ks, ir.Constant(ks.type, i)))])
            if width > 1:
                ptr = builder.bitcast(ptr, ir.PointerType(ir.VectorType(elem, width)))
            parts.append(builder.load(ptr, align=align))
        if width == 1:  # gather the scalars
            v = ir.Constant(ir.VectorType(elem, runs), None)
            for i, s in enumerate(parts):
                v = builder.insert_element(v, s, ir.Constant(_I32, i))
            return v
        while len(parts) > 1:  # concatenate pairwise (runs is a power of 2)
            parts = [builder.shuffle_vector(a, b, _lanes(range(2 * a.type.count)))
                     for a, b in zip(parts[::2], parts[1::2])]
        return parts[0]

    return vt(x, q, ks, k, l), codegen


@intrinsic
def vadd(typingctx, a, b):
    if not isinstance(a, Vec) or a != b:
        return None
    return a(a, b), lambda ctx, builder, sig, args: builder.fadd(*args)


@intrinsic
def vquarter(typingctx, v, i):
    q = _literal(i)
    if not isinstance(v, Vec) or q is None:
        return None
    n = v.count // 4
    return Vec(v.dtype, n)(v, i), lambda ctx, builder, sig, args: (
        builder.shuffle_vector(args[0], args[0], _lanes(range(q * n, q * n + n))))


@intrinsic
def vget(typingctx, v, i):
    if not isinstance(v, Vec) or not isinstance(i, types.Integer):
        return None

    def codegen(ctx, builder, sig, args):
        return builder.extract_element(args[0], builder.trunc(args[1], _I32)
                                       if args[1].type.width > 32 else args[1])
    return v.dtype(v, i), codegen


@intrinsic
def vlen(typingctx, v):
    if not isinstance(v, Vec):
        return None
    return types.intp(v), lambda ctx, builder, sig, args: ir.Constant(
        ctx.get_value_type(types.intp), v.count)
