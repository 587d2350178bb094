"""The CPU backend: Numba kernels over numpy storage, BLAS through numpy.

Each op turns tensors (views) into kernel launches. The launch plan for a layout (which
kernel variant, the collapsed shape and strides as int64 arrays) is computed once and
cached, keyed by the sizes and strides of every operand: building those arrays on every
call costs ~13 µs, ten times a whole tiny op in torch (DESIGN.md).
"""
import math

import numba as nb
import numpy as np

from ..kernels import catalog, lapack
from ..kernels import fft as fft_kernels
from ..kernels import rnn as rnn_kernels
from ..kernels.cpu import batch_norm as bn
from ..kernels.cpu import cascade_sum as cs
from ..kernels.cpu import ctc
from ..kernels.cpu import elementwise as ew
from ..kernels.cpu import fill as fill_kernels
from ..kernels.cpu import fused_reduce as fused
from ..kernels.cpu import im2col as im2col_kernels
from ..kernels.cpu import max_pool as max_pool_kernels
from ..kernels.cpu import layer_norm as ln
from ..kernels.cpu import nll
from ..kernels.cpu import reduce as rk
from ..kernels.cpu import rng
from ..kernels.cpu import scan
from ..kernels.cpu import scatter as scatter_kernels
from ..kernels.cpu import softmax as sm
from ..layout import collapse, is_contiguous
from ..storage import CPUStorage
from . import cpu_gemm, cpu_memory, ordering
from .buffer_checks import (check_moments, check_plane_affine, check_reduced, check_same_shapes,
                            check_step_buffers)
from .cpu_threads import ensure_started as _start_threads

PARALLEL_MIN = 32768  # below this many elements kernels run serial (PyTorch's grain size)
_POOL_MIN = cpu_memory.POOL_MIN

_plans = {}
_layouts = {}  # shape -> (contiguous strides, numel), for numpy_view


# --- storage ------------------------------------------------------------------------

def empty(numel, dtype, device=None):
    return cpu_memory.empty(numel, dtype)



def from_host(array, device=None, non_blocking=False, dtype=None):
    from ..dtypes import from_numpy_dtype
    return CPUStorage(array, dtype or from_numpy_dtype(array.dtype))


def numpy_view(t):
    """A numpy array sharing t's memory, with t's shape and strides."""
    buf = t._storage.array
    shape = t._shape
    if 0 in shape:  # no memory to share, and the offset may point past the storage's end
        return np.empty(shape, buf.dtype)
    layout = _layouts.get(shape)
    if layout is None:
        layout = (_contiguous_strides(shape), math.prod(shape))
        if len(_layouts) < 4096:
            _layouts[shape] = layout
    if t._stride == layout[0]:  # a slice and a reshape: 0.7 us, the constructor 1.6
        n = layout[1]
        flat = buf if t._offset == 0 and buf.shape[0] == n else buf[t._offset:t._offset + n]
        return flat.reshape(shape)
    item = buf.itemsize
    return np.ndarray(t._shape, buf.dtype, buffer=buf, offset=t._offset * item,
                      strides=tuple(s * item for s in t._stride))


array_view = numpy_view


def to_host(t):
    return np.asarray(numpy_view(t), order="C")  # ascontiguousarray would make 0-d 1-d


def gather_host(t, index_lists):
    view = numpy_view(t)
    if not index_lists:
        return view.copy()
    return view[np.ix_(*index_lists)]


# --- launch planning ----------------------------------------------------------------

class _Plan:
    """How to launch one layout: a variant name and the collapsed metadata."""
    __slots__ = ("variant", "contig", "shape", "strides", "numel", "kernels")

    def __init__(self, variant, shape, strides, numel):
        self.kernels = {}  # op name -> this variant's jitted kernel, filled on first use
        self.variant = variant
        self.contig = variant.startswith("contig")
        self.shape = np.asarray(shape, np.int64)
        self.strides = [np.asarray(s, np.int64) for s in strides]
        self.numel = numel


def _plan(shape, strides_list, tileable):
    """Plan for out = op(inputs); strides_list[0] is the output's."""
    key = (shape, tileable) + tuple(strides_list)
    plan = _plans.get(key)
    if plan is not None:
        return plan
    return _make_plan(key, shape, strides_list, tileable)


def _make_plan(key, shape, strides_list, tileable):
    n = 1
    for s in shape:
        n *= s
    par = n >= PARALLEL_MIN
    if par:
        _start_threads()
    out_st = strides_list[0]
    contiguous = _contiguous_strides(shape)
    if all(_same_layout(shape, st, contiguous) for st in strides_list):
        plan = _Plan("contig_par" if par else "contig", (n,), [(1,)] * len(strides_list), n)
    else:
        # walk dims in the output's memory order so the inner loop writes contiguously
        order = sorted(range(len(shape)), key=lambda d: -out_st[d])
        p_shape = tuple(shape[d] for d in order)
        p_strides = [tuple(st[d] for d in order) for st in strides_list]
        c_shape, c_strides = collapse(p_shape, *p_strides)
        variant = "strided_par" if par else "strided"
        if tileable and par and len(c_shape) >= 2:
            tiled = _tile_order(c_shape, c_strides)
            if tiled is not None:
                variant = "tiled_par"
                c_shape, c_strides = tiled
        plan = _Plan(variant, c_shape, c_strides, n)
    if len(_plans) > 4096:
        _plans.clear()
    _plans[key] = plan
    return plan


def _contiguous_strides(shape):
    out = []
    step = 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return tuple(reversed(out))


def _same_layout(shape, strides, contiguous):
    return all(s == c or n == 1 for n, s, c in zip(shape, strides, contiguous))


def _tile_order(shape, strides_list):
    """Move the dim an input walks fastest (when it is not the output's) next to last."""
    last = len(shape) - 1
    for st in strides_list[1:]:
        fastest = min((d for d in range(len(shape)) if st[d] != 0 and shape[d] > 1),
                      key=lambda d: st[d], default=last)
        if fastest != last and st[last] > st[fastest]:
            order = [d for d in range(last) if d != fastest] + [fastest, last]
            return (tuple(shape[d] for d in order),
                    [tuple(s[d] for d in order) for s in strides_list])
    return None


def _flat(t, n=None):
    """t's elements as a 1-D array starting at index 0 (t is contiguous; n its numel)."""
    if n is None:
        n = _numel(t)
    buf = t._storage.array
    off = t._offset
    if off == 0 and buf.shape[0] == n:
        return buf
    return buf[off:off + n]


# --- elementwise ----------------------------------------------------------------------
# Every elementwise op is one call of `elementwise` with a scalar body: the catalog's for
# the named ops below, a user's for tm.elementwise.

def elementwise(op, outs, operands):
    """outs = op(*operands) elementwise: op is a catalog op's name or a scalar.Body (a
    user's); a tuple result fills several outs. Operands are views already broadcast to
    the outputs' shape, or numpy scalars; the last one's dtype is the compute dtype (a
    where's condition comes first)."""
    out = outs[0]
    shape = out._shape
    # one walk over the operands (a comprehension each cost ~1 us of a 7 us small op)
    strides = [o._stride for o in outs]
    dtypes = []
    pattern = ""
    for x in operands:
        if isinstance(x, np.generic):
            dtypes.append(x.dtype)
            pattern += "s"
        else:
            if x._shape != shape:
                check_same_shapes(op, out, operands)  # raises
            strides.append(x._stride)
            dtypes.append(x._dtype.np)
            pattern += "t"
    if len(outs) > 1:
        check_same_shapes(op, out, outs)
    n = _numel(out)
    if n == 0:
        return
    strides = tuple(strides)
    plan = _plans.get((shape, True) + strides)
    if plan is None:
        plan = _plan(shape, strides, True)
    dtypes = tuple(dtypes)
    if plan.contig:
        first = operands[0]
        io = pattern[0] == "t" and _same_place(first, out) and first._dtype is out._dtype
        kernel = _kernel(plan, op, dtypes, pattern, len(outs), io)
        kernel(*[x if p == "s" else _flat(x, n) for x, p in zip(operands[io:], pattern[io:])],
               *[_flat(o, n) for o in outs])
        return
    kernel = _kernel(plan, op, dtypes, pattern, len(outs))
    walk = iter(plan.strides[len(outs):])
    args = []
    for x, p in zip(operands, pattern):
        args += [x] if p == "s" else [x._storage.array, x._offset, next(walk)]
    for o, st in zip(outs, plan.strides):
        args += [o._storage.array, o._offset, st]
    kernel(*args, plan.shape)


def _kernel(plan, op, dtypes, pattern, n_out, io=False):
    """plan's variant of op's kernel for operands of numpy `dtypes` (cached on the plan);
    io: its in-place form, whose first operand is read through the first output."""
    key = (op, dtypes, pattern, io)
    kernel = plan.kernels.get(key)
    if kernel is None:
        body = catalog.get(op).body(dtypes[-1], "cpu") if isinstance(op, str) else op
        variant = plan.variant
        if variant == "contig" and plan.numel >= ew.VEC_MIN and ew.uses_vector_math(
                body, dtypes[-1]):
            variant = "contig_vec"
        kernel = plan.kernels[key] = getattr(ew.kernels(body, dtypes, pattern, n_out),
                                             variant + ("_io" if io else ""))
    return kernel


def _op_name(name):
    return "pow" if name == "ipow" else name  # integer pow: the catalog picks it by dtype


# unary, binary and binary_scalar are elementwise() for one output and one or two operands,
# spelled out: a small op's cost is its Python, and the general form's lists and tuples
# doubled it (tm.exp of a 2 x 2 tensor: 3.2 -> 6.7 us)

def _one_operand_plan(name, out, x):
    """The launch plan of out = op(x) (or op(x, a scalar)), once x is checked to fit out."""
    if x._shape != out._shape:
        check_same_shapes(name, out, (x,))
    plan = _plans.get((out._shape, True, out._stride, x._stride))
    return plan if plan is not None else _plan(out._shape, (out._stride, x._stride), True)


def unary(name, out, x):
    plan = _one_operand_plan(name, out, x)
    n = plan.numel
    if n == 0:
        return
    if plan.contig:
        host = _host_ufunc(name, x, out, n)
        if host is not None:
            _host_math(host, (_flat(x, n),), _flat(out, n), rounded=True)
        elif _same_place(x, out):
            _kernel(plan, name, (x._dtype.np,), "t", 1, io=True)(_flat(out, n))
        else:
            _kernel(plan, name, (x._dtype.np,), "t", 1)(_flat(x, n), _flat(out, n))
    else:
        kernel = _kernel(plan, name, (x._dtype.np,), "t", 1)
        kernel(x._storage.array, x._offset, plan.strides[1],
               out._storage.array, out._offset, plan.strides[0], plan.shape)


def _same_place(x, out):
    """Whether contiguous x is out itself (an in-place op's first operand): the kernel's
    `_io` variant then reads it through out (see kernels.cpu.elementwise)."""
    return x._storage is out._storage and x._offset == out._offset


_host_choices = {}  # (op name, dtype, size class) -> numpy's ufunc, or None: the kernels


def _host_ufunc(name, x, out, n):
    """numpy's ufunc for catalog op `name` on n elements of x into out (or on x and out,
    for a binary op), or None where a kernel serves (see the catalog's host math): serial
    sizes, except where the vectorised serial kernel runs (contig_vec), and every size for
    the dtypes whose numpy loop beats the parallel kernel."""
    if x._dtype is not out._dtype:
        return None
    size = 0 if n < ew.VEC_MIN else 1 if n < PARALLEL_MIN else 2
    key = (name, x._dtype, size)
    try:
        return _host_choices[key]
    except KeyError:
        pass
    op = catalog.OPS.get(name)
    ufunc = None
    if op is not None and op.ufunc is not None:
        fn, dtypes, every_size = op.ufunc
        dtype = x._dtype.name
        if dtype in every_size or dtype in dtypes and (size == 0 or size == 1 and not (
                ew.uses_vector_math(op.body(x._dtype.np, "cpu"), x._dtype.np))):
            ufunc = fn
    _host_choices[key] = ufunc
    return ufunc


# float32 tensors of at most this many elements are computed in float64 and rounded once:
# their values are the ones a user reads in full (.item(), .tolist()), and numpy's
# vectorised float32 loops miss the correctly rounded value that torch prints for 12-40%
# of inputs (exp(1.) = 2.7182819843 where torch gives 2.7182817459). Larger tensors take
# the float32 loops, 4x faster, whose last bit printing at 4 decimals rarely shows.
ROUNDED_MAX = 256


def _host_math(ufunc, inputs, z, rounded=False):
    """z = ufunc(*inputs); rounded: a small float32 z computed in float64 (unary math, not
    the binary ops, whose float32 results are exact already or, for nextafter, defined in
    float32)."""
    with np.errstate(all="ignore"):  # torch warns of no overflow or NaN
        if not rounded or z.dtype != np.float32 or z.shape[0] > ROUNDED_MAX:
            ufunc(*inputs, out=z)
            return
        wide = [x.astype(np.float64) for x in inputs]
        ufunc(*wide, out=wide[0])
        np.copyto(z, wide[0], casting="same_kind")


def binary(name, out, a, b):
    shape = out._shape
    if a._shape != shape or b._shape != shape:
        check_same_shapes(name, out, (a, b))
    plan = _plans.get((shape, True, out._stride, a._stride, b._stride))
    if plan is None:
        plan = _plan(shape, (out._stride, a._stride, b._stride), True)
    n = plan.numel
    if plan.contig:
        _binary_contig(name, out, a, b, n)
        return
    if n == 0:
        return
    dtype = a._dtype.np
    kernel = _kernel(plan, _op_name(name), (dtype, dtype), "tt", 1)
    kernel(a._storage.array, a._offset, plan.strides[1], b._storage.array, b._offset,
           plan.strides[2], out._storage.array, out._offset, plan.strides[0], plan.shape)


_contig_entries = {}  # (op name, input dtype, output dtype, parallel) -> compiled entry point
_inplace_entries = {}  # (op name, dtype, parallel) -> compiled entry point of z = op(z, b)


def _binary_contig(name, out, a, b, n):
    """binary() for n-element C-contiguous operands (any storage offsets)."""
    if n == 0:
        return
    z = out._storage.array
    if out._offset or len(z) != n:
        z = z[out._offset:out._offset + n]
    if _same_place(a, out) and a._dtype is out._dtype:
        _binary_inplace(name, z, b, n)
    else:
        _binary_into(name, z, out._dtype, a, b, n)


def _binary_inplace(name, z, b, n):
    """z = op(z, b): _binary_into for an in-place op (a.add_(b)), through the kernels'
    `_io` variant."""
    y = b._storage.array
    if b._offset or len(y) != n:
        y = y[b._offset:b._offset + n]
    if len(y) != n or len(z) != n:  # the entry point trusts the lengths
        raise RuntimeError(f"{name}: an operand of {len(y)} elements for an output of "
                           f"{len(z)}, where {n} were expected")
    key = (name, b._dtype, n >= PARALLEL_MIN)
    entry = _inplace_entries.get(key)
    if entry is None:
        if key[2]:
            _start_threads()
        body = catalog.get(_op_name(name)).body(y.dtype, "cpu")
        module = ew.kernels(body, (y.dtype, y.dtype), "tt", 1)
        entry = _inplace_entries[key] = ew.contiguous_entry(module, key[2], (y.dtype, y.dtype),
                                                            io=True)
    entry(y, z)


def binary_contig_new(name, a, b, n):
    """A fresh storage holding op(a, b), for n-element C-contiguous a and b of one dtype
    whose result keeps that dtype: the tiny op's path."""
    dtype = a._dtype
    # cpu_memory.empty's own size test, inlined: one call less on the tiny op's path
    storage = CPUStorage(np.empty(n, dtype.np), dtype) if n * dtype.itemsize < _POOL_MIN \
        else cpu_memory.empty(n, dtype)
    if n:
        _binary_into(name, storage.array, a._dtype, a, b, n)
    return storage


def _binary_into(name, z, z_dtype, a, b, n):
    """z (an n-element 1-D array of z_dtype) = op(a, b), a and b C-contiguous: no launch
    plan, and the kernel is called through its compiled entry point, skipping Numba's type
    dispatch (0.21 -> 0.15 µs). That is safe because this path only ever passes 1-D
    C-contiguous slices of storage arrays, of the dtypes in the key: the one signature it
    compiled."""
    x, y = a._storage.array, b._storage.array
    if a._offset or len(x) != n:
        x = x[a._offset:a._offset + n]
    if b._offset or len(y) != n:
        y = y[b._offset:b._offset + n]
    if len(x) != n or len(y) != n or len(z) != n:  # the entry point trusts the lengths
        raise RuntimeError(f"{name}: operands of {len(x)} and {len(y)} elements for an output "
                           f"of {len(z)}, where {n} were expected")
    key = (name, a._dtype, z_dtype, n >= PARALLEL_MIN)
    entry = _contig_entries.get(key)
    if entry is None:
        host = _host_ufunc(name, a, b, n) if z_dtype is a._dtype else None
        if host is not None:
            _host_math(host, (x, y), z)
            return
        if key[3]:
            _start_threads()
        body = catalog.get(_op_name(name)).body(x.dtype, "cpu")
        module = ew.kernels(body, (x.dtype, x.dtype), "tt", 1)
        entry = _contig_entries[key] = ew.contiguous_entry(module, key[3],
                                                           (x.dtype, x.dtype, z.dtype))
    entry(x, y, z)


def binary_scalar(name, out, a, value, reverse=False):
    """out = op(a, value), or op(value, a) when reverse."""
    plan = _one_operand_plan(name, out, a)
    n = plan.numel
    if n == 0:
        return
    dtype = a._dtype.np
    if plan.contig and not reverse and _same_place(a, out):
        _kernel(plan, _op_name(name), (dtype, dtype), "ts", 1, io=True)(value, _flat(out, n))
        return
    kernel = _kernel(plan, _op_name(name), (dtype, dtype), "st" if reverse else "ts", 1)
    if plan.contig:
        x, z = _flat(a, n), _flat(out, n)
        kernel(value, x, z) if reverse else kernel(x, value, z)
        return
    tensor = (a._storage.array, a._offset, plan.strides[1])
    args = (value, *tensor) if reverse else (*tensor, value)
    kernel(*args, out._storage.array, out._offset, plan.strides[0], plan.shape)


def where(out, cond, a, b):
    elementwise("where", (out,), (cond, a, b))


def copy_(dst, src):
    if src._shape != dst._shape:
        check_same_shapes("copy_", dst, (src,))
    n = _numel(dst)
    if n == 0:
        return
    if dst._dtype is src._dtype:
        plan = _plan(dst._shape, (dst._stride, src._stride), True)
        if plan.variant.startswith("contig"):
            np.copyto(_flat(dst, n), _flat(src, n))
            return
    if src._dtype.is_complex and not dst._dtype.is_complex:
        _copy_complex_to_real(dst, src)
        return
    # float -> uint8, int8, int16 through int32 (see the catalog's to_int32); int32 and
    # int64 directly, as torch converts (NaN -> int32 gives INT_MIN on x86 both ways)
    narrow = dst._dtype.np.kind == "u" or dst._dtype.itemsize < 4
    to_int = src._dtype.is_floating_point and dst._dtype.np.kind in "iu" and narrow
    unary("to_int32" if to_int else "copy", dst, src)


def _copy_complex_to_real(dst, src):
    """torch's cast of complex to a real dtype: the real part, but to bool, x != 0."""
    if dst._dtype.category == 0:
        binary_scalar("ne", dst, src, src._dtype.np.type(0))
    else:
        unary("copy_real", dst, src)


FILL_PARALLEL_BYTES = 1 << 18  # below this, numpy's one-thread fill is as fast


def fill_(dst, value):
    n = _numel(dst)
    if n == 0:
        return
    if not is_contiguous(dst._shape, dst._stride):
        numpy_view(dst).fill(value)
    elif n * dst._dtype.itemsize < FILL_PARALLEL_BYTES:
        _flat(dst, n).fill(value)
    else:
        _start_threads()
        fill_kernels.fill_par(_flat(dst, n), value)



def _numel(t):
    n = 1
    for s in t._shape:
        n *= s
    return n


# --- reductions -------------------------------------------------------------------------

_REDUCE_OPS = {"sum": rk.SUM, "prod": rk.PROD, "amax": rk.AMAX, "amin": rk.AMIN, "all": rk.ALL,
               "any": rk.ANY, "var": rk.VAR, "std": rk.STD, "max": rk.ARGMAX, "min": rk.ARGMIN}
_reduce_plans = {}


def _reduce_plan(x, dims, arg):
    key = (x._shape, x._stride, dims, arg)
    plan = _reduce_plans.get(key)
    if plan is None:
        if len(_reduce_plans) > 4096:
            _reduce_plans.clear()
        nthreads = 1  # small: serial, and no need to start the pool
        if _numel(x) >= rk.PARALLEL_MIN:
            _start_threads()
            nthreads = None  # Numba's
        plan = _reduce_plans[key] = rk.reduce_plan(x._shape, x._stride, dims, arg, nthreads)
    return plan


_reduce_entries = {}  # (op, dtypes, layout, dims) -> (entry point, plan's args, numel out)


def reduce(name, out, x, dims, correction=1):
    """out (fresh, contiguous: x's shape without `dims`) = reduction of x over dims."""
    dims = tuple(dims)
    key = (name, x._dtype, out._dtype, x._shape, x._stride, dims)
    found = _reduce_entries.get(key)
    if found is None:
        check_reduced(name, x, dims, out)
        found = _reduce_entries[key] = _entry(name, x, dims, out._storage.array)
    entry, args, numel_out = found
    if _numel(out) != numel_out or not is_contiguous(out._shape, out._stride):
        check_reduced(name, x, dims, out)  # raises
    if args[-1] is None:  # torch's float sum
        entry(x._storage.array, x._offset, *args[:-1], out._storage.array)
    else:
        entry(x._storage.array, x._offset, *args, out._storage.array, rk.NO_IDX,
              float(correction))


def _entry(name, x, dims, out_array):
    """(entry point, its layout arguments, numel out) of reducing x over dims: float sums
    in torch's order (layout arguments ending in None), else the general kernel."""
    if name == "sum" and x._dtype.np in _CASCADED and out_array.dtype == x._dtype.np:
        numel = _numel(x)
        if numel:
            nthreads = 1
            if numel >= cs.GRAIN:
                _start_threads()
                nthreads = nb.get_num_threads()
            plan = cs.plan(x._shape, x._stride, dims, nthreads)
            sample = (x._storage.array, 0, *plan.args, out_array)
            kernel = cs.kernel(plan.split != -1)
            entry = kernel.compile(tuple(nb.typeof(a) for a in sample))
            return entry, plan.args + (None,), plan.numel_out
    plan = _reduce_plan(x, dims, False)
    return _reduce_entry(name, plan, x, out_array), plan.args, plan.numel_out


_CASCADED = (np.dtype(np.float32), np.dtype(np.float64))


def _reduce_entry(name, plan, x, out_array):
    """The compiled entry point of op `name`'s kernel for plan, x's storage and out_array:
    calling it skips Numba's dispatch of 14 arguments (~0.7 us) and its type checks, so
    callers pass exactly these types: x's storage (always a 1-D C-contiguous array of x's
    dtype), Python ints and the plan's arrays, an output array like out_array, a float."""
    if len(_reduce_entries) + len(_reduce_all_entries) > 4096:
        _reduce_entries.clear()
        _reduce_all_entries.clear()
    sample = (x._storage.array, 0, *plan.args, out_array, rk.NO_IDX, 1.0)
    kernel = rk.kernel(_REDUCE_OPS[name], plan.parallel)
    return kernel.compile(tuple(nb.typeof(a) for a in sample))


_reduce_all_entries = {}  # (op name, dtype, numel) -> (compiled entry point, plan's args)


def reduce_all(name, x, n):
    """A fresh 1-element storage holding the reduction of all n elements of C-contiguous x
    (n > 0): reduce() without its output checks, the plan looked up once per (op, dtype,
    numel)."""
    key = (name, x._dtype, n)
    found = _reduce_all_entries.get(key)
    if found is None:
        dims = tuple(range(len(x._shape)))
        entry, args, numel_out = _entry(name, x, dims, np.empty(1, x._dtype.np))
        if numel_out != 1:
            raise RuntimeError(f"{name}: a full reduction of {n} elements planned as "
                               f"{numel_out} results")
        found = _reduce_all_entries[key] = (entry, args)
    entry, args = found
    out = np.empty(1, x._dtype.np)
    if args[-1] is None:
        entry(x._storage.array, x._offset, *args[:-1], out)
    else:
        entry(x._storage.array, x._offset, *args, out, rk.NO_IDX, 1.0)
    return CPUStorage(out, x._dtype)


def fused_reduce(bodies, state_dtypes, identity, out, inputs):
    """out (fresh, contiguous, M elements) = a user's reduction (tm.reduction) of inputs,
    (M, K) views of any strides: bodies = (map, combine, post or None) scalar.Bodies,
    `identity` the initial state (a numpy scalar, or a tuple of them)."""
    m, k = inputs[0]._shape
    if m == 0:
        return
    module = fused.kernels(*bodies, inputs[0]._dtype.np, len(inputs), len(state_dtypes))
    xs = [numpy_view(x) for x in inputs]
    dest = out._storage.array[out._offset:out._offset + m]
    if m * k < PARALLEL_MIN:
        module.rows(*xs, dest, identity)
        return
    _start_threads()
    if m > 1:
        module.rows_par(*xs, dest, identity)
        return
    chunks = min(256, -(-k // PARALLEL_MIN) * 4)  # ~4 pieces per grain, so threads balance
    module.full(*xs, dest, identity, *[np.empty(chunks, d) for d in state_dtypes])


# a float's bits as signed integers: their dtype, magnitude mask and +inf's bits
_BITS = {4: (np.int32, np.int32(0x7FFFFFFF), np.int32(0x7F800000)),
         8: (np.int64, np.int64(0x7FFFFFFFFFFFFFFF), np.int64(0x7FF0000000000000))}


def softmax(out, x, dim, log):
    """out (fresh, contiguous) = softmax (or log_softmax) of x (contiguous, not empty,
    at least 1-d) along dim, one fused pass per row."""
    key = (x._shape, x._stride, out._shape, out._stride, dim, x._dtype)
    plan = _softmax_plans.get(key)
    if plan is None:
        plan = _softmax_plan(out, x, dim, key)
    shape, rows_kernel, columns_kernel, ints, mag, inf, exact = plan
    xs, dest = _flat(x).reshape(shape), _flat(out).reshape(shape)
    if rows_kernel is not None:
        rows_kernel(xs, xs.view(ints), dest, log, mag, inf, exact)
    else:
        columns_kernel(xs, dest, log, exact)


_softmax_plans = {}


def _softmax_plan(out, x, dim, key):
    """(kernel shape, rows kernel or None, columns kernel, bit-cast integers): x seen as
    (rows, n) when dim is its last, else (outer, n, inner)."""
    check_same_shapes("softmax", out, (x,))
    if not (x.is_contiguous() and out.is_contiguous()):
        raise RuntimeError("softmax: the cpu kernel takes contiguous tensors")
    shape = x._shape
    outer, inner = math.prod(shape[:dim]), math.prod(shape[dim + 1:])
    n = shape[dim]
    par = outer > 1 and outer * n * inner >= PARALLEL_MIN
    if par:
        _start_threads()
    if len(_softmax_plans) > 1024:
        _softmax_plans.clear()
    exact = outer * n * inner <= ROUNDED_MAX  # (see ROUNDED_MAX)
    if inner == 1:
        plan = ((outer, n), sm.rows_par if par else sm.rows, None) + _BITS[x._dtype.itemsize]
    else:
        plan = ((outer, n, inner), None, sm.columns_par if par else sm.columns, None, None, None)
    plan += (exact,)
    _softmax_plans[key] = plan
    return plan


def layer_norm(out, xhat, rstd, x, weight, bias, eps):
    """out, xhat (x's shape) and rstd (one per row) of layer_norm over x's rows: x viewed
    as (M, K), K the size of weight; bias only with weight. All contiguous."""
    k = x._shape[-1] if x._shape else 1
    m = rstd.numel()
    check_same_shapes("layer_norm", out, (x, xhat))
    if m * k != x.numel() or not all(t.is_contiguous() for t in (out, xhat, rstd, x)):
        raise RuntimeError(f"layer_norm: buffers for rows of {k} do not fit an input of "
                           f"size {list(x._shape)}")
    for t in (weight, bias):
        if t is not None and (t._shape != (k,) or not t.is_contiguous()):
            raise RuntimeError(f"layer_norm: a weight or bias of size {list(t._shape)} for "
                               f"rows of {k}")
    flat = [_flat(t).reshape(m, k) for t in (x, out, xhat)]
    affine = 0 if weight is None else 1 if bias is None else 2
    w = _flat(weight) if weight is not None else _flat(x)[:k]  # (unread)
    b = _flat(bias) if bias is not None else w
    kernel = ln.rows
    if m > 1 and m * k >= PARALLEL_MIN:
        _start_threads()
        kernel = ln.rows_par
    kernel(flat[0], w, b, affine, eps, flat[1], flat[2], _flat(rstd))


def channel_moments(mean, var, x):
    """mean and biased var (R,) of each row of x (A, R, B) over its A * B > 0 elements:
    batch norm's statistics per channel of (N, C, S); instance and group norm see planes
    or groups of planes as the rows."""
    check_moments(mean, var, x)
    a, r, b = x._shape
    kernel = bn.moments
    if r > 1 and _numel(x) >= PARALLEL_MIN:
        _start_threads()
        kernel = bn.moments_par
    kernel(_flat(x).reshape(a, r, b), _flat(mean), _flat(var))


def plane_affine(out, x, scale, shift):
    """out = x * scale + shift, x and out (N, C, S), scale and shift (N, C) or (1, C): one
    (scale, shift) per plane of S elements."""
    check_plane_affine(out, x, scale, shift)
    n, c, s = x._shape
    if n * c * s == 0:
        return
    kernel = bn.planes
    if n * c > 1 and n * c * s >= PARALLEL_MIN:
        _start_threads()
        kernel = bn.planes_par
    rows = scale._shape[0]
    kernel(_flat(x).reshape(n, c, s), _flat(scale).reshape(rows, c),
           _flat(shift).reshape(rows, c), _flat(out).reshape(n, c, s))


_nll_ones = {}


def nll_pick(loss, picked, logp, target, weight, ignore_index):
    """loss[i] = -logp[i, target[i]] * weight[target[i]], picked[i] = that weight (both 0
    where the target is ignore_index; weight None: 1); logp (N, C), target, loss and
    picked (N,).
    Returns the first target outside [0, C), or None."""
    n = logp._shape[0]
    check_same_shapes("nll_loss", loss, (picked, target))
    if loss._shape != (n,) or not (loss.is_contiguous() and picked.is_contiguous()):
        raise RuntimeError(f"nll_loss: outputs of size {list(loss._shape)} for an input of "
                           f"size {list(logp._shape)}")
    if weight is None:  # unweighted: ones, kept per (classes, dtype)
        key = (logp._shape[1], logp._dtype)
        ones = _nll_ones.get(key)
        if ones is None:
            ones = _nll_ones[key] = np.ones(key[0], logp._dtype.np)  # (read only: no one
            # else holds it, and a read-only array would compile another signature)
    elif weight._shape != logp._shape[1:]:
        raise RuntimeError(f"nll_loss: a weight of size {list(weight._shape)} for "
                           f"{logp._shape[1]} classes")
    bad = nll.pick(numpy_view(logp), numpy_view(target),
                   ones if weight is None else numpy_view(weight), ignore_index,
                   _flat(loss), _flat(picked))
    return None if bad < 0 else int(numpy_view(target)[bad])



def ctc_loss(nll, log_alpha, log_probs, targets, starts, input_lengths, target_lengths, blank):
    """nll (N,) and log_alpha (N, T, 2 max(L) + 1), both fresh, for log_probs (T, N, C);
    targets a flat int64 tensor holding sequence b's labels from starts[b]; the lengths
    int64 (N,) tensors, checked by the caller against T, C and targets' size."""
    _check_ctc(nll, log_alpha, log_probs)
    ctc.forward(numpy_view(log_probs), numpy_view(targets), numpy_view(starts),
                numpy_view(input_lengths), numpy_view(target_lengths), blank,
                numpy_view(log_alpha), _flat(nll))


def ctc_loss_backward(grad, log_probs, targets, starts, input_lengths, target_lengths, blank,
                      log_alpha, nll, grad_nll, zero_infinity):
    """grad (T, N, C), fresh: ctc_loss's gradient for log_probs, each sequence's scaled
    by grad_nll (N,)."""
    _check_ctc(nll, log_alpha, log_probs)
    check_same_shapes("ctc_loss_backward", grad, (log_probs,))
    if not grad.is_contiguous() or grad_nll._shape != nll._shape:
        raise RuntimeError("ctc_loss_backward: a gradient of size "
                           f"{list(grad_nll._shape)} for {list(nll._shape)} sequences")
    grad_out = numpy_view(grad)
    grad_out[...] = 0
    ctc.backward(numpy_view(log_probs), numpy_view(targets), numpy_view(starts),
                 numpy_view(input_lengths), numpy_view(target_lengths), blank,
                 numpy_view(log_alpha), numpy_view(nll), numpy_view(grad_nll),
                 zero_infinity, grad_out)


def rnn_layer(mode, y, hn, cn, ws, x, h0, c0, weights, batch_sizes, reverse):
    """One recurrent layer in one direction (kernels/rnn.py): y, hn, cn (LSTM, else None)
    and the workspace ws, all fresh and contiguous, from contiguous x (T, B, I), the
    initial states and weights (w_ih, w_hh, b_ih, b_hh, w_hr; None where absent)."""
    view = _optional_views
    rnn_kernels.forward(np, mode, numpy_view(x), *view((h0, c0)), *view(weights), batch_sizes,
                        reverse, *view((y, hn, cn, ws)))


def rnn_layer_backward(mode, grads, x, weights, batch_sizes, reverse, y, ws, grad_y, grad_hn,
                       grad_cn):
    """grads (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr; fresh and contiguous, None where not
    wanted) of rnn_layer from the gradients of y, hn and cn (None where none flows)."""
    view = _optional_views
    w_ih, w_hh, _, _, w_hr = view(weights)
    rnn_kernels.backward(np, mode, numpy_view(x), w_ih, w_hh, w_hr, batch_sizes, reverse,
                         numpy_view(y), numpy_view(ws), *view((grad_y, grad_hn, grad_cn)),
                         view(grads))


def _optional_views(tensors):
    return tuple(None if t is None else numpy_view(t) for t in tensors)


def _check_ctc(nll, log_alpha, log_probs):
    steps, n = log_probs._shape[:2]
    if (nll._shape != (n,) or log_alpha._shape[:2] != (n, steps)
            or not (nll.is_contiguous() and log_alpha.is_contiguous())):
        raise RuntimeError(f"ctc_loss: buffers of sizes {list(nll._shape)} and "
                           f"{list(log_alpha._shape)} for log_probs of size "
                           f"{list(log_probs._shape)}")

def arg_reduce(name, values, indices, x, dim):
    """values/indices (fresh, contiguous) = max or min of x along dim, first index on ties."""
    check_reduced(name, x, (dim,), values, indices)
    plan = _reduce_plan(x, (dim,), True)
    rk.reduce(_REDUCE_OPS[name], plan, x._storage.array, x._offset, values._storage.array,
              indices._storage.array)


# --- linear algebra, indexing, random -------------------------------------------------

def matmul(out, a, b):
    """Batched matmul through numpy's BLAS; transposed views go to BLAS as transposes."""
    np.matmul(numpy_view(a), numpy_view(b), out=numpy_view(out))


def matmul_spread(out, a, b):
    """matmul for a batch of many small products (out contiguous): single-threaded BLAS
    calls over slices of the batch in a few threads (cpu_gemm.py says why)."""
    cpu_gemm.matmul_spread(numpy_view(out), numpy_view(a), numpy_view(b))


def _spatial3(t, rank):
    """A C-contiguous channels-last (N, *D, C) view as the kernels' 5-D (N, D, H, W, C)."""
    if not t.is_contiguous():
        raise RuntimeError(f"im2col/col2im: a channels-last buffer of size {list(t._shape)} "
                           "that is not contiguous")
    return _flat(t).reshape(t._shape[:1] + (1,) * (3 - rank) + t._shape[1:])


def _conv_geometry(kernel, stride, dilation, pad, count):
    """The per-dim arguments filled to 3 dims (size-1 dims in front), as int64 tuples."""
    fill = 3 - len(kernel)
    return tuple((one,) * fill + tuple(v) for one, v in
                 ((1, kernel), (1, stride), (1, dilation), (0, pad), (1, count)))


def _check_columns(name, cols, x, kernel, count):
    groups = cols._shape[0]
    n, c = x._shape[0], x._shape[-1]
    expected = (groups, n * math.prod(count), math.prod(kernel) * (c // groups))
    if cols._shape != expected or not cols.is_contiguous() or c % groups or (
            cols._dtype is not x._dtype) or not 1 <= len(kernel) <= 3 or (
            x.dim() != len(kernel) + 2):
        raise RuntimeError(f"{name}: columns of size {list(cols._shape)} for channels-last "
                           f"data of size {list(x._shape)} and kernel {list(kernel)}")


def im2col(cols, x, kernel, stride, dilation, pad, count):
    """cols (G, N * prod(count), prod(kernel) * C/G), fresh and contiguous = the windows
    of x (N, *D, C), C-contiguous, rank 1-3, zero in the padding (`pad` before each dim)."""
    _check_columns("im2col", cols, x, kernel, count)
    if not cols.numel():
        return
    _start_threads()
    im2col_kernels.im2col(_spatial3(x, len(kernel)), _flat(cols).reshape(cols._shape),
                          *_conv_geometry(kernel, stride, dilation, pad, count))


def col2im(out, cols, kernel, stride, dilation, pad, count):
    """out (N, *D, C), fresh and contiguous = im2col's adjoint: each element the sum of
    the column entries that read it."""
    _check_columns("col2im", cols, out, kernel, count)
    if not out.numel():
        return
    _start_threads()
    im2col_kernels.col2im(_flat(cols).reshape(cols._shape), _spatial3(out, len(kernel)),
                          *_conv_geometry(kernel, stride, dilation, pad, count))


def max_pool2d(values, indices, x, kernel, stride, pad, dilation):
    """values (x's dtype), indices (int64), both (N, C, OH, OW), fresh and contiguous = the
    maximum of each window of x (N, C, H, W), C-contiguous, and its position h * W + w
    (pad: implicit -inf before each dim; the window count is values' shape)."""
    for t in (values, indices, x):
        if not t.is_contiguous():
            raise RuntimeError(f"max_pool2d: a buffer of size {list(t._shape)} that is not "
                               "contiguous")
    if not values.numel():
        return
    n, c, h, w = x._shape
    planes = (n * c,)
    lowest = x._dtype.np.type(-np.inf if x._dtype.is_floating_point
                              else np.iinfo(x._dtype.np).min)
    _start_threads()
    max_pool_kernels.max_pool2d(_flat(x).reshape(planes + (h, w)),
                                _flat(values).reshape(planes + values._shape[2:]),
                                _flat(indices).reshape(planes + indices._shape[2:]), lowest,
                                *(tuple(int(v) for v in a) for a in (kernel, stride, pad,
                                                                      dilation)))


def max_pool2d_backward(grad_in, grad_out, indices):
    """grad_in (N, C, H, W), zeroed and contiguous, += grad_out at indices (both
    (N, C, OH, OW), contiguous; indices from max_pool2d)."""
    if not grad_out.numel():
        return
    planes = grad_in._shape[0] * grad_in._shape[1]
    _start_threads()
    max_pool_kernels.max_pool2d_backward(_flat(grad_in).reshape(planes, -1),
                                         _flat(grad_out).reshape(planes, -1),
                                         _flat(indices).reshape(planes, -1))


def linalg(name, outs, inputs, options):
    """outs = LAPACK routine `name` (kernels/lapack.py) of inputs through numpy; returns
    None, or (batch index, LAPACK info) of the first matrix the routine failed on."""
    try:
        results = lapack.compute(np, np.asarray, name, [numpy_view(x) for x in inputs], options)
    except lapack.Failed as e:
        return e.batch_index, e.info
    for out, r in zip(outs, results):
        np.copyto(numpy_view(out), r)
    return None


def fft(kind, out, x, sizes, dims, norm):
    """out = transform `kind` (kernels/fft.py) of x over dims: pocketfft through numpy."""
    if _numel(out):
        np.copyto(numpy_view(out), fft_kernels.compute(np, kind, numpy_view(x), sizes, dims,
                                                       norm), casting="same_kind")


def take_along(out, x, dim, index):
    """out (fresh, contiguous) = x's slices along dim at `index` (the caller checks that
    they lie in [-size, size): negative ones count from the end), index's dims in dim's
    place."""
    size = x._shape[dim]
    expected = x._shape[:dim] + index._shape + x._shape[dim + 1:]
    if out._shape != expected or not out.is_contiguous():
        raise RuntimeError(f"take_along: an output of size {list(out._shape)} for "
                           f"{list(expected)}")
    if size == 0 and index.numel():
        raise IndexError("take_along: an index into a dim of size 0")
    # mode "wrap" writes straight into out ("raise" buffers a copy) and never reads outside
    # x: the caller's range check makes it the identity on [0, size), and -1 the last
    np.take(numpy_view(x), numpy_view(index), axis=dim, out=numpy_view(out), mode="wrap")


def gather(out, x, dim, index):
    """out (fresh, index's shape) = torch.gather(x, dim, index), index checked by the
    caller to lie in [0, size of dim) and to fit x in the other dims."""
    if out._shape != index._shape or len(index._shape) != len(x._shape) or any(
            k != dim and n > m for k, (n, m) in enumerate(zip(index._shape, x._shape))):
        raise RuntimeError(f"gather: an index of size {list(index._shape)} and an output of "
                           f"size {list(out._shape)} for an input of size {list(x._shape)}")
    if not _numel(out):
        return
    # numpy's take_along_axis wants the other dims equal: index may be smaller in those
    view = numpy_view(x)[tuple(slice(None) if k == dim else slice(0, n)
                               for k, n in enumerate(index._shape))]
    np.copyto(numpy_view(out), np.take_along_axis(view, numpy_view(index), dim))


def triangle(out, x, diagonal, lower):
    """out (fresh, x's shape) = tril(x, diagonal) if lower, else triu(x, diagonal)."""
    check_same_shapes("tril" if lower else "triu", out, (x,))
    if _numel(out):
        np.copyto(numpy_view(out), (np.tril if lower else np.triu)(numpy_view(x), diagonal))


def cat(out, parts, dim):
    """out (fresh, contiguous) = parts joined along dim, each cast to out's dtype (which the
    caller has promoted them to)."""
    shape = out._shape
    before, after = shape[:dim], shape[dim + 1:]
    total = 0
    for t in parts:
        if t._shape[:dim] != before or t._shape[dim + 1:] != after or len(t._shape) != len(shape):
            raise RuntimeError(f"cat: a part of size {list(t._shape)} for an output of size "
                               f"{list(shape)} along dim {dim}")
        total += t._shape[dim]
    if total != shape[dim]:
        raise RuntimeError(f"cat: parts along dim {dim} add up to {total}, not {shape[dim]}")
    if _numel(out):
        np.concatenate([numpy_view(t) for t in parts], axis=dim, out=numpy_view(out),
                       casting="unsafe")


def stack(out, parts, dim):
    """out (fresh, contiguous) = parts stacked along a new dim, each of out's dtype and of
    out's shape without that dim. Parts that are views of one storage with one layout (a
    dataset's samples, say) are read by one numpy gather of their windows of it, instead of
    a numpy view per part."""
    shape = out._shape[:dim] + out._shape[dim + 1:]
    first = parts[0]
    storage, stride = first._storage, first._stride
    one_layout = True
    for t in parts:
        if t._shape != shape or t._dtype is not out._dtype:
            raise RuntimeError(f"stack: a part of size {list(t._shape)} and dtype "
                               f"{t._dtype.name} for an output of size {list(out._shape)} "
                               f"and dtype {out._dtype.name} along dim {dim}")
        one_layout = one_layout and t._storage is storage and t._stride == stride
    if not _numel(out):
        return
    dst = numpy_view(out)
    if not one_layout:
        np.stack([numpy_view(t) for t in parts], axis=dim, out=dst)
        return
    buf = storage.array
    span = 1 + sum((n - 1) * s for n, s in zip(shape, stride))
    # windows[k] is the part that would start at storage element k
    windows = np.lib.stride_tricks.as_strided(
        buf, (buf.shape[0] - span + 1,) + shape,
        (buf.itemsize,) + tuple(s * buf.itemsize for s in stride), writeable=False)
    offsets = np.fromiter((t._offset for t in parts), np.int64, len(parts))
    np.copyto(np.moveaxis(dst, dim, 0), windows[offsets])


def flip(out, x, dims):
    """out (fresh, x's shape) = x reversed along dims."""
    check_same_shapes("flip", out, (x,))
    np.copyto(numpy_view(out), np.flip(numpy_view(x), dims))


def roll(out, x, shifts, dims):
    """out (fresh, x's shape) = x rolled by shifts along dims."""
    check_same_shapes("roll", out, (x,))
    np.copyto(numpy_view(out), np.roll(numpy_view(x), shifts, dims))


def take(out, x, offsets):
    np.take(x._storage.array, to_host(offsets), out=numpy_view(out))


def put_(x, offsets, values, accumulate):
    buf = x._storage.array
    idx = to_host(offsets).ravel()
    vals = np.broadcast_to(numpy_view(values), offsets._shape).ravel()
    if accumulate:
        np.add.at(buf, idx, vals)
    else:
        buf[idx] = vals


_PUT_REDUCE = {"sum": scatter_kernels.SUM, "prod": scatter_kernels.PROD,
               "amax": scatter_kernels.AMAX, "amin": scatter_kernels.AMIN,
               None: scatter_kernels.PUT}


def put_reduce_(x, offsets, values, op):
    """x's storage at offsets (int64, in range) combined with values (offsets' shape, x's
    dtype) by op ("sum", "prod", "amax" or "amin"), repeats in order."""
    check_same_shapes(f"put_reduce_ ({op})", offsets, (values,))
    if values._dtype is not x._dtype or offsets._dtype.np != np.int64:
        raise RuntimeError(f"put_reduce_: values of {values._dtype} and offsets of "
                           f"{offsets._dtype} for a tensor of {x._dtype}")
    if _numel(offsets):
        flat = _contiguous_buffer(offsets)[0]
        bad = scatter_kernels.put_reduce(x._storage.array, flat, _contiguous_buffer(values)[0],
                                         _PUT_REDUCE[op])
        if bad >= 0:
            raise IndexError(f"put_reduce_: offset {flat[bad]} outside a storage of "
                             f"{x._storage.size()} elements")


def sort(values, indices, x, dim, descending):
    """values, indices (x's shape; indices int64) := x sorted stably along dim."""
    check_same_shapes("sort", x, (values, indices))
    if _numel(x):
        ordering.sort(np, numpy_view(values), numpy_view(indices), numpy_view(x), dim,
                      descending)


def topk(values, indices, x, dim, k, largest):
    """values, indices (x's shape with k along dim) := x's k smallest or largest along
    dim, in order (ties: the first first)."""
    check_same_shapes("topk", values, (indices,))
    if _numel(values):
        ordering.topk(np, numpy_view(values), numpy_view(indices), numpy_view(x), dim, k, largest)


def cumulative(name, out, x, dim):
    """out (x's shape) := cumsum, cumprod, cummax, cummin or logcumsumexp of x along dim;
    sums and products accumulate as torch's cpu kernel does (float32 in float64: each
    partial sum rounds once, from the exact one)."""
    check_same_shapes(name, out, (x,))
    if _numel(x):
        kind = out._dtype.np.kind
        if name == "cumsum" and kind == "f" and x._dtype is out._dtype and len(x._shape) <= 2:
            xs, outs = numpy_view(x), numpy_view(out)
            if len(x._shape) == 1:
                xs, outs = xs[None], outs[None]
            elif dim == 0:
                xs, outs = xs.T, outs.T
            scan.cumsum_rows(xs, outs)
            return
        accumulate = out._dtype.np
        if name in ("cumsum", "cumprod"):
            accumulate = {"f": np.float64, "c": np.complex128}.get(kind, np.int64)
        ordering.cumulative(np, name, numpy_view(out), numpy_view(x), dim, accumulate)


def searchsorted(out, sorted_rows, values, right):
    """out (values' shape, int64 or int32) := insertion points of values' rows into
    sorted_rows' rows (sorted_rows 1-D: one row for all); both 2-D otherwise."""
    check_same_shapes("searchsorted", out, (values,))
    if _numel(out):
        ordering.searchsorted(np, numpy_view(out), numpy_view(sorted_rows), numpy_view(values),
                              right)


def scatter_along(out, dim, index, src, op):
    """out[..., index[i], ...] (along dim) := src[i], or op(that, src[i]) for op "sum",
    "prod", "amax" or "amin"; repeats in order. index and src (a view, or a number) have
    one shape, and out at least that shape apart from dim; at most 3 dims. Returns None,
    or the first entry of index outside out's dim, having written nothing."""
    nd = len(out._shape)
    if not 1 <= nd <= 3 or len(index._shape) != nd or any(
            n > m for k, (n, m) in enumerate(zip(index._shape, out._shape)) if k != dim):
        raise RuntimeError(f"scatter_along: an index of size {list(index._shape)} for an "
                           f"output of size {list(out._shape)} along dim {dim}")
    if not _numel(index):
        return None
    part = numpy_view(out)[tuple(slice(None) if k == dim else slice(0, n)
                                 for k, n in enumerate(index._shape))]
    if isinstance(src, np.generic):
        values = np.broadcast_to(src, index._shape)
    else:
        check_same_shapes("scatter_along", index, (src,))
        values = numpy_view(src)
    lead = (None,) * (3 - nd)
    rows = [np.moveaxis(a, dim, -1)[lead] for a in (part, numpy_view(index), values)]
    bad = scatter_kernels.scatter_rows(*rows, _PUT_REDUCE[op])
    return None if bad < 0 else int(np.moveaxis(numpy_view(index), dim, -1).reshape(-1)[bad])


# torch's CPU kernels fill a tensor in memory order; kernels/cpu/rng.py makes the values
# from the generator's raw 32-bit draws

def _by_memory(t, x=None):
    """numpy view of t (or of x, of t's shape) with its dims in t's memory order: from the
    largest of t's strides to the smallest."""
    order = sorted(range(len(t._shape)), key=lambda d: -t._stride[d])
    return numpy_view(t if x is None else x).transpose(order)


def _target(t, dtype=None):
    """(flat array to fill in memory order, whether it must be copied into t afterwards)."""
    n = _numel(t)
    if dtype is None and is_contiguous(t._shape, t._stride):
        return t._storage.array[t._offset:t._offset + n], False
    return np.empty(n, dtype or t._storage.array.dtype), True


def _finish(t, values, copy):
    if copy:
        view = _by_memory(t)
        view[...] = values.reshape(view.shape)


def uniform_(t, low, high, generator):
    out, copy = _target(t)
    if out.dtype == np.float32:
        rng.uniform32(generator.random32(out.size), np.float32(low), np.float32(high), out)
    else:
        rng.uniform64(generator.random32(2 * out.size), float(low), float(high), out)
    _finish(t, out, copy)


def _scalar_normals(generator, n):
    """n float64 standard normals the way torch draws them one at a time: Box-Muller pairs,
    the generator keeping a pair's second value for the next draw."""
    z = np.empty(n)
    cached = generator.normal is not None and n > 0
    if cached:
        z[0], generator.normal = generator.normal, None
    m = n - cached
    pairs = np.empty(2 * ((m + 1) // 2))
    rng.box_muller(generator.random32(2 * pairs.size), pairs)
    z[cached:] = pairs[:m]
    if m % 2:
        generator.normal = pairs[-1]
    return z


def normal_(t, mean, std, generator):
    n = _numel(t)
    if n >= 16 and is_contiguous(t._shape, t._stride):
        out = t._storage.array[t._offset:t._offset + n]
        if out.dtype == np.float32:
            draws = generator.random32(rng.fill_draws(n))
            rng.normal_fill32(draws, np.float32(mean), np.float32(std), out)
        else:
            draws = generator.random32(2 * rng.fill_draws(n))
            rng.normal_fill64(draws, float(mean), float(std), out)
        return
    out, copy = _target(t)
    rng.scale_normal(_scalar_normals(generator, n), float(mean), float(std), out)
    _finish(t, out, copy)


def _integers(t, generator, wide, span, base):
    """(draw % span) + base for every element, from 64-bit draws if wide, cast to t's dtype."""
    out, copy = _target(t, np.int64)
    rng.ints_from_to(generator.random32(out.size * (2 if wide else 1)), wide, np.uint64(span),
                     np.int64(base), out)
    _finish(t, out, copy)


def random_integers_(t, low, high, generator):
    """Integers uniform in [low, high), stored in t's dtype (torch's random_(from, to))."""
    span = high - low
    if span == 1 << 64:  # all of int64
        out, copy = _target(t, np.int64)
        rng.ints_full_range(generator.random32(2 * out.size), out)
        _finish(t, out, copy)
    else:  # a 32-bit draw for a span below 2^28, where its skew stays small
        _integers(t, generator, span >= 1 << 28, span, low)


# random_() without bounds: a draw modulo the dtype's count of exact non-negative values,
# 64-bit draws for int64 and float64
RANDOM_BITS = {np.dtype(np.bool_): (False, 2), np.dtype(np.uint8): (False, 1 << 8),
               np.dtype(np.int8): (False, 1 << 7), np.dtype(np.int16): (False, 1 << 15),
               np.dtype(np.int32): (False, 1 << 31), np.dtype(np.int64): (True, 1 << 63),
               np.dtype(np.float32): (False, (1 << 24) + 1),
               np.dtype(np.float64): (True, (1 << 53) + 1)}


def random_bits_(t, generator):
    wide, span = RANDOM_BITS[t._storage.array.dtype]
    _integers(t, generator, wide, span, 0)


def bernoulli_(t, p, generator):
    """1 where a uniform is below p (a float, or a float tensor of t's shape), else 0."""
    out, copy = _target(t)
    if isinstance(p, float):
        rng.bernoulli_scalar(generator.random32(2 * out.size), p, out)
    else:
        probs = _by_memory(t, p).reshape(-1)
        if probs.dtype == np.float64:
            rng.bernoulli_p64(generator.random32(2 * out.size), probs, out)
        else:
            rng.bernoulli_p32(generator.random32(out.size), probs, out)
    _finish(t, out, copy)


def exponential_(t, lambd, generator):
    out, copy = _target(t)
    rng.exponential(generator.random32(2 * out.size), float(lambd), out)
    _finish(t, out, copy)


def randperm(n, generator):
    """A permutation of 0..n-1 (int64), shuffled as torch's CPU randperm does."""
    out = np.arange(n, dtype=np.int64)
    wide = n >= 0xFFFFFFFF // 20  # torch takes 64-bit draws for n this large
    rng.randperm(generator.random32(2 * n if wide else max(n - 1, 0)), wide, out)
    return out


def multinomial(p, samples, generator):
    """Row indices of 2-D numpy p, sampled with replacement (int64, rows x samples)."""
    out = np.empty((p.shape[0], samples), np.int64)
    rng.multinomial_replacement(p, generator.random32(2 * out.size), out)
    return out


# --- optimizer steps (used by tensorrt_mini.optim) ----------------------------------------
# One fused kernel per parameter. Tensors are the parameter, its gradient and its state
# buffers, all of the parameter's shape and dtype; the state buffers are contiguous. The
# parameter and state are updated in place.

def _contiguous_buffer(t):
    """(flat array over t's elements, whether it is a copy that must be written back)."""
    from ..layout import is_contiguous
    n = _numel(t)
    if is_contiguous(t._shape, t._stride):
        return _flat(t, n), False
    return np.ascontiguousarray(numpy_view(t)).reshape(-1), True


def _write_back(t, flat):
    numpy_view(t)[...] = flat.reshape(t._shape)


def sgd_step(param, grad, momentum_buffer, lr, weight_decay, momentum, dampening, nesterov,
             maximize, first_step):
    """SGD with optional weight decay, momentum (dampening, nesterov) and maximize.
    `momentum_buffer` is None when momentum is 0; `first_step` fills it with the gradient."""
    from ..kernels.cpu import optim as K
    check_step_buffers("sgd_step", param, grad, momentum_buffer=momentum_buffer)
    n = _numel(param)
    if n == 0:
        return
    p, copied = _contiguous_buffer(param)
    g = _contiguous_buffer(grad)[0]
    buf = p if momentum_buffer is None else _flat(momentum_buffer, n)
    kernel = K.sgd
    if n >= PARALLEL_MIN:
        _start_threads()
        kernel = K.sgd_par
    kernel(p, g, buf, float(lr), float(weight_decay), float(momentum), float(dampening),
           bool(nesterov), bool(maximize), bool(first_step))
    if copied:
        _write_back(param, p)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps,
              weight_decay, step, amsgrad, maximize, decoupled):
    """Adam (decoupled=False) or AdamW (decoupled=True) at 1-based `step`.
    `max_exp_avg_sq` is None unless amsgrad."""
    from ..kernels.cpu import optim as K
    check_step_buffers("adam_step", param, grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq,
                       max_exp_avg_sq=max_exp_avg_sq)
    n = _numel(param)
    if n == 0:
        return
    p, copied = _contiguous_buffer(param)
    g = _contiguous_buffer(grad)[0]
    m = _flat(exp_avg, n)
    v = _flat(exp_avg_sq, n)
    vmax = v if max_exp_avg_sq is None else _flat(max_exp_avg_sq, n)
    step_size = lr / (1.0 - beta1 ** step)
    bc2_sqrt = (1.0 - beta2 ** step) ** 0.5
    kernel = K.adam
    if n >= PARALLEL_MIN:
        _start_threads()
        kernel = K.adam_par
    kernel(p, g, m, v, vmax, float(lr), float(beta1), float(beta2), float(eps),
           float(weight_decay), float(step_size), float(bc2_sqrt), bool(amsgrad), bool(maximize),
           bool(decoupled))
    if copied:
        _write_back(param, p)
