"""Fused optimizer updates: one pass over a parameter per step.

Each kernel reads and writes flat, contiguous 1-D buffers of one parameter (the param,
its gradient and its optimizer state) and does the whole per-element update in a single
loop, instead of the chain of small tensor ops the textbook formula spells out. Scalars
are float64; the math runs in float64 per element and is stored in the buffer's dtype.

Every kernel has a serial and a parallel twin: waking the thread pool costs more than a
small parameter's update (DESIGN.md).
"""
import math

import numba as nb
from numba.extending import register_jitable

CHUNK = 16384  # elements per parallel work item


def _jit(parallel=False):
    return nb.njit(cache=True, error_model="numpy", nogil=True, parallel=parallel)


@register_jitable(inline="always")
def _sgd_one(p, g, buf, i, lr, weight_decay, momentum, dampening, nesterov, maximize, first):
    d = -g[i] if maximize else g[i]
    if weight_decay != 0.0:
        d += weight_decay * p[i]
    if momentum != 0.0:
        if first:
            b = d
        else:
            b = momentum * buf[i] + (1.0 - dampening) * d
        buf[i] = b
        d = d + momentum * b if nesterov else b
    p[i] = p[i] - lr * d


@_jit()
def sgd(p, g, buf, lr, weight_decay, momentum, dampening, nesterov, maximize, first):
    for i in range(p.shape[0]):
        _sgd_one(p, g, buf, i, lr, weight_decay, momentum, dampening, nesterov, maximize, first)


@_jit(parallel=True)
def sgd_par(p, g, buf, lr, weight_decay, momentum, dampening, nesterov, maximize, first):
    n = p.shape[0]
    for c in nb.prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(c * CHUNK + CHUNK, n)):
            _sgd_one(p, g, buf, i, lr, weight_decay, momentum, dampening, nesterov, maximize,
                     first)


@register_jitable(inline="always")
def _adam_one(p, g, m, v, vmax, i, lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt,
              amsgrad, maximize, decoupled):
    d = -g[i] if maximize else g[i]
    w = p[i]
    if weight_decay != 0.0:
        if decoupled:  # AdamW shrinks the weight itself
            w = w * (1.0 - lr * weight_decay)
        else:
            d += weight_decay * w
    mi = m[i] + (1.0 - beta1) * (d - m[i])
    vi = beta2 * v[i] + (1.0 - beta2) * d * d
    m[i] = mi
    v[i] = vi
    if amsgrad:
        vi = max(vmax[i], vi)
        vmax[i] = vi
    p[i] = w - step_size * mi / (math.sqrt(vi) / bc2_sqrt + eps)


@_jit()
def adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt, amsgrad,
         maximize, decoupled):
    for i in range(p.shape[0]):
        _adam_one(p, g, m, v, vmax, i, lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt,
                  amsgrad, maximize, decoupled)


@_jit(parallel=True)
def adam_par(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, step_size, bc2_sqrt,
             amsgrad, maximize, decoupled):
    n = p.shape[0]
    for c in nb.prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(c * CHUNK + CHUNK, n)):
            _adam_one(p, g, m, v, vmax, i, lr, beta1, beta2, eps, weight_decay, step_size,
                      bc2_sqrt, amsgrad, maximize, decoupled)
