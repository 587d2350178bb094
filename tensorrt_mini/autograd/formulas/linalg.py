"""Derivative of matmul (ops/linalg.py), which mm, bmm, mv and dot call.

For out = a @ b: grad_a = g @ b^T and grad_b = a^T @ g, with 1-D operands treated as a
row (a) or a column (b) and broadcast batch dims summed back.
"""
from ...ops.linalg import matmul
from ..graph import record, run
from .common import conj, register, sum_to


def _name(a, b):
    da, db = a.dim(), b.dim()
    if da == 1 and db == 1:
        return "DotBackward0"
    if da == 2 and db == 1:
        return "MvBackward0"
    if da == 2 and db == 2:
        return "MmBackward0"
    if da == 3 and db == 3 and a._shape[0] == b._shape[0]:
        return "BmmBackward0"
    return "UnsafeViewBackward0"


@register("matmul")
def _matmul(raw, a, b):
    out = run(raw, a, b)
    need_a, need_b = a._requires_grad, b._requires_grad
    a_shape, b_shape = a._shape, b._shape
    da, db = len(a_shape), len(b_shape)

    def backward(g, *saved):
        a_ = saved[0] if need_b else None
        b_ = saved[-1] if need_a else None
        if da == 1 and db == 1:
            return (g * conj(b_) if need_a else None, g * conj(a_) if need_b else None)
        if da == 1:
            g = g.unsqueeze(-2)
        if db == 1:
            g = g.unsqueeze(-1)
        grad_a = grad_b = None
        if need_a:
            b2 = b_.unsqueeze(-1) if db == 1 else b_
            grad_a = matmul(g, conj(b2.transpose(-1, -2)))
            grad_a = sum_to(grad_a, (1,) + a_shape if da == 1 else a_shape)
            if da == 1:
                grad_a = grad_a.view(a_shape)
        if need_b:
            a2 = a_.unsqueeze(0) if da == 1 else a_
            grad_b = matmul(conj(a2.transpose(-1, -2)), g)
            grad_b = sum_to(grad_b, b_shape + (1,) if db == 1 else b_shape)
            if db == 1:
                grad_b = grad_b.view(b_shape)
        return grad_a, grad_b
    return record(_name(a, b), out, (a, b), backward, (a,) * need_b + (b,) * need_a)
