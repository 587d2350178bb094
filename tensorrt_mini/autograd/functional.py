"""tm.autograd.functional: derivatives of a function as values, torch's API.

`vjp` runs one backward; `jvp` gets a forward-mode product from two backwards (the
gradient of a vjp with respect to its cotangent); `jacobian` runs one backward per output
element; `hessian` is the jacobian of the gradient; `hvp` and `vhp` differentiate a
gradient-vector product. Inputs are differentiated through fresh leaves, so the caller's
tensors and their graphs are left alone; with create_graph=False the results carry no
graph.
"""
from .. import _tensor as T
from ..creation import zeros, zeros_like
from ..ops.joining import stack
from .api import grad
from .grad_mode import enable_grad


def _tuple(x, what):
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for t in items:
        if not isinstance(t, T.Tensor):
            raise TypeError(f"The {what} given to the function must be either a Tensor or a "
                            f"tuple of Tensors but the given {what} is {type(t).__name__}.")
    return is_tuple, items


def _leaves(inputs, create_graph):
    """Inputs to differentiate through: the same values as fresh leaves that require grad
    (views of the inputs themselves when the result keeps a graph)."""
    return tuple((x.view_as(x) if create_graph and x._requires_grad else x.detach())
                 .requires_grad_(True) for x in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph):
    """grad(), with zeros for inputs the outputs do not depend on (as torch's functional)."""
    outputs = [o for o in outputs if o._requires_grad]
    if not outputs:
        return tuple(zeros_like(x) for x in inputs)
    found = grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph,
                 allow_unused=True)
    return tuple(zeros_like(x) if g is None else g for g, x in zip(found, inputs))


def _detached(items, create_graph):
    return items if create_graph else tuple(t.detach() for t in items)


def _shape_back(is_tuple, items):
    return items if is_tuple else items[0]


def _call(func, inputs):
    out = func(*inputs)
    return _tuple(out, "outputs")


def _check_v(v, like, what):
    if v is None:
        if any(t.numel() != 1 for t in like):
            raise RuntimeError(f"The vector v can only be None if the {what} to the user-provided "
                               "function is a single Tensor with a single element.")
        return tuple(zeros_like(t) + 1 for t in like)
    _, v = _tuple(v, "v")
    if len(v) != len(like) or any(a._shape != b._shape for a, b in zip(v, like)):
        raise RuntimeError(f"v has invalid size: should be {[list(t._shape) for t in like]}, "
                           f"but got {[list(t._shape) for t in v]}.")
    return v


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product."""
    is_tuple, inputs = _tuple(inputs, "inputs")
    with enable_grad():
        xs = _leaves(inputs, create_graph)
        out_tuple, outs = _call(func, xs)
        v = _check_v(v, outs, "outputs")
        result = _grads(outs, xs, v, create_graph)
    return (_shape_back(out_tuple, _detached(outs, create_graph)),
            _shape_back(is_tuple, _detached(result, create_graph)))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp with
    respect to its (zero) cotangent."""
    is_tuple, inputs = _tuple(inputs, "inputs")
    v = _check_v(v, inputs, "input")
    with enable_grad():
        xs = _leaves(inputs, create_graph)
        out_tuple, outs = _call(func, xs)
        cotangents = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        pulled = _grads(outs, xs, cotangents, create_graph=True)
        pairs = [(p, w) for p, w in zip(pulled, v) if p._requires_grad]
        found = (grad([p for p, _ in pairs], cotangents, [w for _, w in pairs],
                      create_graph=create_graph, allow_unused=True)
                 if pairs else (None,) * len(outs))
        result = tuple(zeros_like(o) if g is None else g for g, o in zip(found, outs))
    return (_shape_back(out_tuple, _detached(outs, create_graph)),
            _shape_back(out_tuple, _detached(result, create_graph)))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func(inputs) / d inputs: for each output and input, a tensor of shape
    output.shape + input.shape, one backward per output element."""
    if strategy != "reverse-mode":
        raise NotImplementedError("tensorrt_mini computes jacobians in reverse mode only")
    is_tuple, inputs = _tuple(inputs, "inputs")
    with enable_grad():
        xs = _leaves(inputs, create_graph)
        out_tuple, outs = _call(func, xs)
        per_output = []
        for out in outs:
            rows = [[] for _ in xs]
            flat = out.reshape(-1)
            for j in range(out.numel()):
                seed = zeros(out.numel(), dtype=out._dtype, device=out.device)
                seed[j] = 1
                gs = _grads((flat,), xs, (seed,), create_graph)
                for i, g in enumerate(gs):
                    rows[i].append(g)
            jac = []
            for i, x in enumerate(xs):
                block = (stack(rows[i]).reshape(out._shape + x._shape) if rows[i]
                         else zeros(out._shape + x._shape, dtype=x._dtype, device=x.device))
                jac.append(block if create_graph else block.detach())
            per_output.append(tuple(jac))
    if not out_tuple and not is_tuple:
        return per_output[0][0]
    if not out_tuple:
        return per_output[0]
    if not is_tuple:
        return tuple(j[0] for j in per_output)
    return tuple(per_output)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The second derivatives of func (whose output is a single element) with respect to
    its inputs: the jacobian of its gradient."""
    is_tuple, inputs = _tuple(inputs, "inputs")

    def gradient(*xs):
        out_tuple, outs = _call(func, xs)
        if out_tuple or outs[0].numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        gs = _grads((outs[0].reshape(()),), xs, None, create_graph=True)
        return gs if is_tuple else gs[0]
    return jacobian(gradient, inputs if is_tuple else inputs[0], create_graph=create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for func with a single-element output."""
    return _second_order(func, inputs, v, create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H); the Hessian is symmetric, so it equals hvp's."""
    return _second_order(func, inputs, v, create_graph)


def _second_order(func, inputs, v, create_graph):
    is_tuple, inputs = _tuple(inputs, "inputs")
    v = _check_v(v, inputs, "input")
    with enable_grad():
        xs = _leaves(inputs, create_graph)
        out_tuple, outs = _call(func, xs)
        if out_tuple or outs[0].numel() != 1:
            raise RuntimeError("The function given to hvp should return a single element Tensor")
        gs = _grads((outs[0].reshape(()),), xs, None, create_graph=True)
        terms = [(g * w).sum() for g, w in zip(gs, v) if g._requires_grad]
        result = (_grads((sum(terms[1:], terms[0]),), xs, None, create_graph) if terms
                  else tuple(zeros_like(x) for x in xs))
    return (_detached(outs, create_graph)[0], _shape_back(is_tuple, _detached(result,
                                                                                create_graph)))
