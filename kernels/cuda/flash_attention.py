"""Fused attention (FlashAttention-2's scheme) for q (BH, L, E), k (BH, S, E), v (BH, S, Ev),
all C-contiguous: softmax(scale * q @ k^T) @ v without the L x S score matrix in memory.

`dtype` is "float32", "float16" or "bfloat16" (stored as uint16 bits; converted by hand,
rounding to nearest even); everything accumulates in float32, and lse and delta are float32.
The head dims E and Ev are baked into each kernel, so its per-thread rows are fixed-size
arrays that the compiler can keep in registers, and `block_m` / `block_n` (the query and
key rows per tile) are parameters: the simulator's tests use tiny tiles, the GPU 64.
Causal masking is top-left aligned (query i sees keys j <= i, as torch's is_causal), and
tiles wholly above the diagonal are never loaded.

- `forward`  args: (out, lse, q, k, v, L, S, scale, causal): a block of block_m threads
             owns query rows m0.. of one head, a thread one row (its scaled q, its Ev
             accumulators, running max and sum); the block stages block_n rows of k and v
             at a time in shared memory. out (BH, L, Ev); lse (BH, L) = log sum exp of the
             row's scaled scores (natural log).
             grid: (ceil(L / block_m), BH)   block: block_m
- `delta`    args: (delta, out, dout, rows): delta[r] = sum(dout[r] * out[r]), r < rows =
             BH * L.   grid: (ceil(rows / block_m),)   block: block_m
- `dkdv`     args: (dk, dv, q, k, v, dout, lse, delta, L, S, scale, causal): a thread owns
             key row j (its k, v, dk, dv); the block stages block_m rows of q, dout, lse
             and delta at a time and recomputes p = exp(s - lse), ds = p * (dp - delta).
             grid: (ceil(S / block_n), BH)   block: block_n
- `dq`       args: (dq, q, k, v, dout, lse, delta, L, S, scale, causal): a thread owns query
             row i, as in forward.   grid: (ceil(L / block_m), BH)   block: block_m

Shared memory per block: forward and dq 4 * block_n * (E + Ev) bytes, dkdv 4 * block_m *
(E + Ev + 2).
"""
import functools

import numpy as np
from numba import types

from . import fmath
from .compiler import SIMULATOR, Kernel, cuda, device
from .intrinsics import bitcast

DTYPES = ("float32", "float16", "bfloat16")
MAX_HEAD_DIM = 128
_F, _I = types.float32, types.int64
_F_PTR = types.CPointer(_F)
_STORED = {"float32": types.float32, "float16": types.float16, "bfloat16": types.uint16}
_ZERO = np.float32(0)
_NEG_INF = np.float32(-np.inf)
_U32_ZERO = np.uint32(0)


def tiles(e, ev):
    """The (query rows, key rows) per tile to build for head dims e and ev: 64 and 64, or
    32 and 32 where e + ev > 128, so that a staged tile (float32 rows of k and v, or of q and
    dout) takes at most 32 KiB of shared memory, under the 48 KiB a block gets without
    opting in. The simulator's are tiny (a simulated thread costs ~130 us), so small test
    tensors still span several tiles."""
    if SIMULATOR:
        return (4, 4)
    return (64, 64) if e + ev <= 128 else (32, 32)


@device
def _f32(x):
    return _F(x)


@device
def _bf16_to_f32(bits):
    return bitcast(types.uint32(types.uint32(bits) << types.uint32(16)), _ZERO)


@device
def _as_f32(x):
    return x


@device
def _as_f16(x):
    return types.float16(x)


@device
def _as_bf16(x):
    # round to nearest even on the bits (the 0x7fff plus the kept part's last bit); a nan
    # keeps a quiet nan (rounding could carry its payload into the exponent: infinity)
    if x != x:
        return types.uint16(0x7FC0)
    bits = types.int64(bitcast(x, _U32_ZERO))
    return types.uint16((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)


@functools.cache
def _stager(load):
    """The device function that stages rows of x in shared memory, converting by `load`."""

    @device
    def stage(tile, x, base, n0, n, width, rows, t, threads):
        """tile[r * width + c] = x[(base + n0 + r) * width + c] for the tile's rows r < rows
        (zeros past row n), by all the block's threads."""
        idx = t
        while idx < rows * width:
            r = idx // width
            j = n0 + r
            tile[idx] = load(x[(base + j) * width + idx - r * width]) if j < n else _ZERO
            idx += threads
    return stage


_LOAD = {"float32": _f32, "float16": _f32, "bfloat16": _bf16_to_f32}
_STORE = {"float32": _as_f32, "float16": _as_f16, "bfloat16": _as_bf16}


def _types(dtype):
    if dtype not in DTYPES:
        raise TypeError(f"flash attention takes {', '.join(DTYPES)}, got {dtype}")
    load = _LOAD[dtype]
    return types.CPointer(_STORED[dtype]), load, _STORE[dtype], _stager(load)


def _check(e, ev, block_m, block_n):
    if not (0 < e <= MAX_HEAD_DIM and 0 < ev <= MAX_HEAD_DIM):
        raise ValueError(f"flash attention takes head dims 1 to {MAX_HEAD_DIM}, got {e}, {ev}")
    if block_m < 1 or block_n < 1:
        raise ValueError(f"tiles of {block_m} x {block_n} rows")


def forward(dtype, e, ev, block_m, block_n):
    x_t, load, store, stage = _types(dtype)
    _check(e, ev, block_m, block_n)
    threads = block_m
    k_tile, v_tile = block_n * e, block_n * ev  # (shared sizes must be constants)

    def kernel(out, lse, q, k, v, L, S, scale, causal):
        ks = cuda.shared.array(k_tile, _F)
        vs = cuda.shared.array(v_tile, _F)
        qi = cuda.local.array(e, _F)
        acc = cuda.local.array(ev, _F)
        sc = cuda.local.array(block_n, _F)
        t = cuda.threadIdx.x
        bh = cuda.blockIdx.y
        m0 = cuda.blockIdx.x * block_m
        i = m0 + t
        live = i < L
        row = bh * L + i
        for c in range(e):
            qi[c] = load(q[row * e + c]) * scale if live else _ZERO
        for c in range(ev):
            acc[c] = _ZERO
        m = _NEG_INF
        total = _ZERO
        stop = S
        if causal and m0 + block_m < S:  # the tiles past the block's last row are masked
            stop = m0 + block_m
        n0 = 0
        while n0 < stop:
            stage(ks, k, bh * S, n0, S, e, block_n, t, threads)
            stage(vs, v, bh * S, n0, S, ev, block_n, t, threads)
            cuda.syncthreads()
            if live:
                last = S - n0  # keys of this tile that row i may see
                if causal and i - n0 + 1 < last:
                    last = i - n0 + 1
                tile_max = _NEG_INF
                for r in range(block_n):
                    s = _NEG_INF
                    if r < last:
                        s = _ZERO
                        for c in range(e):
                            s += qi[c] * ks[r * e + c]
                    sc[r] = s
                    if s > tile_max:
                        tile_max = s
                if tile_max > m:  # rescale what was summed under the old max
                    correction = fmath.exp(m - tile_max)
                    total *= correction
                    for c in range(ev):
                        acc[c] *= correction
                    m = tile_max
                for r in range(block_n):
                    if r < last:
                        p = fmath.exp(sc[r] - m)
                        total += p
                        for c in range(ev):
                            acc[c] += p * vs[r * ev + c]
            cuda.syncthreads()  # the next tile overwrites ks and vs
            n0 += block_n
        if live:
            inv = _F(1) / total
            for c in range(ev):
                out[row * ev + c] = store(acc[c] * inv)
            lse[row] = m + fmath.log(total)

    return Kernel(f"flash_attention.forward.{dtype}.e{e}.ev{ev}.m{block_m}.n{block_n}", kernel,
                  (x_t, _F_PTR, x_t, x_t, x_t, _I, _I, _F, _I), threads)


def delta(dtype, ev, block_m):
    x_t, load, _, _ = _types(dtype)

    def kernel(out_delta, out, dout, rows):
        r = cuda.blockIdx.x * block_m + cuda.threadIdx.x
        if r < rows:
            s = _ZERO
            for c in range(ev):
                s += load(out[r * ev + c]) * load(dout[r * ev + c])
            out_delta[r] = s

    return Kernel(f"flash_attention.delta.{dtype}.ev{ev}.m{block_m}", kernel,
                  (_F_PTR, x_t, x_t, _I), block_m)


def dkdv(dtype, e, ev, block_m, block_n):
    x_t, load, store, stage = _types(dtype)
    _check(e, ev, block_m, block_n)
    threads = block_n
    q_tile, do_tile = block_m * e, block_m * ev

    def kernel(dk, dv, q, k, v, dout, lse, dlt, L, S, scale, causal):
        qs = cuda.shared.array(q_tile, _F)
        dos = cuda.shared.array(do_tile, _F)
        lses = cuda.shared.array(block_m, _F)
        deltas = cuda.shared.array(block_m, _F)
        kj = cuda.local.array(e, _F)
        vj = cuda.local.array(ev, _F)
        dkj = cuda.local.array(e, _F)
        dvj = cuda.local.array(ev, _F)
        t = cuda.threadIdx.x
        bh = cuda.blockIdx.y
        n0 = cuda.blockIdx.x * block_n
        j = n0 + t
        live = j < S
        row = bh * S + j
        for c in range(e):
            kj[c] = load(k[row * e + c]) * scale if live else _ZERO
            dkj[c] = _ZERO
        for c in range(ev):
            vj[c] = load(v[row * ev + c]) if live else _ZERO
            dvj[c] = _ZERO
        m0 = 0
        if causal:  # query tiles wholly before the block's first key see none of its keys
            m0 = (n0 // block_m) * block_m
        while m0 < L:
            stage(qs, q, bh * L, m0, L, e, block_m, t, threads)
            stage(dos, dout, bh * L, m0, L, ev, block_m, t, threads)
            idx = t
            while idx < block_m:
                i = m0 + idx
                lses[idx] = lse[bh * L + i] if i < L else _ZERO
                deltas[idx] = dlt[bh * L + i] if i < L else _ZERO
                idx += threads
            cuda.syncthreads()
            if live:
                for r in range(block_m):
                    i = m0 + r
                    if i < L and not (causal and i < j):
                        s = _ZERO
                        for c in range(e):
                            s += qs[r * e + c] * kj[c]
                        p = fmath.exp(s - lses[r])
                        dp = _ZERO
                        for c in range(ev):
                            dvj[c] += p * dos[r * ev + c]
                            dp += dos[r * ev + c] * vj[c]
                        ds = p * (dp - deltas[r])
                        for c in range(e):
                            dkj[c] += ds * qs[r * e + c]
            cuda.syncthreads()
            m0 += block_m
        if live:
            for c in range(e):
                dk[row * e + c] = store(dkj[c] * scale)
            for c in range(ev):
                dv[row * ev + c] = store(dvj[c])

    return Kernel(f"flash_attention.dkdv.{dtype}.e{e}.ev{ev}.m{block_m}.n{block_n}", kernel,
                  (x_t, x_t, x_t, x_t, x_t, x_t, _F_PTR, _F_PTR, _I, _I, _F, _I), threads)


def dq(dtype, e, ev, block_m, block_n):
    x_t, load, store, stage = _types(dtype)
    _check(e, ev, block_m, block_n)
    threads = block_m
    k_tile, v_tile = block_n * e, block_n * ev

    def kernel(dq, q, k, v, dout, lse, dlt, L, S, scale, causal):
        ks = cuda.shared.array(k_tile, _F)
        vs = cuda.shared.array(v_tile, _F)
        qi = cuda.local.array(e, _F)
        doi = cuda.local.array(ev, _F)
        dqi = cuda.local.array(e, _F)
        t = cuda.threadIdx.x
        bh = cuda.blockIdx.y
        m0 = cuda.blockIdx.x * block_m
        i = m0 + t
        live = i < L
        row = bh * L + i
        for c in range(e):
            qi[c] = load(q[row * e + c]) * scale if live else _ZERO
            dqi[c] = _ZERO
        for c in range(ev):
            doi[c] = load(dout[row * ev + c]) if live else _ZERO
        lse_i = lse[row] if live else _ZERO
        delta_i = dlt[row] if live else _ZERO
        stop = S
        if causal and m0 + block_m < S:
            stop = m0 + block_m
        n0 = 0
        while n0 < stop:
            stage(ks, k, bh * S, n0, S, e, block_n, t, threads)
            stage(vs, v, bh * S, n0, S, ev, block_n, t, threads)
            cuda.syncthreads()
            if live:
                last = S - n0
                if causal and i - n0 + 1 < last:
                    last = i - n0 + 1
                for r in range(block_n):
                    if r < last:
                        s = _ZERO
                        for c in range(e):
                            s += qi[c] * ks[r * e + c]
                        p = fmath.exp(s - lse_i)
                        dp = _ZERO
                        for c in range(ev):
                            dp += doi[c] * vs[r * ev + c]
                        ds = p * (dp - delta_i)
                        for c in range(e):
                            dqi[c] += ds * ks[r * e + c]
            cuda.syncthreads()
            n0 += block_n
        if live:
            for c in range(e):
                dq[row * e + c] = store(dqi[c] * scale)

    return Kernel(f"flash_attention.dq.{dtype}.e{e}.ev{ev}.m{block_m}.n{block_n}", kernel,
                  (x_t, x_t, x_t, x_t, x_t, _F_PTR, _F_PTR, _I, _I, _F, _I), threads)
