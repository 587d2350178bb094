"""Elementwise CPU kernels generated for one scalar body and one operand pattern.

One generator serves every elementwise op, the library's and the user's
(`tm.elementwise`): out_0, ..., out_m = body(x_0, ..., x_n), where each x_i is a tensor
operand (a flat buffer plus offset and strides) or a scalar (`pattern` says which, one
letter each: "t" or "s"). A body that returns a tuple fills several outputs.

Each kernel comes in the layout variants the caller picks once per layout:
- ``contig``: every operand walks the same contiguous run (1-D arrays sliced from 0);
- ``strided``: an odometer over the outer dims and a tight inner loop over the last one;
- ``tiled_par``: when an input's fastest dim is not the output's (``a + b.T``), tiles
  keep both access patterns in cache (large tensors only, so parallel only);
and ``contig_par`` and ``strided_par`` for large tensors, so small calls never wake the
thread pool; ``contig_vec``, serial with the parallel variants' vectorised math (see
``uses_vector_math``), for mid-sized float32 runs. ``contig_io`` and ``contig_par_io`` serve an in-place op whose first operand
is its output (``a.add_(b)``): they read that operand through the output. Given one
array twice, LLVM's runtime alias check sees the overlap and runs its scalar loop
(a.add_(b) at 2^14 elements: 6.7 us, against 1.9 us reading through the output).

The source is a generated module (kernels.cpu.generated), so Numba's on-disk cache keeps
the compiled code between processes. Index arithmetic is unsigned (``np.uint64``): with
signed computed indices Numba emits negative-index wrap checks and stops vectorising (4-5x
slower).
"""
import numba as nb
import numpy as np
from numba.extending import register_jitable

from ..scalar import prepare
from . import generated
from .scalar_math import LIBM, MATH, VECTORISED

# A tile is one 64-byte line of fp32 output wide: each output row is written as one whole
# line while the transposed input is read as 16 sequential streams. At 4096² fp32 this ran
# a transposed copy in 0.46x torch's time, 64 x 64 tiles in 0.97x (32-wide ones no better).
TILE_ROWS = 128
TILE_COLS = 16
CHUNK = 16384  # elements per parallel work item in the contiguous variants
VARIANTS = ("contig", "contig_par", "strided", "strided_par", "tiled_par", "contig_io",
            "contig_par_io", "contig_vec", "contig_vec_io")
# From this many elements a serial contiguous float32 run takes `contig_vec` when its body
# calls a function that MATH vectorises: at 2^14 elements sigmoid ran 51.7 us with libm's
# exp against 16.3 for torch. Below it, libm's kernels (0.1 s to compile against 1.5-5 s
# for the vectorised ones, which tests of small tensors would pay for every op).
VEC_MIN = 4096

_modules = {}  # (body, dtypes, pattern, outputs) -> module


def kernels(body, dtypes, pattern, n_out):
    """The module of layout variants (VARIANTS) computing `body` (a scalar.Body) on
    operands of `dtypes` (its literals take the last's: a where's condition comes first),
    one letter of `pattern` each, into `n_out` outputs. Imported once per process; Numba
    compiles each variant on its first call for a signature, or loads it from its disk
    cache."""
    key = (body, tuple(dtypes), pattern, n_out)
    module = _modules.get(key)
    if module is None:
        module = _modules[key] = _module(body, tuple(np.dtype(d) for d in dtypes), pattern,
                                         n_out)
    return module


def _module(body, dtypes, pattern, n_out):
    names = [d.name for d in dtypes]
    stem = generated.stem("ew", body.key, *names, pattern, n_out, _GENERATOR_ID)
    return generated.load(stem, lambda: source(pattern, n_out), lambda: dict(
        body=register_jitable(inline="always")(prepare(body.fn, dtypes[-1], LIBM)),
        body_par=register_jitable(inline="always")(prepare(body.fn, dtypes[-1], MATH)),
        row_start=_row_start, tile_count=_tile_count, tile_origin=_tile_origin))


def uses_vector_math(body, dtype):
    """Whether `body` on `dtype` computes differently under MATH than under LIBM: a float32
    body that calls one of the functions MATH vectorises by name (math.exp(x), ...)."""
    return np.dtype(dtype) == np.float32 and not VECTORISED.isdisjoint(body.fn.__code__.co_names)


def contiguous_entry(module, parallel, dtypes, io=False):
    """The compiled entry point of module.contig (or contig_par) for writable, aligned 1-D
    C-contiguous arrays of `dtypes`, one per argument: calling it skips Numba's type
    dispatch, and with it every check, so pass only 1-D C-contiguous arrays of those
    dtypes. Read-only inputs are fine (the flag only restricts what compiles), and so are
    misaligned ones (``from_numpy`` of an offset buffer): the code assumes only the element
    alignment, and x86-64 and arm64 loads do not trap on less. io: the in-place variant,
    whose dtypes then leave out the first operand's."""
    kernel = getattr(module, ("contig_par" if parallel else "contig") + ("_io" if io else ""))
    sig = tuple(nb.types.Array(nb.from_dtype(np.dtype(d)), 1, "C") for d in dtypes)
    return kernel.compile(sig)  # compiles, or loads the disk cache


# --- source ---------------------------------------------------------------------------

_HEADER = '''"""Generated by tensorrt_mini.kernels.cpu.elementwise; `body`, `body_par`, `row_start`,
`tile_count` and `tile_origin` are set by the loader."""
import numba as nb
import numpy as np

CHUNK = {chunk}
TILE_ROWS = {tile_rows}
TILE_COLS = {tile_cols}
'''
# fastmath "contract" fuses a multiply and an add into one FMA (one rounding instead of
# two, as torch.compile's code does); nothing else of fastmath: NaN, infinities and signed
# zeros keep IEEE semantics. Polynomial bodies (kernels.cpu.scalar_math) ran 1.3-1.7x
# faster with it.
_JIT = "@nb.njit(cache=True, error_model='numpy', nogil=True, fastmath={{'contract'}}{par})"


def source(pattern, n_out):
    """The Python source of the layout variants for operands `pattern` and n_out outputs."""
    ins = [f"x{i}" for i in range(len(pattern))]
    tensors = [x for x, p in zip(ins, pattern) if p == "t"]
    outs = [f"o{j}" for j in range(n_out)]
    parts = [_HEADER.format(chunk=CHUNK, tile_rows=TILE_ROWS, tile_cols=TILE_COLS)]
    parts.append(_contig(ins, pattern, outs))
    parts.append(_contig_par(ins, pattern, outs))
    parts.append(_contig(ins, pattern, outs, vec=True))
    if pattern[0] == "t":
        parts.append(_contig(ins, pattern, outs, io=True))
        parts.append(_contig_par(ins, pattern, outs, io=True))
        parts.append(_contig(ins, pattern, outs, io=True, vec=True))
    parts.append(_strided(ins, pattern, tensors, outs))
    parts.append(_strided_par(ins, pattern, tensors, outs))
    parts.append(_tiled_par(ins, pattern, tensors, outs))
    return "\n\n".join(parts) + "\n"


def _apply(args, outs, at, indent, body="body"):
    """Lines computing `body` on `args` and storing into outs at index expressions `at`
    (`body_par`, the vectorised math's, in the parallel variants)."""
    pad = " " * indent
    call = f"{body}({', '.join(args)})"
    if len(outs) == 1:
        return [f"{pad}{outs[0]}[{at[0]}] = {call}"]
    lines = [f"{pad}res_ = {call}"]  # (r is the row index of the variants that have rows)
    lines += [f"{pad}{o}[{a}] = res_[{j}]" for j, (o, a) in enumerate(zip(outs, at))]
    return lines


def _def(name, params, par=False):
    return [_JIT.format(par=", parallel=True" if par else ""),
            f"def {name}({', '.join(params)}):"]


def _contig(ins, pattern, outs, io=False, vec=False):
    name = "contig" + ("_vec" if vec else "") + ("_io" if io else "")
    lines = _def(name, ins[io:] + outs)
    lines.append(f"    for i in range({outs[0]}.shape[0]):")
    args = [f"{x}[i]" if p == "t" else x for x, p in zip(ins, pattern)]
    if io:
        args[0] = f"{outs[0]}[i]"
    lines += _apply(args, outs, ["i"] * len(outs), 8, "body_par" if vec else "body")
    return "\n".join(lines)


def _contig_par(ins, pattern, outs, io=False):
    lines = _def("contig_par_io" if io else "contig_par", ins[io:] + outs, par=True)
    lines += [f"    n = {outs[0]}.shape[0]",
              "    for c in nb.prange((n + CHUNK - 1) // CHUNK):",
              "        lo = c * CHUNK",
              "        hi = min(lo + CHUNK, n)"]
    # slices from 0: the inner loop's indices are then plain and vectorise
    lines += [f"        {x}s = {x}[lo:hi]" for x, p in zip(ins[io:], pattern[io:]) if p == "t"]
    lines += [f"        {o}s = {o}[lo:hi]" for o in outs]
    lines.append("        for i in range(hi - lo):")
    args = [f"{x}s[i]" if p == "t" else x for x, p in zip(ins, pattern)]
    if io:
        args[0] = f"{outs[0]}s[i]"
    lines += _apply(args, [f"{o}s" for o in outs], ["i"] * len(outs), 12, "body_par")
    return "\n".join(lines)


def _strided_params(ins, pattern, outs):
    params = []
    for x, p in zip(ins, pattern):
        params += [x, f"{x}o", f"{x}st"] if p == "t" else [x]
    for o in outs:
        params += [o, f"{o}o", f"{o}st"]
    return params + ["shape"]


def _rows(walk):
    """The strided variants' first lines: the inner run's length and each operand's step
    along it (`<t>l`), and the number of rows (`outer`) over the other dims."""
    lines = ["    nd = shape.shape[0]",
             "    last = nd - 1",
             "    n = np.uint64(shape[last])"]
    lines += [f"    {t}l = np.uint64({t}st[last])" for t in walk]
    return lines + ["    outer = 1",
                    "    for d in range(last):",
                    "        outer *= shape[d]"]


def _strided(ins, pattern, tensors, outs):
    walk = tensors + outs
    lines = _def("strided", _strided_params(ins, pattern, outs)) + _rows(walk)
    lines.append("    idx = np.zeros(nd, np.int64)")
    lines += [f"    {t}p = np.uint64({t}o)" for t in walk]
    lines.append("    for _ in range(outer):")
    lines.append("        for i in range(n):")
    args = [f"{x}[{x}p + i * {x}l]" if p == "t" else x for x, p in zip(ins, pattern)]
    lines += _apply(args, outs, [f"{o}p + i * {o}l" for o in outs], 12)
    lines += ["        d = last - 1",
              "        while d >= 0:",
              "            idx[d] += 1"]
    lines += [f"            {t}p += np.uint64({t}st[d])" for t in walk]
    lines += ["            if idx[d] < shape[d]:",
              "                break"]
    lines += [f"            {t}p -= np.uint64({t}st[d] * shape[d])" for t in walk]
    lines += ["            idx[d] = 0",
              "            d -= 1"]
    return "\n".join(lines)


def _strided_par(ins, pattern, tensors, outs):
    walk = tensors + outs
    lines = _def("strided_par", _strided_params(ins, pattern, outs), par=True) + _rows(walk)
    lines.append("    for r in nb.prange(outer):")
    lines += [f"        {t}p = row_start(r, shape, {t}st, {t}o)" for t in walk]
    lines.append("        for i in range(n):")
    args = [f"{x}[{x}p + i * {x}l]" if p == "t" else x for x, p in zip(ins, pattern)]
    lines += _apply(args, outs, [f"{o}p + i * {o}l" for o in outs], 12, "body_par")
    return "\n".join(lines)


def _tiled_par(ins, pattern, tensors, outs):
    walk = tensors + outs
    lines = _def("tiled_par", _strided_params(ins, pattern, outs), par=True)
    lines.append("    nd = shape.shape[0]")
    for t in walk:
        lines += [f"    {t}r = np.uint64({t}st[nd - 2])", f"    {t}c = np.uint64({t}st[nd - 1])"]
    lines.append("    for t in nb.prange(tile_count(shape)):")
    for k, t in enumerate(walk):
        extent = "nr, nc" if k == 0 else "_, _"
        lines += [f"        {t}q, {extent} = tile_origin(shape, {t}st, t)",
                  f"        {t}b = np.uint64({t}o + {t}q)"]
    lines.append("        for r in range(np.uint64(nr)):")
    lines += [f"            {t}w = {t}b + r * {t}r" for t in walk]
    lines.append("            for c in range(np.uint64(nc)):")
    args = [f"{x}[{x}w + c * {x}c]" if p == "t" else x for x, p in zip(ins, pattern)]
    lines += _apply(args, outs, [f"{o}w + c * {o}c" for o in outs], 16, "body_par")
    return "\n".join(lines)


# --- helpers the generated kernels call ------------------------------------------------

@register_jitable
def _row_start(r, shape, strides, offset):
    """Storage position of row r (an index over all dims but the last) of one operand."""
    pos = offset
    for d in range(shape.shape[0] - 2, -1, -1):
        pos += (r % shape[d]) * strides[d]
        r //= shape[d]
    return np.uint64(pos)


# The caller orders dims so that the output is fastest along the last dim and the
# transposed input along the one before it; tiles are TILE_ROWS x TILE_COLS over those
# two dims, numbered over (outer dims, tile row, tile col) so workers can take any tile.

@register_jitable
def _tile_count(shape):
    nd = shape.shape[0]
    rows = (shape[nd - 2] + TILE_ROWS - 1) // TILE_ROWS
    cols = (shape[nd - 1] + TILE_COLS - 1) // TILE_COLS
    outer = 1
    for d in range(nd - 2):
        outer *= shape[d]
    return outer * rows * cols


@register_jitable
def _tile_origin(shape, strides, t):
    """Storage position of tile t's (0, 0) element for one operand, and its extent."""
    nd = shape.shape[0]
    rows = (shape[nd - 2] + TILE_ROWS - 1) // TILE_ROWS
    cols = (shape[nd - 1] + TILE_COLS - 1) // TILE_COLS
    tc = t % cols
    tr = (t // cols) % rows
    rem = t // (cols * rows)
    pos = 0
    for d in range(nd - 3, -1, -1):
        k = rem % shape[d]
        rem //= shape[d]
        pos += k * strides[d]
    r0 = tr * TILE_ROWS
    c0 = tc * TILE_COLS
    pos += r0 * strides[nd - 2] + c0 * strides[nd - 1]
    return pos, min(TILE_ROWS, shape[nd - 2] - r0), min(TILE_COLS, shape[nd - 1] - c0)


_GENERATOR_ID = generated.source_id(
    "cpu/elementwise.py", "cpu/scalar_math.py", "scalar.py", "catalog.py")
