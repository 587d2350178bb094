"""Module backward hooks (register_full_backward_hook, register_full_backward_pre_hook).

A call of a module with such hooks passes its tensor inputs, and then its tensor outputs,
through identity autograd Functions. In backward the outputs' identity runs first: it
gives the pre-hooks the gradients of the outputs (they may replace them) and keeps them;
the inputs' identity then gives the hooks the gradients of the inputs together with those
of the outputs (the hooks may replace the inputs' gradients). When no input requires grad,
the hooks run at the outputs, with None for every input gradient, as torch's do.
"""
from .. import _tensor as T
from ..autograd.function import Function


class _Call:
    """One call of a hooked module: what its backward hooks are given."""

    def __init__(self, module, n_inputs, inputs_tracked):
        self.module = module
        self.n_inputs = n_inputs
        self.inputs_tracked = inputs_tracked
        self.grad_output = None


def _replace(what, grads, result):
    if result is None:
        return grads
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != len(grads):
        raise RuntimeError(f"Backward hook returned an invalid number of grad_{what}, got "
                           f"{len(result)}, but expected {len(grads)}")
    return result


class _Identity(Function):
    """The tensors themselves; backward (the subclasses') runs the call's hooks."""
    @staticmethod
    def forward(ctx, call, *tensors):
        ctx.call = call
        return tensors if len(tensors) > 1 else tensors[0]


class _Outputs(_Identity):
    @staticmethod
    def backward(ctx, *grad_output):
        call = ctx.call
        module = call.module
        for hook in list(module._backward_pre_hooks.values()):
            grad_output = _replace("output", grad_output, hook(module, grad_output))
        call.grad_output = grad_output
        if not call.inputs_tracked:  # no input gradient will come: the hooks run now
            for hook in list(module._backward_hooks.values()):
                hook(module, (None,) * call.n_inputs, grad_output)
        return (None,) + tuple(grad_output)


class _Inputs(_Identity):
    @staticmethod
    def backward(ctx, *grad_input):
        call = ctx.call
        module = call.module
        for hook in list(module._backward_hooks.values()):
            grad_input = _replace("input", grad_input, hook(module, grad_input,
                                                            call.grad_output))
        return (None,) + tuple(grad_input)


def call_with_backward_hooks(module, forward, args, kwargs):
    """forward(*args, **kwargs) with the module's tensor inputs and outputs passed through
    the identities that run its backward hooks."""
    places = [k for k, a in enumerate(args) if isinstance(a, T.Tensor)]
    tracked = any(args[k]._requires_grad for k in places)
    call = _Call(module, len(places), tracked)
    if tracked and module._backward_hooks:
        args = _through(_Inputs, call, args, places)
    output = forward(*args, **kwargs)
    single = isinstance(output, T.Tensor)
    outs = (output,) if single else output
    if not isinstance(outs, tuple) or not any(isinstance(o, T.Tensor) and o._requires_grad
                                              for o in outs):
        return output
    outs = _through(_Outputs, call, outs, [k for k, o in enumerate(outs)
                                           if isinstance(o, T.Tensor)])
    return outs[0] if single else outs


def _through(identity, call, items, places):
    """items with those at `places` replaced by their pass through identity."""
    passed = identity.apply(call, *(items[k] for k in places))
    passed = passed if isinstance(passed, tuple) else (passed,)
    items = list(items)
    for k, t in zip(places, passed):
        items[k] = t
    return tuple(items)
