"""The derivative of user-fused kernels (ops/fused.py, `tm.elementwise`).

A kernel with `grads` bodies runs as an autograd.Function: its forward is the fused
kernel, its backward runs each input's gradient body as a fused kernel on the inputs and
the output gradients, and Function's checks sum broadcast gradients back to each input's
shape and cast them to its dtype.
"""
from ... import _tensor as T
from ...layout import reduced_dims
from ..function import Function
from .common import register

_functions = {}  # kernel -> its Function subclass (the node's name follows the kernel's)


@register("elementwise_kernel")
def _elementwise_kernel(raw, kernel, *args, out=None, out_dtype=None):
    name = kernel.name
    if out is not None:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if kernel.grads is None:
        raise RuntimeError(
            f"tm.elementwise kernel {name} has no derivative, and an input requires grad. Pass "
            f"one gradient body per input: tm.elementwise({name}, grads=[...]), where the i-th "
            "body takes the inputs and then the output gradient(s) and returns input i's "
            "gradient (or put None for an input that has none); or call it under "
            "tm.no_grad() or on detached inputs.")
    cls = _functions.get(kernel)
    if cls is None:
        cls = _functions[kernel] = type(name, (_KernelFunction,), {})
    return cls.apply(raw, kernel, out_dtype, *args)


class _KernelFunction(Function):
    @staticmethod
    def forward(ctx, raw, kernel, out_dtype, *args):
        ctx.kernel = kernel
        ctx.scalars = [None if isinstance(x, T.Tensor) else x for x in args]
        ctx.save_for_backward(*[x for x in args if isinstance(x, T.Tensor)])
        return raw(kernel, *args, out_dtype=out_dtype)

    @staticmethod
    def backward(ctx, *grad_outputs):
        saved = iter(ctx.saved_tensors)
        inputs = [next(saved) if s is None else s for s in ctx.scalars]
        needs = ctx.needs_input_grad[3:]
        grads = []
        for grad_body, need, x in zip(ctx.kernel.grads, needs, inputs):
            if not need or grad_body is None:
                grads.append(None)
                continue
            grads.append(grad_body(*inputs, *grad_outputs))
        return (None, None, None, *grads)


@register("reduction_kernel")
def _reduction_kernel(raw, kernel, *inputs, dim=None, keepdim=False):
    if kernel.grads is None:
        raise RuntimeError(
            f"tm.reduction kernel {kernel.name} has no derivative, and an input requires grad. "
            "Pass one gradient body per input: grads=[...], where the i-th body takes the "
            "inputs, the result and its gradient (both broadcast over the reduced dims) and "
            "returns input i's gradient (or None); or call it under tm.no_grad().")
    cls = _functions.get(kernel)
    if cls is None:
        cls = _functions[kernel] = type(kernel.name, (_ReductionFunction,), {})
    return cls.apply(raw, kernel, dim, keepdim, *inputs)


class _ReductionFunction(Function):
    @staticmethod
    def forward(ctx, raw, kernel, dim, keepdim, *inputs):
        ctx.kernel = kernel
        out = raw(kernel, *inputs, dim=dim, keepdim=True)
        ctx.save_for_backward(*inputs, out)
        if keepdim:
            return out
        reduced = reduced_dims(dim, len(out._shape))
        return out.view(tuple(n for d, n in enumerate(out._shape) if d not in reduced))

    @staticmethod
    def backward(ctx, grad):
        *inputs, out = ctx.saved_tensors
        grad = grad.view(out._shape)  # the reduced dims back, as size 1
        needs = ctx.needs_input_grad[4:]
        return (None, None, None, None) + tuple(
            body(*inputs, out, grad) if need and body is not None else None
            for body, need in zip(ctx.kernel.grads, needs))
