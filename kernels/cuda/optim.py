"""Fused optimizer updates, one pass over a parameter: the same per-element math as the
CPU kernels (float64 scalars and arithmetic, stored in the parameter's dtype).

All buffers are dense and of the parameter's dtype; flags are int64 0/1.
- `sgd`   args: (p, g, buf, n, lr, weight_decay, momentum, dampening, nesterov, maximize,
          first); buf is unused (pass p) when momentum is 0.
- `adam`  args: (p, g, m, v, vmax, n, lr, beta1, beta2, eps, weight_decay, step_size,
          bc2_sqrt, amsgrad, maximize, decoupled); vmax is unused (pass v) unless amsgrad.
grid: blocks(n, THREADS)   block: THREADS
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from . import fmath as fm
from .compiler import Kernel, cuda
from .geometry import THREADS

DTYPES = (np.dtype("float32"), np.dtype("float64"))
_F, _I = types.float64, types.int64


def _pointer(dtype):
    dtype = np.dtype(dtype)
    if dtype not in DTYPES:
        raise TypeError(f"optimizer steps need a floating parameter, got {dtype}")
    return types.CPointer(from_dtype(dtype))


def sgd(dtype):
    p_t, threads = _pointer(dtype), THREADS
    one = np.float64(1)

    def kernel(p, g, buf, n, lr, weight_decay, momentum, dampening, nesterov, maximize, first):
        i = cuda.blockIdx.x * threads + cuda.threadIdx.x
        while i < n:
            d = _F(g[i])
            if maximize:
                d = -d
            if weight_decay != 0:
                d += weight_decay * _F(p[i])
            if momentum != 0:
                b = d if first else momentum * _F(buf[i]) + (one - dampening) * d
                buf[i] = b
                d = d + momentum * b if nesterov else b
            p[i] = _F(p[i]) - lr * d
            i += cuda.gridDim.x * threads

    return Kernel(f"optim.sgd.{np.dtype(dtype)}.t{threads}", kernel,
                  (p_t, p_t, p_t, _I, _F, _F, _F, _F, _I, _I, _I), threads)


def adam(dtype):
    p_t, threads = _pointer(dtype), THREADS
    one = np.float64(1)

    def kernel(p, g, m, v, vmax, n, lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt,
               amsgrad, maximize, decoupled):
        i = cuda.blockIdx.x * threads + cuda.threadIdx.x
        while i < n:
            d = _F(g[i])
            if maximize:
                d = -d
            w = _F(p[i])
            if weight_decay != 0:
                if decoupled:  # AdamW shrinks the weight itself
                    w = w * (one - lr * weight_decay)
                else:
                    d += weight_decay * w
            mi = _F(m[i]) + (one - beta1) * (d - _F(m[i]))
            vi = beta2 * _F(v[i]) + (one - beta2) * d * d
            m[i] = mi
            v[i] = vi
            if amsgrad:
                vi = max(_F(vmax[i]), vi)
                vmax[i] = vi
            p[i] = w - step_size * mi / (fm.sqrt(vi) / bc2_sqrt + eps)
            i += cuda.gridDim.x * threads

    return Kernel(f"optim.adam.{np.dtype(dtype)}.t{threads}", kernel,
                  (p_t, p_t, p_t, p_t, p_t, _I, _F, _F, _F, _F, _F, _F, _F, _I, _I, _I), threads)
