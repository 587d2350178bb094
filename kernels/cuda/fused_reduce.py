"""User reduction kernels on the GPU (tm.reduction), generated for one set of bodies.

out[m] = post(fold(combine, identity, map(x_0[m, k], ..., x_n[m, k]) for k)) over 2-D
operands of any strides (x_i[m, k] at m * rows_i + k * cols_i). A block takes one m at a
time (striding over the grid): its threads fold k in steps of REDUCE_THREADS, then
combine their states in a shared-memory tree, one shared array per state component (a
state may be a tuple of numbers, as logsumexp's running max and sum).

    args: (out, *inputs, M, K, *(rows_i, cols_i), *identity)
    grid: (min(M, GRID_X),)   block: REDUCE_THREADS
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from ..scalar import prepare
from .compiler import Kernel, cuda, device
from .fmath import MATH
from .geometry import REDUCE_THREADS
from .intrinsics import load, store

_INT64 = types.int64


def kernel(map_body, combine_body, post_body, dtype, out_dtype, state_dtypes, n_in):
    """The Kernel for these scalar.Bodies (post_body may be None) computing in `dtype`
    over n_in pointer inputs of it, with a state of `state_dtypes` (one: a plain number)."""
    dtype = np.dtype(dtype)
    states = [from_dtype(np.dtype(d)) for d in state_dtypes]
    n_state = len(states)
    xs = [f"x{i}" for i in range(n_in)]
    strides = [f"{x}{s}" for x in xs for s in ("r", "c")]
    idents = [f"i{j}" for j in range(n_state)]
    shared = [f"sh{j}" for j in range(n_state)]

    def state(at):
        return shared[0] + at if n_state == 1 else \
            "(" + ", ".join(f"{sh}{at}" for sh in shared) + ",)"

    def unpack(value):
        return [f"{shared[0]}[t] = {value}"] if n_state == 1 else [
            f"{sh}[t] = {value}[{j}]" for j, sh in enumerate(shared)]

    loads = ", ".join(f"load({x}, m * {x}r + k * {x}c)" for x in xs)
    lines = [f"def kernel(out, {', '.join(xs)}, M, K, {', '.join(strides)}, {', '.join(idents)}):"]
    lines += [f"    {sh} = cuda.shared.array(THREADS, S{j})" for j, sh in enumerate(shared)]
    lines += ["    t = cuda.threadIdx.x",
              "    m = cuda.blockIdx.x",
              "    while m < M:",
              "        acc = " + (idents[0] if n_state == 1 else "(" + ", ".join(idents) + ",)"),
              "        k = t",
              "        while k < K:",
              f"            acc = combine(acc, mapf({loads}))",
              "            k += THREADS"]
    lines += ["        " + line for line in unpack("acc")]
    lines += ["        cuda.syncthreads()",
              "        step = THREADS // 2",
              "        while step > 0:",
              "            if t < step:",
              f"                r = combine({state('[t]')}, {state('[t + step]')})"]
    lines += ["                " + line for line in unpack("r")]
    lines += ["            cuda.syncthreads()",
              "            step //= 2",
              "        if t == 0:",
              f"            store(out, m, C(post({state('[0]')})))",
              "        cuda.syncthreads()",  # the next row reuses the shared arrays
              "        m += cuda.gridDim.x"]
    ns = dict(cuda=cuda, load=load, store=store, THREADS=REDUCE_THREADS,
              C=from_dtype(np.dtype(out_dtype)),
              mapf=device(prepare(map_body.fn, dtype, MATH)),
              combine=device(prepare(combine_body.fn, dtype, MATH)),
              post=device(prepare(post_body.fn, dtype, MATH)) if post_body else
              device(_identity))
    ns.update({f"S{j}": s for j, s in enumerate(states)})
    name = (f"red.{map_body.key}.{combine_body.key}.{post_body.key if post_body else '-'}."
            f"{dtype}.{np.dtype(out_dtype)}.{'-'.join(map(str, states))}.n{n_in}"
            f".t{REDUCE_THREADS}")
    exec(compile("\n".join(lines) + "\n", f"<tensorrt_mini kernel {name}>", "exec"), ns)
    argtypes = ([types.CPointer(from_dtype(np.dtype(out_dtype)))]
                + [types.CPointer(from_dtype(dtype))] * n_in + [_INT64, _INT64]
                + [_INT64] * (2 * n_in) + states)
    return Kernel(name, ns["kernel"], argtypes, REDUCE_THREADS)


def _identity(state):
    return state
