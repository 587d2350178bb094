"""Memory primitives that numba.cuda lacks, each in a compiled form (LLVM IR) and a Python
form for the simulator.

- `load(x, i)`: `x[i]` when x is a pointer, x itself when it is a scalar, so one kernel
  serves tensor and scalar operands.
- `store(x, i, v)`: `x[i] = v`, converting v to x's dtype (numba's own pointer store
  fails on bool pointers).
- `is_pointer(x)`: a compile-time constant, to skip work for scalar operands.
- `vload` / `vstore`: `width` consecutive elements in one vector access (16-byte loads are
  how torch reaches its elementwise bandwidth); the caller guarantees the alignment.
- `as_array(p, n)`: a 1-D array over a pointer, because numba's atomics take arrays.
- `bitcast(v, like)`: v's bits read as a value of like's type (of v's width), so that a
  compare-and-swap on integers can update a float.
"""
import numpy as np

from .compiler import SIMULATOR, intrinsic

if SIMULATOR:
    def _is_scalar(x):
        return isinstance(x, (int, float, bool, np.generic))

    def is_pointer(x):
        return not _is_scalar(x)

    def load(x, i):
        return x if _is_scalar(x) else x[i]

    def store(x, i, v):
        x[i] = v

    def _check_aligned(x, i, width):
        # a misaligned vector access faults on a GPU (and spoils the CUDA context)
        if (x.ctypes.data + i * x.itemsize) % (width * x.itemsize):
            raise ValueError(f"misaligned {width}-element vector access at element {i}")

    def vload(dst, j, x, i, width):
        if not _is_scalar(x):
            _check_aligned(x, i, width)
        for k in range(width):
            dst[j + k] = load(x, i + k)

    def vstore(x, i, src, j, width):
        _check_aligned(x, i, width)
        for k in range(width):
            x[i + k] = src[j + k]

    def as_array(x, n):
        return x

    def bitcast(v, like):
        to = np.asarray(like).dtype
        width = to.itemsize
        source = np.dtype(f"i{width}") if to.kind == "f" else np.asarray(v).dtype
        if source.itemsize != width:  # a Python number: the float of like's width
            source = np.dtype(f"f{width}")
        return np.asarray(v, source).view(to)[()]

else:
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils

    def _intp(context, builder, value, ty):
        return context.cast(builder, value, ty, types.intp)

    def _k(k):
        return ir.Constant(ir.IntType(32), k)

    def _words(context, dtype, width):
        """How a vector of `width` dtype elements moves: (data type, bytes, words) where
        words > 0 means as that many 32-bit words. NVPTX splits a <16 x i8> access into
        four 4-byte ones, and folds a bitcast of a word load back into that, so elements
        narrower than a word are packed into words by hand."""
        elem = context.get_data_type(dtype)
        size = context.get_abi_sizeof(elem)
        nbytes = width * size
        return elem, nbytes, (nbytes // 4 if size < 4 and nbytes % 4 == 0 else 0)

    def _load_vector(context, builder, ptr, index, dtype, width):
        """The `width` elements at ptr + index, in one aligned access, as data values."""
        elem, nbytes, words = _words(context, dtype, width)
        if isinstance(elem, ir.BaseStructType):  # complex: no vectors of structs in LLVM IR
            return [builder.load(builder.gep(ptr, [builder.add(index, ir.Constant(index.type,
                                                                                  k))]))
                    for k in range(width)]
        vec = ir.VectorType(ir.IntType(32), words) if words else ir.VectorType(elem, width)
        addr = builder.bitcast(builder.gep(ptr, [index]), vec.as_pointer())
        raw = builder.load(addr, align=nbytes)
        if not words:
            return [builder.extract_element(raw, _k(k)) for k in range(width)]
        per = width // words
        bits = elem.width
        out = []
        for k in range(width):
            word = builder.extract_element(raw, _k(k // per))
            shifted = builder.lshr(word, ir.Constant(word.type, bits * (k % per)))
            out.append(builder.trunc(shifted, elem))
        return out

    def _store_vector(context, builder, ptr, index, dtype, values):
        elem, nbytes, words = _words(context, dtype, len(values))
        if isinstance(elem, ir.BaseStructType):  # complex: element by element (_load_vector)
            for k, v in enumerate(values):
                builder.store(v, builder.gep(ptr, [builder.add(index, ir.Constant(index.type,
                                                                                  k))]))
            return
        if words:
            per = len(values) // words
            i32 = ir.IntType(32)
            packed = []
            for w in range(words):
                word = ir.Constant(i32, 0)
                for k in range(per):
                    part = builder.zext(values[w * per + k], i32)
                    word = builder.or_(word, builder.shl(part, ir.Constant(i32, elem.width * k)))
                packed.append(word)
            elem, values = i32, packed
        vec = ir.Constant(ir.VectorType(elem, len(values)), ir.Undefined)
        for k, v in enumerate(values):
            vec = builder.insert_element(vec, v, _k(k))
        addr = builder.bitcast(builder.gep(ptr, [index]), vec.type.as_pointer())
        builder.store(vec, addr, align=nbytes)

    @intrinsic
    def is_pointer(typingctx, x):
        def codegen(context, builder, sig, args):
            return context.get_constant(types.boolean, isinstance(sig.args[0], types.CPointer))
        return types.boolean(x), codegen

    @intrinsic
    def load(typingctx, x, i):
        if not isinstance(i, types.Integer):
            return None
        if isinstance(x, types.CPointer):
            def codegen(context, builder, sig, args):
                ptr = builder.gep(args[0], [_intp(context, builder, args[1], sig.args[1])])
                return context.unpack_value(builder, sig.return_type, ptr)
            return x.dtype(x, i), codegen

        def codegen_scalar(context, builder, sig, args):
            return args[0]
        return x(x, i), codegen_scalar

    @intrinsic
    def store(typingctx, x, i, v):
        if not (isinstance(x, types.CPointer) and isinstance(i, types.Integer)):
            return None

        def codegen(context, builder, sig, args):
            x_ty, i_ty, v_ty = sig.args
            ptr = builder.gep(args[0], [_intp(context, builder, args[1], i_ty)])
            context.pack_value(builder, x_ty.dtype,
                               context.cast(builder, args[2], v_ty, x_ty.dtype), ptr)
        return types.void(x, i, v), codegen

    @intrinsic
    def vload(typingctx, dst, j, x, i, width):
        if not (isinstance(dst, types.Array) and isinstance(width, types.IntegerLiteral)):
            return None
        n = width.literal_value

        def codegen(context, builder, sig, args):
            dst_ty, j_ty, x_ty, i_ty, _ = sig.args
            dst_v, j_v, x_v, i_v, _ = args
            if isinstance(x_ty, types.CPointer):
                model = context.data_model_manager[x_ty.dtype]
                raw = _load_vector(context, builder, x_v, _intp(context, builder, i_v, i_ty),
                                   x_ty.dtype, n)
                values = [context.cast(builder, model.from_data(builder, v), x_ty.dtype,
                                       dst_ty.dtype) for v in raw]
            else:
                values = [context.cast(builder, x_v, x_ty, dst_ty.dtype)] * n
            data = context.make_array(dst_ty)(context, builder, dst_v).data
            j_v = _intp(context, builder, j_v, j_ty)
            for k, v in enumerate(values):
                slot = builder.gep(data, [builder.add(j_v, ir.Constant(j_v.type, k))])
                context.pack_value(builder, dst_ty.dtype, v, slot)
        return types.void(dst, j, x, i, width), codegen

    @intrinsic
    def vstore(typingctx, x, i, src, j, width):
        if not (isinstance(x, types.CPointer) and isinstance(src, types.Array)
                and isinstance(width, types.IntegerLiteral)):
            return None
        n = width.literal_value

        def codegen(context, builder, sig, args):
            x_ty, i_ty, src_ty, j_ty, _ = sig.args
            x_v, i_v, src_v, j_v, _ = args
            data = context.make_array(src_ty)(context, builder, src_v).data
            j_v = _intp(context, builder, j_v, j_ty)
            model = context.data_model_manager[x_ty.dtype]
            values = []
            for k in range(n):
                slot = builder.gep(data, [builder.add(j_v, ir.Constant(j_v.type, k))])
                v = context.cast(builder, context.unpack_value(builder, src_ty.dtype, slot),
                                 src_ty.dtype, x_ty.dtype)
                values.append(model.as_data(builder, v))
            _store_vector(context, builder, x_v, _intp(context, builder, i_v, i_ty), x_ty.dtype,
                          values)
        return types.void(x, i, src, j, width), codegen

    @intrinsic
    def as_array(typingctx, x, n):
        if not (isinstance(x, types.CPointer) and isinstance(n, types.Integer)):
            return None
        aryty = types.Array(x.dtype, 1, "C")

        def codegen(context, builder, sig, args):
            ary = context.make_array(aryty)(context, builder)  # zero-filled: no meminfo
            itemsize = context.get_constant(types.intp,
                                            context.get_abi_sizeof(context.get_data_type(x.dtype)))
            size = _intp(context, builder, args[1], sig.args[1])
            ary.data = args[0]
            ary.nitems = size
            ary.itemsize = itemsize
            ary.shape = cgutils.pack_array(builder, [size])
            ary.strides = cgutils.pack_array(builder, [itemsize])
            return ary._getvalue()
        return aryty(x, n), codegen

    @intrinsic
    def bitcast(typingctx, v, like):
        numbers = (types.Integer, types.Float)
        if not (isinstance(v, numbers) and isinstance(like, numbers)
                and v.bitwidth == like.bitwidth):
            return None

        def codegen(context, builder, sig, args):
            to = context.get_value_type(sig.return_type)
            return args[0] if args[0].type == to else builder.bitcast(args[0], to)
        return like(v, like), codegen
