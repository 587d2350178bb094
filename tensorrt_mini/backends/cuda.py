"""The cuda backend: the CPU backend's op table, on tensorrt_mini.kernels.cuda.

Each op turns views into kernel launches through `cuda_runtime` (CuPy on a GPU, numpy
under Numba's simulator). The launch plan for a layout (kernel variant, grid, collapsed
sizes and strides, as kernel parameters or uploaded to the device) is computed once and
cached, keyed by the sizes and strides of every operand: the Python path of an op is its
cost on a GPU.
Matmul goes to cuBLAS through CuPy.
"""
import functools
import math

import numpy as np

from ..device import as_device
from ..dtypes import float64, from_numpy_dtype, int32
from ..kernels import lapack
from ..kernels import rnn as rnn_kernels
from ..kernels.cuda import argreduce, index, optim, philox
from ..kernels.cuda import batch_norm as bn
from ..kernels.cuda import elementwise as ew
from ..kernels.cuda import flash_attention as flash
from ..kernels.cuda import fused_reduce as fused_reducing
from ..kernels.cuda import geometry as geo
from ..kernels.cuda import reduce as reducing
from ..layout import (collapse, contiguous_strides, expand_strides, is_contiguous,
                      is_non_overlapping_and_dense)
from ..storage import CUDAStorage
from . import cuda_runtime, ordering
from .buffer_checks import (check_attention, check_moments, check_plane_affine, check_reduced,
                            check_same_shapes, check_step_buffers)
from .scratch_view import View

_rt = cuda_runtime.runtime()  # raises, saying what is missing, when cuda cannot run here
_ZERO = np.int64(0)  # a kernel's unused argument
_INT64 = np.dtype(np.int64)
_MAX_PLANS = 4096


def _cache(table, key, make):
    value = table.get(key)
    if value is None:
        if len(table) > _MAX_PLANS:
            table.clear()
        value = table[key] = make()
    return value


# kernel factories, cached: each variant is built (and compiled or loaded) once
_contiguous = functools.cache(ew.contiguous)
_strided = functools.cache(ew.strided)
_tiled_kernel = functools.cache(ew.tiled)
_reduce_rows = functools.cache(reducing.rows)
_reduce_columns = functools.cache(reducing.columns)
_arg_rows = functools.cache(argreduce.rows)
_arg_columns = functools.cache(argreduce.columns)
_take = functools.cache(index.take)
_put = functools.cache(index.put)
_put_add = functools.cache(index.put_add)
_put_reduce = functools.cache(index.put_reduce)
_uniform = functools.cache(philox.uniform)
_normal = functools.cache(philox.normal)
_bn_moments = functools.cache(bn.moments)
_bn_finish = functools.cache(bn.finish)
_bn_planes = functools.cache(bn.planes)
_sgd = functools.cache(optim.sgd)
_adam = functools.cache(optim.adam)


# --- storage ------------------------------------------------------------------------

_CUDA0 = as_device("cuda")


def _device(device):
    """The interned cuda:0 for None, "cuda", "cuda:0" and the like; others raise."""
    if device is _CUDA0:
        return device
    device = as_device(device or "cuda")
    if device is not _CUDA0:
        raise RuntimeError(f"tensorrt_mini runs on one CUDA device, cuda:0; got {device}")
    return device


def empty(numel, dtype, device=None):
    buffer = _rt.empty(numel, dtype.np)
    return CUDAStorage(buffer, dtype, _device(device), _rt.address(buffer), numel)


def from_host(array, device=None, non_blocking=False, dtype=None):
    buffer = _rt.upload(array, non_blocking)
    return CUDAStorage(buffer, dtype or from_numpy_dtype(array.dtype), _device(device),
                       _rt.address(buffer), array.size)


def _scratch(shape, dtype):
    n = math.prod(shape)
    return View(empty(n, dtype), shape, contiguous_strides(shape))


def to_host(t):
    t = _dense(t)
    return _rt.download(t._storage.buffer, t._dtype.np, t._offset,
                        t._offset + _numel(t)).reshape(t._shape)


def gather_host(t, index_lists):
    if not index_lists:
        return to_host(t)
    grids = np.ix_(*[np.asarray(i, np.int64) for i in index_lists])
    offsets = t._offset + sum(g * s for g, s in zip(grids, t._stride))
    offsets = np.broadcast_to(offsets, tuple(len(i) for i in index_lists))
    where = View(from_host(np.ascontiguousarray(offsets).reshape(-1)), offsets.shape,
                  contiguous_strides(offsets.shape))
    out = _scratch(offsets.shape, t._dtype)
    take(out, t, where)
    return to_host(out)


def _ptr(t):
    """The device address of t's first element: kernels take addresses."""
    return t._storage.ptr + t._offset * t._dtype.itemsize


def _numel(t):
    return math.prod(t._shape)


# --- elementwise ----------------------------------------------------------------------

class _EwPlan:
    """How to run one op over one layout: the kernel, its grid and block, and the trailing
    launch arguments (sizes and strides, or the address of their device copy `meta`). A
    dense layout ("contig") has a vector kernel, taken when every pointer is aligned for
    it, and an element one."""
    __slots__ = ("contig", "kernel", "grid", "block", "tail", "vector", "width", "meta")


_ew_plans = {}


def _ew_plan(op, dtype, out_dtypes, shape, out_strides, strides):
    """op: a catalog name or a scalar.Body; strides: each operand's (None for a scalar)."""
    return _cache(_ew_plans, (op, dtype, out_dtypes, shape, out_strides, strides),
                  lambda: _make_ew_plan(op, dtype, out_dtypes, shape, out_strides, strides))


def _make_ew_plan(op, dtype, out_dtypes, shape, out_strides, strides):
    plan = _EwPlan()
    n = math.prod(shape)
    out = out_strides[0]
    pointers = tuple(s is not None for s in strides)
    walked = list(out_strides) + [s for s in strides if s is not None]
    plan.contig = is_non_overlapping_and_dense(shape, out) and all(
        all(a == b or m == 1 for a, b, m in zip(s, out, shape)) for s in walked)
    if plan.contig:
        operand_dtypes = ew.operand_dtypes(op, dtype, len(strides))
        itemsizes = [d.itemsize for d in out_dtypes] + [
            d.itemsize for d, p in zip(operand_dtypes, pointers) if p]
        plan.width = ew.vector_width(itemsizes)
        plan.vector = (_contiguous(op, dtype, out_dtypes, pointers, plan.width),
                       ew.contiguous_grid(n, plan.width))
        plan.kernel = _contiguous(op, dtype, out_dtypes, pointers, 1)
        plan.grid = ew.contiguous_grid(n, 1)
        plan.block = (geo.THREADS,)
        plan.tail = [n]
        return plan
    # walk dims in out's memory order (its fastest last), then merge what merges
    order = sorted(range(len(shape)), key=lambda d: -out[d])
    c_shape, c_strides = collapse(tuple(shape[d] for d in order),
                                  *[tuple(s[d] for d in order) for s in walked])
    tiled = _tiled(c_shape, c_strides, len(out_strides))
    if tiled is not None:
        (nb, n0, n1), meta, staged = tiled
        it = iter(staged)
        transposed = tuple(next(it) if p else False for p in pointers)
        plan.kernel = _tiled_kernel(op, dtype, out_dtypes, pointers, transposed)
        plan.grid = ew.tiled_grid(nb, n0, n1)
        plan.block = (geo.TILE, geo.TILE_ROWS)
        plan.tail = meta  # sizes and strides, as parameters
        return plan
    plan.kernel = _strided(op, dtype, out_dtypes, pointers)
    plan.grid = (geo.blocks(n, geo.THREADS),)
    plan.block = (geo.THREADS,)
    plan.meta = _rt.upload(np.array(list(c_shape) + [x for st in c_strides for x in st], np.int64))
    plan.tail = [n, _rt.address(plan.meta), len(c_shape)]
    return plan


def _tiled(shape, strides, n_out):
    """(batch, n0, n1), the tiled kernel's size and stride parameters, and which inputs are
    staged, when an input's fastest dim (p) is not the outputs' (the last, q) and the other
    dims merge into one batch dim; else None. strides: the outputs', then the inputs'."""
    k = len(shape)
    q = k - 1
    if any(st != strides[0] for st in strides[1:n_out]):
        return None  # outputs of different layouts: the strided kernel
    p = None
    transposed = []
    for st in strides[n_out:]:
        dims = [d for d in range(k) if st[d] != 0]
        fastest = min(dims, key=lambda d: st[d]) if dims else q
        flip = fastest != q and st[q] != 0 and st[fastest] < st[q]
        if flip:
            if p is not None and p != fastest:
                return None
            p = fastest
        transposed.append(flip)
    if p is None or -(-shape[p] // geo.TILE) > geo.MAX_GRID_YZ:
        return None
    rest = [d for d in range(k) if d not in (p, q)]
    b_shape, b_strides = collapse(tuple(shape[d] for d in rest),
                                  *[tuple(st[d] for d in rest) for st in strides])
    if len(b_shape) > 1:
        return None
    meta = [b_shape[0], shape[p], shape[q]]
    for st, bs in zip(strides, b_strides):
        meta += [bs[0], st[p], st[q]]
    return (b_shape[0], shape[p], shape[q]), meta, tuple(transposed)


def elementwise_op(op, compute, outs, operands):
    """outs = op(*operands): op is a catalog name or a scalar.Body; operands are views or
    numpy scalars of `compute` (a where's condition is bool), broadcast to outs' shape."""
    out = outs[0]
    check_same_shapes(op, out, (*outs, *operands))
    if 0 in out._shape:
        return
    strides = tuple(None if isinstance(x, np.generic) else x._stride for x in operands)
    plan = _ew_plan(op, compute.np, tuple(o._dtype.np for o in outs), out._shape,
                    tuple(o._stride for o in outs), strides)
    args = [_ptr(o) for o in outs] + [x if st is None else _ptr(x)
                                      for x, st in zip(operands, strides)]
    kernel, grid = plan.kernel, plan.grid
    if plan.contig and plan.width > 1 and _aligned(args, list(outs) + list(operands), plan.width):
        kernel, grid = plan.vector
    _rt.launch(kernel, grid, plan.block, args + plan.tail)


def elementwise(op, outs, operands):
    """outs = op(*operands) for a catalog op's name or a scalar.Body (a user's); the last
    operand's dtype is the compute dtype (a where's condition comes first)."""
    last = operands[-1]
    elementwise_op(op, from_numpy_dtype(last.dtype) if isinstance(last, np.generic)
                   else last._dtype, outs, operands)


def _aligned(args, operands, width):
    """Whether every pointer argument starts on a width-element vector boundary."""
    for address, x in zip(args, operands):
        if not isinstance(x, np.generic) and address % (width * x._dtype.itemsize):
            return False
    return True


def _op_name(name):
    return "pow" if name == "ipow" else name  # integer pow: the catalog picks it by dtype


def unary(name, out, x):
    elementwise_op(_op_name(name), x._dtype, (out,), (x,))


def binary(name, out, a, b):
    elementwise_op(_op_name(name), a._dtype, (out,), (a, b))


class _TinyPlan:
    """binary_contig_new's launch for one (op, dtype, n): the element kernel and the
    vector one, taken when every address is a multiple of `align` bytes."""
    __slots__ = ("kernel", "grid", "vector", "vector_grid", "block", "align")

    def __init__(self, name, dtype, n):
        # made, not looked up: kept here alone, it is not cached twice
        plan = _make_ew_plan(_op_name(name), dtype.np, (dtype.np,), (n,), ((1,),), ((1,), (1,)))
        self.kernel, self.grid, self.block = plan.kernel, plan.grid, plan.block
        self.vector, self.vector_grid = plan.vector
        self.align = plan.width * dtype.itemsize  # a width of 1: the element kernel twice


_tiny_plans = {}


def binary_contig_new(name, a, b, n):
    """A fresh storage holding op(a, b), for n-element C-contiguous a and b of one dtype
    whose result keeps that dtype: the tiny op's path. On a GPU a small op costs its host
    time, so empty(), _ptr() and _aligned() are inlined here (keep them in step) and the
    plan is found by (name, dtype, n)."""
    dtype = a._dtype
    if a._storage.size() - a._offset < n or b._storage.size() - b._offset < n:
        raise RuntimeError(f"{name}: operands of size {list(a._shape)} and {list(b._shape)} "
                           f"hold fewer than {n} elements")
    plan = _tiny_plans.get((name, dtype, n))
    if plan is None:
        plan = _cache(_tiny_plans, (name, dtype, n), lambda: _TinyPlan(name, dtype, n))
    buffer = _rt.empty(n, dtype.np)
    po = _rt.address(buffer)
    if n:
        item = dtype.itemsize
        pa, pb = a._storage.ptr + a._offset * item, b._storage.ptr + b._offset * item
        if (po | pa | pb) % plan.align:
            _rt.launch(plan.kernel, plan.grid, plan.block, [po, pa, pb, n])
        else:
            _rt.launch(plan.vector, plan.vector_grid, plan.block, [po, pa, pb, n])
    return CUDAStorage(buffer, dtype, a._storage.device, po, n)


def binary_scalar(name, out, a, value, reverse=False):
    """out = op(a, value), or op(value, a) when reverse."""
    elementwise_op(_op_name(name), a._dtype, (out,), (value, a) if reverse else (a, value))


def where(out, cond, a, b):
    elementwise("where", (out,), (cond, a, b))


def copy_(dst, src):
    if src._dtype.is_complex and not dst._dtype.is_complex:
        # torch's cast of complex to a real dtype: the real part, but to bool, x != 0
        if dst._dtype.category == 0:
            binary_scalar("ne", dst, src, src._dtype.np.type(0))
        else:
            elementwise_op("copy_real", src._dtype, (dst,), (src,))
        return
    # float -> integer goes through int64, so that -1.0 -> uint8 wraps to 255 like torch
    to_int = src._dtype.is_floating_point and dst._dtype.np.kind in "iu"
    elementwise_op("to_int64" if to_int else "copy", src._dtype, (dst,), (src,))


def fill_(dst, value):
    if dst._dtype.is_complex:  # a kernel's scalar parameter holds 8 bytes: no complex128
        if _numel(dst):
            _array(dst)[...] = value
        return
    elementwise_op("copy", dst._dtype, (dst,), (dst._dtype.np.type(value),))


def _dense(t):
    """t when its elements lie contiguously in memory, else a contiguous copy."""
    if is_contiguous(t._shape, t._stride):
        return t
    tmp = _scratch(t._shape, t._dtype)
    copy_(tmp, t)
    return tmp


# --- reductions -------------------------------------------------------------------------

class _ReducePlan:
    """How to reduce `dims` of one layout: as (outer, rows, inner) with x[o, r, i] at
    o*xo + r*xr + i*xi, after a copy into (kept dims, reduced dims) order when the layout
    does not fit that form, in one pass or in chunk partials plus a combining pass."""
    __slots__ = ("permute", "columns", "dense_rows", "splits", "partial", "passes")

    def __init__(self, shape, stride, dims, count):
        layout = _reduce_layout(shape, stride, dims)
        self.permute = None
        if layout is None:
            order = [d for d in range(len(shape)) if d not in dims] + list(dims)
            self.permute = (tuple(shape[d] for d in order), tuple(stride[d] for d in order))
            n_rows = math.prod(shape[d] for d in dims)
            layout = (math.prod(shape) // max(n_rows, 1), n_rows, 1, n_rows, 1, 0, 1, 0)
        n_outer, n_rows, n_inner, xo, xr, xi, oo, oi = layout
        self.columns = n_inner > 1
        self.dense_rows = not self.columns and xr == 1  # vector loads, where aligned
        blocks = n_outer * -(-n_inner // geo.TILE) if self.columns else n_outer
        s = self.splits = reducing.splits(n_rows, blocks)
        shape3 = [n_outer, n_rows, n_inner, xo, xr, xi]
        if s == 1:
            self.partial = 0
            self.passes = [(_meta(shape3 + [oo, 0, oi, n_rows, count]),
                            self._grid(n_outer, n_inner, 1))]
            return
        chunk = -(-n_rows // s)
        self.partial = n_outer * s * n_inner
        part = [n_outer, s, n_inner, s * n_inner, n_inner, 1]
        self.passes = [
            (_meta(shape3 + part[3:] + [chunk, 0]), self._grid(n_outer, n_inner, s)),
            (_meta(part + [oo, 0, oi, s, count]), self._grid(n_outer, n_inner, 1))]

    def _grid(self, n_outer, n_inner, s):
        if self.columns:
            return reducing.columns_grid(n_outer, n_inner, s)
        return reducing.rows_grid(n_outer, s)

    def block(self):
        return (geo.TILE, geo.COLUMN_GROUPS) if self.columns else (geo.REDUCE_THREADS,)


def _meta(values):
    return _rt.upload(np.array(values, np.int64))


def _reduce_layout(shape, stride, dims):
    """(O, R, I, xo, xr, xi, oo, oi) for out (kept dims, contiguous) = reduce(x, dims),
    or None when the reduced dims do not merge into one or the kept dims into two."""
    kept = [d for d in range(len(shape)) if d not in dims]
    kshape = tuple(shape[d] for d in kept)
    ks, (kx, ko) = collapse(kshape, tuple(stride[d] for d in kept), contiguous_strides(kshape))
    rs, (rx,) = collapse(tuple(shape[d] for d in dims), tuple(stride[d] for d in dims))
    if len(rs) != 1 or len(ks) > 2:
        return None
    n_rows, xr = rs[0], rx[0]
    if len(ks) == 1:
        if ks[0] == 1 or xr <= kx[0]:  # rows run along memory: a block per row
            return (ks[0], n_rows, 1, kx[0], xr, 0, ko[0], 0)
        return (1, n_rows, ks[0], 0, xr, kx[0], 0, ko[0])  # columns run along memory
    if xr < min(kx):
        return None  # rows along memory, but two outer dims: permute into one
    return (ks[0], n_rows, ks[1], kx[0], xr, kx[1], ko[0], ko[1])


_reduce_plans = {}


def _plan_reduce(x, dims, count):
    return _cache(_reduce_plans, (x._shape, x._stride, dims, count),
                  lambda: _ReducePlan(x._shape, x._stride, dims, count))


def _source(plan, x):
    if plan.permute is None:
        return x
    shape, stride = plan.permute
    tmp = _scratch(shape, x._dtype)
    copy_(tmp, View(x._storage, shape, stride, x._offset))
    return tmp


_IDENTITY = {"sum": 0, "prod": 1, "all": True, "any": False}


def reduce(name, out, x, dims, correction=1):
    """out (fresh, contiguous: x's shape without `dims`) = reduction of x over dims."""
    dims = tuple(dims)
    check_reduced(name, x, dims, out)
    if name in ("var", "std"):
        return _moment(name, out, x, dims, correction)
    if _numel(out) == 0:
        return
    if _numel(x) == 0:
        return fill_(out, _IDENTITY[name])
    _reduce_into(name, out, x, dims, 0)


def _reduce_into(name, out, x, dims, count):
    plan = _plan_reduce(x, dims, count)
    src = _source(plan, x)
    acc = out._dtype.np
    address = _ptr(src)
    if plan.columns:
        first = _reduce_columns(name, src._dtype.np, acc)
        second = functools.partial(_reduce_columns, name, acc, acc)
    else:
        width = ew.vector_width([src._dtype.itemsize]) if plan.dense_rows else 1
        if not _aligned([address], [src], width):
            width = 1
        first = _reduce_rows(name, src._dtype.np, acc, width)
        # the partials are fresh, hence aligned, and dense
        second = functools.partial(_reduce_rows, name, acc, acc,
                                   ew.vector_width([acc.itemsize]))
    _run_passes(plan, first, second, [_ptr(out)], [acc], [address])


def _run_passes(plan, first, second, outputs, partial_dtypes, inputs):
    """Launch a reduction plan: `first` reads inputs into outputs, or, when the plan splits
    the rows, into partial buffers (one per dtype) that `second()` then combines into
    outputs. A kernel takes (outputs or partials, inputs or partials, meta)."""
    block = plan.block()
    (meta, grid), rest = plan.passes[0], plan.passes[1:]
    if not rest:
        _rt.launch(first, grid, block, outputs + inputs + [_rt.address(meta)])
        return
    parts = [_rt.empty(plan.partial, dtype) for dtype in partial_dtypes]
    partials = [_rt.address(part) for part in parts]
    _rt.launch(first, grid, block, partials + inputs + [_rt.address(meta)])
    (meta, grid), = rest
    _rt.launch(second(), grid, block, outputs + partials + [_rt.address(meta)])


def _moment(name, out, x, dims, correction):
    """var/std: the mean, then the mean squared deviation, in two passes over x."""
    if _numel(out) == 0:
        return
    n = math.prod(x._shape[d] for d in dims)
    if n == 0:
        return fill_(out, math.nan)
    mean = _scratch(out._shape, out._dtype)
    _reduce_into("mean", mean, x, dims, n)
    kept = iter(mean._stride)
    spread = View(mean._storage, x._shape,
                   [0 if d in dims else next(kept) for d in range(len(x._shape))])
    dev = _scratch(x._shape, x._dtype)
    binary("sub", dev, x, spread)
    binary("mul", dev, dev, dev)
    _reduce_into("sum", out, dev, dims, 0)
    binary_scalar("div", out, out, x._dtype.np.type(max(n - correction, 0)))
    if name == "std":
        unary("sqrt", out, out)


_fused_reduce = functools.cache(fused_reducing.kernel)


def fused_reduce(bodies, state_dtypes, identity, out, inputs):
    """out (fresh, contiguous, M elements) = a user's reduction (tm.reduction) of inputs,
    (M, K) views of any strides; see the CPU backend's."""
    m, k = inputs[0]._shape
    if m == 0:
        return
    kernel = _fused_reduce(*bodies, inputs[0]._dtype.np, out._dtype.np, tuple(state_dtypes),
                           len(inputs))
    strides = [s for x in inputs for s in x._stride]
    idents = list(identity) if isinstance(identity, tuple) else [identity]
    _rt.launch(kernel, (min(m, geo.GRID_X),), (geo.REDUCE_THREADS,),
               [_ptr(out)] + [_ptr(x) for x in inputs] + [m, k] + strides + idents)


def arg_reduce(name, values, indices, x, dim):
    """values/indices (fresh, contiguous) = max or min of x along dim, first index on ties."""
    check_reduced(name, x, (dim,), values, indices)
    if _numel(values) == 0:
        return
    plan = _plan_reduce(x, (dim,), 0)
    src = _source(plan, x)
    dtype = src._dtype.np
    factory = _arg_columns if plan.columns else _arg_rows
    # the first pass has no partial indices to read: its index operand is unused
    _run_passes(plan, factory(name, dtype, False), lambda: factory(name, dtype, True),
                [_ptr(values), _ptr(indices)], [dtype, _INT64], [_ptr(src), _ZERO])


# --- linear algebra, indexing, random -------------------------------------------------

def _array(t):
    return _rt.view(t._storage.buffer, t._dtype.np, t._offset, t._shape, t._stride)


array_view = _array


# ops run on float16 and bfloat16 here, not on float32 copies (backends/half.py)
HALF_NATIVE = ("matmul",)


def matmul(out, a, b):
    """Batched matmul: cuBLAS through CuPy (numpy under the simulator). float16 and
    bfloat16 go to cuBLAS as they are, accumulating in float32 on tensor cores."""
    if out._dtype.is_half:
        _half_matmul(out, a, b)
        return
    if is_contiguous(out._shape, out._stride):
        _rt.matmul(_array(out), _array(a), _array(b))
        return
    tmp = _scratch(out._shape, out._dtype)
    _rt.matmul(_array(tmp), _array(a), _array(b))
    copy_(out, tmp)


def rnn_layer(mode, y, hn, cn, ws, x, h0, c0, weights, batch_sizes, reverse):
    """One recurrent layer in one direction: cuBLAS and CuPy's elementwise kernels per
    step (kernels/rnn.py); the buffers as the cpu backend's."""
    view = _optional_arrays
    rnn_kernels.forward(_rt.xp, mode, _array(x), *view((h0, c0)), *view(weights), batch_sizes,
                        reverse, *view((y, hn, cn, ws)))


def rnn_layer_backward(mode, grads, x, weights, batch_sizes, reverse, y, ws, grad_y, grad_hn,
                       grad_cn):
    view = _optional_arrays
    w_ih, w_hh, _, _, w_hr = view(weights)
    rnn_kernels.backward(_rt.xp, mode, _array(x), w_ih, w_hh, w_hr, batch_sizes, reverse,
                         _array(y), _array(ws), *view((grad_y, grad_hn, grad_cn)), view(grads))


def _optional_arrays(tensors):
    return tuple(None if t is None else _array(t) for t in tensors)
def _half_matmul(out, a, b):
    """out = a @ b, all of one half dtype: cuBLAS takes C-contiguous batches only."""
    a, b = _dense_copy(a), _dense_copy(b)
    target = out if is_contiguous(out._shape, out._stride) else _scratch(out._shape, out._dtype)
    _rt.half_matmul(_array(target), _array(a), _array(b), out._dtype.name)
    if target is not out:
        _array(out)[...] = _array(target)


def _dense_copy(t):
    """t itself if C-contiguous, else a C-contiguous copy of its bits."""
    if is_contiguous(t._shape, t._stride):
        return t
    copy = _scratch(t._shape, t._dtype)
    _array(copy)[...] = _array(t)
    return copy


def linalg(name, outs, inputs, options):
    """outs = LAPACK routine `name` (kernels/lapack.py) of inputs: cuSOLVER through CuPy
    (numpy under the simulator); returns None, or (batch index, LAPACK info) of the first
    matrix the routine failed on."""
    try:
        _rt.linalg(name, [_array(o) for o in outs], [_array(x) for x in inputs], options)
    except lapack.Failed as e:
        return e.batch_index, e.info
    return None


def fft(kind, out, x, sizes, dims, norm):
    """out = transform `kind` (kernels/fft.py) of x over dims: cuFFT through CuPy (numpy
    under the simulator)."""
    if _numel(out):
        _rt.fft(kind, _array(out), _array(x), sizes, dims, norm)


def _launch_1d(kernel, n, args):
    _rt.launch(kernel, (geo.blocks(n, geo.THREADS),), (geo.THREADS,), args)


def take(out, x, offsets):
    n = _numel(out)
    if n == 0:
        return
    target = out if is_contiguous(out._shape, out._stride) else _scratch(out._shape, out._dtype)
    offsets = _dense(offsets)  # held: the launch gets only its address
    _launch_1d(_take(x._dtype.np), n, [_ptr(target), x._storage.ptr, _ptr(offsets), n])
    if target is not out:
        copy_(out, target)


def put_(x, offsets, values, accumulate):
    n = _numel(offsets)
    if n == 0:
        return
    offsets = _dense(offsets)
    values = _dense(View(values._storage, offsets._shape,
                          expand_strides(values._shape, values._stride, offsets._shape),
                          values._offset))
    dtype = x._dtype.np
    if not accumulate:
        _launch_1d(_put(dtype, True), n,
                   [x._storage.ptr, _ptr(offsets), _ptr(values), n])
        return
    _scatter_atomically(lambda d: _put_add(d, True), x, offsets, values, n)


def _scatter_atomically(kernel_for, x, offsets, values, n):
    """Launch kernel_for(dtype) (args: storage, offsets, values, n, size) on x's storage;
    CUDA's atomics stop at 32 bits: narrower ints go through an int32 copy of the storage,
    cast back afterwards."""
    dtype, size = x._dtype.np, x._storage.size()
    if dtype in index.ACCUMULATE_DTYPES:
        _launch_1d(kernel_for(dtype), n, [x._storage.ptr, _ptr(offsets), _ptr(values), n, size])
        return
    whole = View(x._storage, (size,), (1,))
    wide, wide_values = _scratch((size,), int32), _scratch(values._shape, int32)
    copy_(wide, whole)
    copy_(wide_values, values)
    _launch_1d(kernel_for(np.dtype(np.int32)), n,
               [_ptr(wide), _ptr(offsets), _ptr(wide_values), n, size])
    copy_(whole, wide)


def put_reduce_(x, offsets, values, op):
    """x's storage at offsets (int64, checked by the caller) combined with values (offsets'
    shape, x's dtype) by op: "sum" through atomic adds, the others by compare-and-swap."""
    check_same_shapes(f"put_reduce_ ({op})", offsets, (values,))
    if values._dtype is not x._dtype or offsets._dtype.np != np.int64:
        raise RuntimeError(f"put_reduce_: values of {values._dtype} and offsets of "
                           f"{offsets._dtype} for a tensor of {x._dtype}")
    if op == "sum":
        put_(x, offsets, values, True)
        return
    n = _numel(offsets)
    if n == 0:
        return
    _scatter_atomically(lambda d: _put_reduce(d, op), x, _dense(offsets), _dense(values), n)


def sort(values, indices, x, dim, descending):
    check_same_shapes("sort", x, (values, indices))
    if _numel(x):
        ordering.sort(_rt.xp, _array(values), _array(indices), _array(x), dim, descending)


def topk(values, indices, x, dim, k, largest):
    """values, indices (x's shape with k along dim) := x's k smallest or largest along
    dim, in order (ties: the first first)."""
    check_same_shapes("topk", values, (indices,))
    if _numel(values):
        ordering.topk(_rt.xp, _array(values), _array(indices), _array(x), dim, k, largest)


def cumulative(name, out, x, dim):
    """As the cpu's, accumulated in out's dtype (float32 in float32: torch's cuda scan)."""
    check_same_shapes(name, out, (x,))
    if _numel(x):
        ordering.cumulative(_rt.xp, name, _array(out), _array(x), dim, out._dtype.np)


def searchsorted(out, sorted_rows, values, right):
    check_same_shapes("searchsorted", out, (values,))
    if _numel(out):
        ordering.searchsorted(_rt.xp, _array(out), _array(sorted_rows), _array(values), right)


def _draw(kind, t, p0, p1, generator):
    n = _numel(t)
    if n == 0:
        return
    dtype = t._dtype.np
    target = t if is_contiguous(t._shape, t._stride) else _scratch(t._shape, t._dtype)
    groups = philox.groups(n, dtype)
    offset = generator.next_offset(groups)
    seed = generator.initial_seed() & 0xFFFFFFFFFFFFFFFF
    kernel = (_uniform if kind == "uniform" else _normal)(dtype)
    _rt.launch(kernel, (geo.blocks(groups, geo.THREADS),), (geo.THREADS,),
               [_ptr(target), n, seed & 0xFFFFFFFF, seed >> 32, offset, p0, p1])
    if target is not t:
        copy_(t, target)


def uniform_(t, low, high, generator):
    _draw("uniform", t, low, high, generator)


def normal_(t, mean, std, generator):
    _draw("normal", t, mean, std, generator)


def random_integers_(t, low, high, generator):
    """Integers uniform in [low, high), stored in t's dtype."""
    u = _scratch(t._shape, float64)
    _draw("uniform", u, 0.0, 1.0, generator)
    binary_scalar("mul", u, u, np.float64(high - low))
    unary("floor", u, u)
    binary_scalar("add", u, u, np.float64(low))
    binary_scalar("minimum", u, u, np.float64(high - 1))  # u * span may round up to high
    copy_(t, u)


# --- optimizer steps (used by tensorrt_mini.optim) ----------------------------------------
# One fused kernel per parameter, as on the CPU; a strided parameter or gradient goes
# through a contiguous copy.

def sgd_step(param, grad, momentum_buffer, lr, weight_decay, momentum, dampening, nesterov,
             maximize, first_step):
    check_step_buffers("sgd_step", param, grad, momentum_buffer=momentum_buffer)
    n = _numel(param)
    if n == 0:
        return
    p, g = _dense(param), _dense(grad)
    buf = p if momentum_buffer is None else momentum_buffer
    _launch_1d(_sgd(param._dtype.np), n,
               [_ptr(p), _ptr(g), _ptr(buf), n, lr, weight_decay, momentum, dampening,
                int(nesterov), int(maximize), int(first_step)])
    if p is not param:
        copy_(param, p)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps,
              weight_decay, step, amsgrad, maximize, decoupled):
    check_step_buffers("adam_step", param, grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq,
                       max_exp_avg_sq=max_exp_avg_sq)
    n = _numel(param)
    if n == 0:
        return
    p, g = _dense(param), _dense(grad)
    vmax = exp_avg_sq if max_exp_avg_sq is None else max_exp_avg_sq
    step_size = lr / (1.0 - beta1 ** step)
    bc2_sqrt = (1.0 - beta2 ** step) ** 0.5
    _launch_1d(_adam(param._dtype.np), n,
               [_ptr(p), _ptr(g), _ptr(exp_avg), _ptr(exp_avg_sq), _ptr(vmax), n, lr, beta1,
                beta2, eps, weight_decay, step_size, bc2_sqrt, int(amsgrad), int(maximize),
                int(decoupled)])
    if p is not param:
        copy_(param, p)


# --- batch, instance and group norm (nn/functional/normalization.py) --------------------
_MOMENT_BLOCKS = 1024  # blocks enough to fill a GPU when there are few rows (channels)


def channel_moments(mean, var, x):
    """As the cpu's: mean and biased var (R,) of each row of x (A, R, B), by blocks that
    each sum part of a row, then one thread per row that adds their partial sums."""
    check_moments(mean, var, x)
    a, r, b = x._shape
    dtype = x._dtype.np
    flat = b < geo.REDUCE_THREADS  # short rows: each block a run of all A * B elements
    units = -(-a * b // geo.REDUCE_THREADS) if flat else a
    parts = max(1, min(units, -(-_MOMENT_BLOCKS // r), geo.GRID_YZ))
    partials = _scratch((r * parts * 2,), float64)
    _rt.launch(_bn_moments(dtype), (min(r, geo.GRID_X), parts), (geo.REDUCE_THREADS,),
               [_ptr(partials), _ptr(x), a, r, b, parts, int(flat)])
    _launch_1d(_bn_finish(dtype), r,
               [_ptr(mean), _ptr(var), _ptr(partials), _ptr(x), r, b, parts, a * b])


def plane_affine(out, x, scale, shift):
    """As the cpu's: out = x * scale + shift with one (scale, shift) per plane."""
    check_plane_affine(out, x, scale, shift)
    n, c, s = x._shape
    if n * c * s == 0:
        return
    planes = n * c
    flat = s < geo.THREADS  # short planes: one range over all elements
    grid = (geo.blocks(planes * s, geo.THREADS),) if flat else \
        (geo.blocks(s, geo.THREADS), min(planes, geo.GRID_YZ))
    _rt.launch(_bn_planes(x._dtype.np), grid, (geo.THREADS,),
               [_ptr(out), _ptr(x), _ptr(scale), _ptr(shift), c, s, planes,
                int(scale._shape[0] > 1), int(flat)])


# --- fused attention (nn/functional/flash_attention.py) ----------------------------------

_flash_forward = functools.cache(flash.forward)
_flash_delta = functools.cache(flash.delta)
_flash_dkdv = functools.cache(flash.dkdv)
_flash_dq = functools.cache(flash.dq)


def _flash_plan(q, v, tiles):
    """(dtype, E, Ev, block_m, block_n): tiles, or the kernels' default for the head dims."""
    e, ev = q._shape[2], v._shape[2]
    return (q._dtype.name, e, ev) + tuple(tiles or flash.tiles(e, ev))


def flash_attention_forward(out, lse, q, k, v, scale, is_causal, tiles=None):
    """out (BH, L, Ev) = softmax(scale * q @ k^T, causal: top-left masked) @ v and lse
    (BH, L, float32) = each row's log-sum-exp, by one fused kernel (kernels/cuda/
    flash_attention.py); tiles: (query rows, key rows) per tile, else the GPU's."""
    check_attention("flash_attention_forward", q, k, v, out, lse)
    bh, l, _ = q._shape
    s = k._shape[1]
    if bh * l == 0:
        return
    if s == 0:  # no keys: torch's result is zeros
        fill_(out, 0)
        fill_(lse, -math.inf)
        return
    plan = _flash_plan(q, v, tiles)
    kernel, block_m = _flash_forward(*plan), plan[3]
    for h, n in _head_chunks(bh):
        _rt.launch(kernel, (-(-l // block_m), n), (block_m,),
                   [_at(out, h), _at(lse, h), _at(q, h), _at(k, h), _at(v, h), l, s,
                    float(scale), int(is_causal)])

def flash_attention_backward(dq, dk, dv, q, k, v, out, dout, lse, scale, is_causal,
                             tiles=None):
    """The gradients of flash_attention_forward's out for dout: delta = rowsum(dout *
    out), then dk and dv by key tiles and dq by query tiles, recomputing the
    probabilities from lse (no L x S matrix in memory)."""
    check_attention("flash_attention_backward", q, k, v, out, lse, dout=dout, dq=dq, dk=dk,
                    dv=dv)
    bh, l, _ = q._shape
    s = k._shape[1]
    if bh * l == 0 or s == 0:  # nothing flows: zero gradients where there are elements
        for g in (dq, dk, dv):
            fill_(g, 0)
        return
    plan = _flash_plan(q, v, tiles)
    dtype, e, ev, block_m, block_n = plan
    delta = _scratch((bh, l), lse._dtype)
    _rt.launch(_flash_delta(dtype, ev, block_m), (-(-bh * l // block_m),), (block_m,),
               [_ptr(delta), _ptr(out), _ptr(dout), bh * l])
    dkdv, dq_kernel = _flash_dkdv(*plan), _flash_dq(*plan)
    for h, n in _head_chunks(bh):
        tail = [_at(q, h), _at(k, h), _at(v, h), _at(dout, h), _at(lse, h), _at(delta, h), l, s,
                float(scale), int(is_causal)]
        _rt.launch(dkdv, (-(-s // block_n), n), (block_n,), [_at(dk, h), _at(dv, h)] + tail)
        _rt.launch(dq_kernel, (-(-l // block_m), n), (block_m,), [_at(dq, h)] + tail)


def _head_chunks(bh):
    """(first head, heads) of each launch: a grid's y dim holds at most MAX_GRID_YZ."""
    for h in range(0, bh, geo.MAX_GRID_YZ):
        yield h, min(geo.MAX_GRID_YZ, bh - h)


def _at(t, head):
    """The address of head `head` of contiguous t (heads first)."""
    return _ptr(t) + head * (_numel(t) // t._shape[0]) * t._dtype.itemsize
