"""Fixed-width vectors of floats as Numba values (LLVM vector types), for kernels whose
order of additions is prescribed (torch's cascade sums): each lane is added on its own
and in order, so results do not depend on how the compiler vectorises.

Numba's loop vectoriser cannot be used there: it needs reassociation to vectorise a
fold, and several accumulators kept in a small array stay in memory (4x slower); LLVM's
SLP vectoriser, which would pack scalar accumulators, is off in Numba. A ``Vec`` lives
in registers and compiles to plain vector adds.

``vzero(dtype, n)``     n zero lanes (n a literal)
``vrow(x, q, ks, k, l)``  k runs of l contiguous elements of 1-D array x, run i from
                        x[q + i*ks], as one vector of k*l lanes (k, l literals)
``vadd(a, b)``          lane-wise a + b
``vpart(v, start, n)``  lanes start .. start+n-1 (literals)
``vget(v, i)``          lane i
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


def _lanes(lanes):
    return ir.Constant(ir.VectorType(_I32, len(lanes)), list(lanes))


@intrinsic
def vzero(typingctx, dtype, count):
    n = _literal(count)
    if n is None:
        return None
    vt = Vec(dtype.dtype, n)
    return vt(dtype, count), lambda ctx, builder, sig, args: ir.Constant(
        ctx.get_value_type(vt), None)


@intrinsic
def vrow(typingctx, x, q, ks, k, l):
    runs, width = _literal(k), _literal(l)
    if runs is None or width is None or not isinstance(x, types.Array):
        return None
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
def vpart(typingctx, v, start, count):
    s, n = _literal(start), _literal(count)
    if not isinstance(v, Vec) or s is None or n is None:
        return None
    return Vec(v.dtype, n)(v, start, count), lambda ctx, builder, sig, args: (
        builder.shuffle_vector(args[0], args[0], _lanes(range(s, s + n))))


@intrinsic
def vget(typingctx, v, i):
    if not isinstance(v, Vec) or not isinstance(i, types.Integer):
        return None

    def codegen(ctx, builder, sig, args):
        return builder.extract_element(args[0], builder.trunc(args[1], _I32)
                                       if args[1].type.width > 32 else args[1])
    return v.dtype(v, i), codegen
