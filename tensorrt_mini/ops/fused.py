"""`tm.elementwise`: a user's scalar function as a fused, stride-aware kernel on cpu and cuda.

    @tm.elementwise
    def gelu_tanh(x):
        return 0.5 * x * (1.0 + math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))

    y = gelu_tanh(t)        # any strides, on t's device, in one pass over memory

A call broadcasts its tensor arguments, promotes them and its Python-number arguments
with PyTorch's rules (numbers are weak scalars) to one compute dtype, and runs the body
on every element through the same kernel generators as the built-in ops. The result
dtype follows what the body returns: bool for a comparison, the default float for float
results from integer inputs, else the compute dtype; `out_dtype=` sets it. A body that
returns a tuple gives a tuple of tensors.

Autograd: `grads=` gives one more body per input, `grad_i(*inputs, *grad_outputs)`
returning that input's gradient (None for an input that has none); the backward pass
runs them as fused kernels too.
"""
import functools
import inspect

import numpy as np

from .. import _tensor as T
from .. import dtypes as D
from ..kernels.cpu.body_types import BodyError, result_types
from ..kernels.scalar import Body
from ..layout import broadcast_shapes, reduced_dims
from .dispatch import differentiable
from .elementwise import (_check_inplace, _expand_to, _separate, check_same_device, is_tensor,
                          result_type, scalar_in, to_dtype)

__all__ = ["ElementwiseKernel", "ReductionKernel", "elementwise", "reduction", "BodyError"]


class ElementwiseKernel:
    """A scalar body compiled into elementwise kernels; call it on tensors and numbers."""

    def __init__(self, fn, grads=None, name=None):
        if not callable(fn):
            raise TypeError(f"tm.elementwise needs a function, got {type(fn).__name__}")
        params = inspect.signature(fn).parameters.values()
        if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
            raise TypeError(f"tm.elementwise: {fn.__qualname__} must take positional "
                            "arguments only (one per operand)")
        self.body = Body(fn)
        self.name = name or fn.__name__
        self.arity = len(params)
        if grads is not None:
            grads = tuple(grads)
            if len(grads) != self.arity:
                raise TypeError(f"tm.elementwise: {self.name} takes {self.arity} inputs but "
                                f"grads has {len(grads)} entries (one per input, None where "
                                "an input has no gradient)")
            grads = tuple(None if g is None else ElementwiseKernel(g) for g in grads)
        self.grads = grads
        functools.update_wrapper(self, fn)

    def __call__(self, *args, out=None, out_dtype=None):
        return elementwise_kernel(self, *args, out=out, out_dtype=out_dtype)

    def __repr__(self):
        return f"<tm.elementwise kernel {self.name}>"


def elementwise(fn=None, *, grads=None, name=None):
    """Decorator (or function) making an ElementwiseKernel from a scalar body."""
    if fn is None:
        return lambda f: ElementwiseKernel(f, grads, name)
    return ElementwiseKernel(fn, grads, name)


def _check_args(kernel, args):
    if len(args) != kernel.arity:
        raise TypeError(f"{kernel.name}() takes {kernel.arity} arguments ({len(args)} given)")
    for i, x in enumerate(args):
        if not is_tensor(x) and not isinstance(
                x, (bool, int, float, np.bool_, np.integer, np.floating)):
            raise TypeError(f"{kernel.name}(): argument {i} must be a Tensor or a number, not "
                            f"{type(x).__name__}")
    if not any(is_tensor(x) for x in args):
        raise TypeError(f"{kernel.name}() needs at least one Tensor argument")


def result_dtypes(kernel, compute):
    """The dtypes of kernel's outputs for inputs of `compute` (see the module's docstring)."""
    # (the half types' bodies run in float32: backends/half.py)
    rets = result_types(kernel.body, (compute.compute.np,) * kernel.arity)
    out = []
    for ret in rets:
        if ret.kind == "b":
            out.append(D.bool_)
        elif ret.kind == "f":
            out.append(compute if compute.is_floating_point else D.get_default_dtype())
        else:
            out.append(compute if compute.category == 1 else D.int64)
    return out


@differentiable
def elementwise_kernel(kernel, *args, out=None, out_dtype=None):
    """kernel's outputs on args (the plain op; autograd wraps it through `differentiable`)."""
    _check_args(kernel, args)
    tensors = [x for x in args if is_tensor(x)]
    dev = check_same_device(*tensors)
    compute = result_type(*args)
    shape = broadcast_shapes(*(t._shape for t in tensors))
    dtypes = result_dtypes(kernel, compute)
    if out_dtype is not None:
        dtypes = [D.as_dtype(out_dtype, "elementwise")] * len(dtypes)
    multiple = len(dtypes) > 1
    if out is None:
        like = next((t for t in tensors if t._shape == shape), None)
        outs = [T.empty_strided_like(shape, d, dev, like) for d in dtypes]
    else:
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        if len(outs) != len(dtypes) or not all(is_tensor(o) for o in outs):
            raise TypeError(f"{kernel.name}(): out= must be {len(dtypes)} tensor(s)")
        for o, d in zip(outs, dtypes):
            if o._storage.device != dev:
                raise RuntimeError(f"{kernel.name}(): out= is on {o._storage.device}, the "
                                   f"inputs on {dev}")
            _check_inplace(o, shape, d, tensors)
    operands = []
    for x in args:
        if is_tensor(x):
            x = _expand_to(to_dtype(x, compute), shape)
            for o in outs:
                x = _separate(o, x)
            operands.append(x)
        else:
            operands.append(scalar_in(x, compute))
    T.backends.get(dev.type).elementwise(kernel.body, outs, operands)
    if out is not None:
        for o in outs:
            o._storage._version += 1
        return out
    return tuple(outs) if multiple else outs[0]



# --- tm.reduction -------------------------------------------------------------------------

class ReductionKernel:
    """A user's reduction: `map` (one body over the inputs' elements, giving a state),
    `combine` (two states into one), `identity` (the empty state) and `post` (the state
    into the result; default: the state itself). A state is a number or a tuple of them.

        sum_sq = tm.reduction(lambda x: x * x, lambda a, b: a + b, 0)
        sum_sq(t, dim=1, keepdim=True)

    `grads=` gives one elementwise body per input, `grad_i(*inputs, out, grad)`, where out
    and grad are the result and its gradient broadcast back over the reduced dims.
    """

    def __init__(self, map, combine, identity, post=None, grads=None, name=None):
        for label, fn in (("map", map), ("combine", combine), ("post", post)):
            if fn is not None and not callable(fn):
                raise TypeError(f"tm.reduction: {label} must be a function, got "
                                f"{type(fn).__name__}")
        self.map, self.combine = Body(map), Body(combine)
        self.post = Body(post) if post is not None else None
        self.identity = identity
        self.name = name or getattr(map, "__name__", "reduction")
        if self.name == "<lambda>":
            self.name = "reduction"
        self.arity = len(inspect.signature(map).parameters)
        if grads is not None:
            grads = tuple(grads)
            if len(grads) != self.arity:
                raise TypeError(f"tm.reduction: {self.name} takes {self.arity} inputs but "
                                f"grads has {len(grads)} entries (one per input)")
            grads = tuple(None if g is None else ElementwiseKernel(g) for g in grads)
        self.grads = grads

    def __call__(self, *inputs, dim=None, keepdim=False):
        return reduction_kernel(self, *inputs, dim=dim, keepdim=keepdim)

    def __repr__(self):
        return f"<tm.reduction kernel {self.name}>"


def reduction(map, combine, identity, post=None, *, grads=None, name=None):
    """A ReductionKernel (see its docstring)."""
    return ReductionKernel(map, combine, identity, post, grads, name)


def _state(kernel, compute):
    """(state dtypes, identity as numpy scalars, output dtype) for compute dtype `compute`,
    each body typed (and any compile error raised) here."""
    n = kernel.arity
    compute_np = compute.compute.np  # (the half types' bodies run in float32)
    states = result_types(kernel.map, (compute_np,) * n)
    for _ in range(3):  # combine may widen the state (bools add up to ints): to its fixed point
        state = states if len(states) > 1 else states[0]
        combined = result_types(kernel.combine, (state, state), literals=compute_np)
        if combined == states:
            break
        states = tuple(np.promote_types(a, b) for a, b in zip(states, combined)) \
            if len(combined) == len(states) else combined
    else:
        raise TypeError(f"tm.reduction: {kernel.name}'s combine keeps changing its state's "
                        f"dtypes ({states})")
    state = states if len(states) > 1 else states[0]
    post = result_types(kernel.post, (state,), literals=compute_np) if kernel.post else states
    if len(post) != 1:
        raise TypeError(f"tm.reduction: {kernel.name}'s post must return one number "
                        "(give a post body for a tuple state)")
    ident = kernel.identity
    idents = ident if isinstance(ident, tuple) else (ident,)
    if len(idents) != len(states):
        raise TypeError(f"tm.reduction: {kernel.name}'s identity has {len(idents)} values "
                        f"but its map returns {len(states)}")
    idents = tuple(d.type(v) for d, v in zip(states, idents))
    # an integer result keeps the width the bodies give it (a sum of uint8 in int64, as
    # torch's sum; a max in uint8); a float result the compute dtype
    ret = post[0]
    out = D.bool_ if ret.kind == "b" else \
        (compute if compute.is_floating_point else D.get_default_dtype()) if ret.kind == "f" \
        else (D.from_numpy_dtype(ret) if ret in _TM_INTS else D.int64)
    return states, idents if len(idents) > 1 else idents[0], out


_TM_INTS = {np.dtype(n) for n in ("uint8", "int8", "int16", "int32", "int64")}


@differentiable
def reduction_kernel(kernel, *inputs, dim=None, keepdim=False):
    """kernel's reduction of inputs (the plain op; autograd wraps it)."""
    if len(inputs) != kernel.arity:
        raise TypeError(f"{kernel.name}() takes {kernel.arity} inputs ({len(inputs)} given)")
    for i, x in enumerate(inputs):
        if not is_tensor(x):
            raise TypeError(f"{kernel.name}(): input {i} must be a Tensor, not "
                            f"{type(x).__name__}")
    dev = check_same_device(*inputs)
    compute = result_type(*inputs)
    shape = broadcast_shapes(*(t._shape for t in inputs))
    dims = reduced_dims(dim, len(shape))
    kept = [d for d in range(len(shape)) if d not in dims]
    states, identity, out_dtype = _state(kernel, compute)
    m = 1
    for d in kept:
        m *= shape[d]
    k = 1
    for d in dims:
        k *= shape[d]
    order = kept + list(dims)
    views = [_expand_to(to_dtype(x, compute), shape).permute(order).reshape(m, k)
             for x in inputs]
    out = T.empty_strided_like((m,), out_dtype, dev)
    T.backends.get(dev.type).fused_reduce((kernel.map, kernel.combine, kernel.post), states,
                                          identity, out, views)
    result = out.view(tuple(shape[d] for d in kept))
    if keepdim:
        result = result.view(tuple(1 if d in dims else n for d, n in enumerate(shape)))
    return result
