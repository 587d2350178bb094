"""Elementwise kernels: outputs = body(inputs), generated for any number of each.

`op` is a catalog op's name or a scalar.Body (a user's `tm.elementwise`); its body
becomes an inline device function (kernels.scalar.prepare gives it the compute dtype's
literals and this device's `math`), and each output takes its result cast to its dtype.
Each input is a pointer or a scalar (`pointers` says which), so one factory serves
tensor-tensor, tensor-scalar, where, copy (a cast on store) and fill (copy of a scalar).
Pointers arrive already offset to the view's first element; outputs come first.

- `contiguous`: every pointer walks memory densely in the same order. A block takes
  tiles of THREADS * UNROLL * width elements (striding over the grid); in a full tile
  each thread moves UNROLL vectors of `width` elements per pointer with no per-element
  bounds checks, and the one partial tile goes element by element. `width` > 1 needs
  every pointer aligned to width * itemsize (`vector_width` picks it).
      args: (*outs, *inputs, n)        grid: contiguous_grid(n, width)   block: THREADS
- `strided`: any layout; collapsed sizes and strides come in `meta`, an int64 device
  array [sizes, then the strides of each output and each pointer input], ndim each.
      args: (*outs, *inputs, n, meta, ndim)   grid: blocks(n, THREADS)   block: THREADS
- `tiled`: a batch of 2-D problems whose operands disagree on the fastest dimension
  (a + b.T, b.T.contiguous()). Dim 1 is the outputs' fastest; inputs flagged in
  `transposed` have dim 0 fastest and are staged through TILE x (TILE + 1) shared tiles,
  so both their reads and the outputs' writes coalesce. The sizes batch, n0, n1 and the
  (batch, dim 0, dim 1) strides of each output and pointer input follow as int64
  parameters.
      args: (*outs, *inputs, batch, n0, n1, *strides)   grid: tiled_grid(batch, n0, n1)
      block: (TILE, TILE_ROWS)
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from .. import catalog
from ..scalar import Body, prepare
from .compiler import Kernel, cuda, device
from .fmath import MATH
from .geometry import (GRID_X, GRID_YZ, THREADS, TILE, TILE_ROWS, TILED_BLOCKS,
                       TILED_BLOCKS_HEAVY, TILED_BLOCKS_WIDE, UNROLL, VECTOR_BYTES)
from .intrinsics import load, store, vload, vstore

_INT64 = types.int64
_META = types.CPointer(types.int64)


def vector_width(itemsizes):
    """Elements per vector access when operands of these item sizes move together (at
    least 1: a complex128 element is wider than a vector)."""
    return max(1, VECTOR_BYTES // max(itemsizes))


def contiguous_grid(n, width):
    return (max(1, min(-(-n // (THREADS * UNROLL * width)), GRID_X)),)


def tiled_grid(batch, n0, n1):
    """n0 must fit the grid: ceil(n0 / TILE) <= MAX_GRID_YZ."""
    return (-(-n1 // TILE), -(-n0 // TILE), min(batch, GRID_YZ))


def operand_dtypes(op, dtype, n):
    """The numpy dtypes of op's n operands for compute dtype `dtype`."""
    if isinstance(op, Body):
        return (np.dtype(dtype),) * n
    return catalog.get(op).operand_dtypes(dtype)


class _Spec:
    """What a factory needs of one (op, compute dtype, outputs, pointers): the body's key,
    the device function, the operands' numba types and the kernel's argument types."""

    def __init__(self, op, dtype, out_dtypes, pointers):
        dtype = np.dtype(dtype)
        if isinstance(op, Body):
            body, self.heavy = op, True
        else:
            entry = catalog.get(op)
            if not entry.supports(dtype):
                raise TypeError(f"op {op} is not defined for {dtype}")
            body, self.heavy = entry.body(dtype, "cuda"), entry.heavy
        values = operand_dtypes(op, dtype, len(pointers))
        if len(pointers) != len(values):
            raise TypeError(f"{body.name} takes {len(values)} operands, got "
                            f"{len(pointers)}")
        outs = (out_dtypes,) if isinstance(out_dtypes, (str, np.dtype, type)) else out_dtypes
        self.outs = tuple(from_dtype(np.dtype(d)) for d in outs)
        self.values = tuple(from_dtype(d) for d in values)
        self.pointers = tuple(bool(p) for p in pointers)
        self.argtypes = [types.CPointer(t) for t in self.outs] + [
            types.CPointer(t) if p else t for t, p in zip(self.values, self.pointers)]
        self.op = device(prepare(body.fn, dtype, MATH))
        mask = "".join("p" if p else "s" for p in self.pointers)
        outs_name = "-".join(str(t) for t in self.outs)
        self.label = f"{body.key}.{dtype}.{outs_name}.{mask}"
        self.ins = [f"x{i}" for i in range(len(self.pointers))]
        self.outs_names = [f"o{j}" for j in range(len(self.outs))]

    def namespace(self, **constants):
        """The globals of the generated kernel source."""
        ns = dict(cuda=cuda, load=load, store=store, vload=vload, vstore=vstore, op=self.op)
        ns.update({f"T{i}": t for i, t in enumerate(self.values)})
        ns.update({f"C{j}": t for j, t in enumerate(self.outs)})
        ns.update(constants)
        return ns

    def results(self, call, targets, pad):
        """Lines that evaluate `call` and store each result, cast, through targets[j](v)."""
        if len(self.outs) == 1:
            return [f"{pad}{targets[0](f'C0({call})')}"]
        lines = [f"{pad}res = {call}"]
        lines += [f"{pad}{target(f'C{j}(res[{j}])')}" for j, target in enumerate(targets)]
        return lines


def _build(text, name, ns):
    """The function `kernel` defined by `text` in namespace ns."""
    code = compile(text, f"<tensorrt_mini kernel {name}>", "exec")
    exec(code, ns)
    return ns["kernel"]


def contiguous(op, dtype, out_dtypes, pointers, width):
    spec = _Spec(op, dtype, out_dtypes, pointers)
    span = UNROLL * width
    params = spec.outs_names + spec.ins + ["n"]
    vec = [x for x, p in zip(spec.ins, spec.pointers) if p]
    lines = [f"def kernel({', '.join(params)}):"]
    lines += [f"    v{x} = cuda.local.array(SPAN, T{x[1:]})" for x in vec]
    lines += [f"    r{o} = cuda.local.array(SPAN, C{o[1:]})" for o in spec.outs_names]
    lines += ["    t = cuda.threadIdx.x",
              "    start = cuda.blockIdx.x * TILE",
              "    while start + TILE <= n:",
              # all loads first: an output may alias an input, so the compiler could not
              # hoist them
              "        for u in range(UNROLL):",
              "            i = start + (u * THREADS + t) * WIDTH"]
    lines += [f"            vload(v{x}, u * WIDTH, {x}, i, WIDTH)" for x in vec]
    if not vec:
        lines.append("            pass")
    lines.append("        for k in range(SPAN):")
    call = f"op({', '.join(f'v{x}[k]' if p else x for x, p in zip(spec.ins, spec.pointers))})"
    lines += spec.results(call, [lambda v, o=o: f"r{o}[k] = {v}" for o in spec.outs_names],
                          " " * 12)
    lines.append("        for u in range(UNROLL):")
    lines += [f"            vstore({o}, start + (u * THREADS + t) * WIDTH, r{o}, u * WIDTH, "
              "WIDTH)" for o in spec.outs_names]
    lines += ["        start += cuda.gridDim.x * TILE",
              # the partial last tile
              "    for i in range(start + t, min(start + TILE, n), THREADS):"]
    call = f"op({', '.join(f'load({x}, i)' for x in spec.ins)})"
    lines += spec.results(call, [lambda v, o=o: f"store({o}, i, {v})" for o in spec.outs_names],
                          " " * 8)
    name = f"ew.contig.{spec.label}.w{width}.t{THREADS}x{UNROLL}"
    ns = spec.namespace(SPAN=span, TILE=THREADS * span, UNROLL=UNROLL, THREADS=THREADS,
                        WIDTH=width)
    fn = _build("\n".join(lines) + "\n", name, ns)
    return Kernel(name, fn, spec.argtypes + [_INT64], THREADS)


def strided(op, dtype, out_dtypes, pointers):
    spec = _Spec(op, dtype, out_dtypes, pointers)
    walk = spec.outs_names + [x for x, p in zip(spec.ins, spec.pointers) if p]
    params = spec.outs_names + spec.ins + ["n", "meta", "ndim"]
    lines = [f"def kernel({', '.join(params)}):",
             "    i = cuda.blockIdx.x * THREADS + cuda.threadIdx.x",
             "    step = cuda.gridDim.x * THREADS",
             "    while i < n:",
             # unravel i over the collapsed dims, innermost first; dim 0 takes the rest
             "        rem = i"]
    lines += [f"        p{w} = 0" for w in walk]
    lines += ["        for d in range(ndim - 1, 0, -1):",
              "            size = meta[d]",
              "            q = rem // size",
              "            k = rem - q * size",
              "            rem = q"]
    lines += [f"            p{w} += k * meta[{j + 1} * ndim + d]" for j, w in enumerate(walk)]
    lines += [f"        p{w} += rem * meta[{j + 1} * ndim]" for j, w in enumerate(walk)]
    call = f"op({', '.join(f'load({x}, p{x})' if p else x for x, p in zip(spec.ins, spec.pointers))})"
    lines += spec.results(call, [lambda v, o=o: f"store({o}, p{o}, {v})"
                                 for o in spec.outs_names], " " * 8)
    lines.append("        i += step")
    name = f"ew.strided.{spec.label}.t{THREADS}"
    fn = _build("\n".join(lines) + "\n", name, spec.namespace(THREADS=THREADS))
    return Kernel(name, fn, spec.argtypes + [_INT64, _META, _INT64], THREADS)


def tiled(op, dtype, out_dtypes, pointers, transposed):
    spec = _Spec(op, dtype, out_dtypes, pointers)
    # only pointers can be staged
    staged = [bool(f) and p for f, p in zip(transposed, spec.pointers)]
    tensors = [x for x, p in zip(spec.ins, spec.pointers) if p]
    walk = spec.outs_names + tensors
    strides = [f"{w}{s}" for w in walk for s in ("z", "0", "1")]
    params = spec.outs_names + spec.ins + ["nb", "n0", "n1"] + strides
    lines = [f"def kernel({', '.join(params)}):"]
    for x, p, s in zip(spec.ins, spec.pointers, staged):
        if s:  # the extra column keeps column reads free of bank conflicts
            lines.append(f"    s{x} = cuda.shared.array(SHAPE, T{x[1:]})")
        elif p:
            # the direct operands' elements this thread combines, read before the barrier
            # with the staged ones, so both sets of loads are in flight at once (read after
            # it, a + b.t() ran at 0.90 of torch's time against b.t().contiguous()'s 0.43)
            lines.append(f"    d{x} = cuda.local.array(STEPS, T{x[1:]})")
    lines += ["    tx, ty = cuda.threadIdx.x, cuda.threadIdx.y",
              "    r0 = cuda.blockIdx.y * TILE",
              "    q0 = cuda.blockIdx.x * TILE",
              "    z = cuda.blockIdx.z",
              "    while z < nb:",
              "        for j in range(STEPS):",
              "            k = j * ROWS",
              # staged (transposed) operands: consecutive threads walk their dim 0
              "            r = r0 + tx",
              "            q = q0 + ty + k",
              "            if r < n0 and q < n1:"]
    staged_x = [x for x, s in zip(spec.ins, staged) if s]
    direct_x = [x for x, p, s in zip(spec.ins, spec.pointers, staged) if p and not s]
    lines += [f"                s{x}[ty + k, tx] = load({x}, z * {x}z + r * {x}0 + q * {x}1)"
              for x in staged_x] or ["                pass"]
    lines += ["            r = r0 + ty + k",
              "            q = q0 + tx",
              "            if r < n0 and q < n1:"]
    lines += [f"                d{x}[j] = load({x}, z * {x}z + r * {x}0 + q * {x}1)"
              for x in direct_x] or ["                pass"]
    lines += ["        cuda.syncthreads()",
              "        q = q0 + tx",
              "        for j in range(STEPS):",
              "            k = j * ROWS",
              "            r = r0 + ty + k",
              "            if r < n0 and q < n1:"]
    args = [f"s{x}[tx, ty + k]" if s else f"d{x}[j]" if p else x
            for x, p, s in zip(spec.ins, spec.pointers, staged)]
    lines += spec.results(f"op({', '.join(args)})",
                          [lambda v, o=o: f"store({o}, z * {o}z + r * {o}0 + q * {o}1, {v})"
                           for o in spec.outs_names], " " * 16)
    lines += ["        cuda.syncthreads()",  # the next batch overwrites the tiles
              "        z += cuda.gridDim.z"]
    flags = "".join("t" if s else "d" for s in staged)
    min_blocks = tiled_blocks(spec.heavy, spec.argtypes[len(spec.outs):])
    name = f"ew.tiled.{spec.label}.{flags}.{TILE}x{TILE_ROWS}.b{min_blocks}"
    ns = spec.namespace(SHAPE=(TILE, TILE + 1), STEPS=TILE // TILE_ROWS, ROWS=TILE_ROWS,
                        TILE=TILE)
    fn = _build("\n".join(lines) + "\n", name, ns)
    return Kernel(name, fn, spec.argtypes + [_INT64] * (3 + len(strides)), TILE * TILE_ROWS,
                  min_blocks)


def tiled_blocks(heavy, input_types):
    """Blocks of a tiled kernel whose registers an SM must fit (its launch bounds), or None:
    `heavy` for bodies that run long instruction sequences, and the kernel's input argument
    types. H100, 8192², ratio to torch's time, capped at 6 / 8 / none: fp32 transposed copy
    0.54 / 0.47 / 0.47, fp32 a + b.t() 0.65 / 0.57 / 0.59, fp64 a + b.t() 0.77 / 0.74 (8
    bytes spilled) / 0.73 (bench/results/tiled-sweep-*)."""
    if heavy:
        return TILED_BLOCKS_HEAVY
    words = sum(-(-np.dtype(str(t.dtype)).itemsize // 4)
                for t in input_types if isinstance(t, types.CPointer))
    return TILED_BLOCKS if words <= 2 else TILED_BLOCKS_WIDE
