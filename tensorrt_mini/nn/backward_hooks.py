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


class _Outputs(Function):
    @staticmethod
    def forward(ctx, call, *outputs):
        ctx.call = call
        return outputs if len(outputs) > 1 else outputs[0]

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


class _Inputs(Function):
    @staticmethod
    def forward(ctx, call, *inputs):
        ctx.call = call
        return inputs if len(inputs) > 1 else inputs[0]

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
        passed = _Inputs.apply(call, *(args[k] for k in places))
        passed = passed if isinstance(passed, tuple) else (passed,)
        args = list(args)
        for k, t in zip(places, passed):
            args[k] = t
    output = forward(*args, **kwargs)
    single = isinstance(output, T.Tensor)
    outs = (output,) if single else output
    if not isinstance(outs, tuple) or not any(isinstance(o, T.Tensor) and o._requires_grad
                                              for o in outs):
        return output
    positions = [k for k, o in enumerate(outs) if isinstance(o, T.Tensor)]
    passed = _Outputs.apply(call, *(outs[k] for k in positions))
    passed = passed if isinstance(passed, tuple) else (passed,)
    outs = list(outs)
    for k, t in zip(positions, passed):
        outs[k] = t
    return outs[0] if single else tuple(outs)
