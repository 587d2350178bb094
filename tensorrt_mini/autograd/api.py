"""backward() and grad(): seed the engine with output gradients."""
from .. import _tensor as T
from .engine import Capture, execute
from .graph import grad_edge
from .hooks import run_hooks


def _as_tuple(x):
    if x is None:
        return None
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _seed(outputs, grad_outputs):
    """(leaves, roots, grads): (output, gradient) pairs for outputs that are leaves, and the
    grad_fn of every other output with the gradient it starts from."""
    from ..creation import ones_like
    grad_outputs = grad_outputs or (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    leaves, roots, grads = [], [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._dtype.is_complex:
                raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                   f"but got {out._dtype!r}")
            g = ones_like(out)
        elif not isinstance(g, T.Tensor):
            raise TypeError(f"gradient must be a Tensor or None, not {type(g).__name__}")
        elif g._shape != out._shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        if out.grad_fn is None:
            leaves.append((out, g))
        else:
            roots.append(grad_edge(out))
            grads.append(g)
    return leaves, roots, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into the `.grad` of every leaf the tensors depend on
    (only of `inputs`, when given); with create_graph, the gradients have graphs."""
    tensors = _as_tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        found = _gradients(tensors, inputs, _as_tuple(grad_tensors), retain_graph,
                           create_graph, after_hooks=True)
        for t, g in zip(inputs, found):
            if g is not None:
                t.grad = g.clone() if t.grad is None else t.grad + g
        return
    leaves, roots, grads = _seed(tensors, _as_tuple(grad_tensors))
    for leaf, g in leaves:
        g = _leaf_hooks(leaf, g)
        leaf.grad = g.clone() if leaf.grad is None else leaf.grad + g
    if roots:
        execute(roots, grads, bool(retain_graph), create_graph=create_graph)


def _leaf_hooks(leaf, g):
    """g through the leaf's hooks: an output that is itself a leaf gets its gradient here,
    not from the engine."""
    hooks = getattr(leaf, "_hooks", None)
    return run_hooks(hooks, g) if hooks else g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, without touching any `.grad`;
    with create_graph, they have graphs of their own (so they can be differentiated)."""
    if retain_graph is None:
        retain_graph = create_graph
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    result = []
    found = _gradients(outputs, inputs, _as_tuple(grad_outputs), retain_graph, create_graph)
    for t, g in zip(inputs, found):
        if g is None:
            if materialize_grads:
                from ..creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used "
                                   "in the graph. Set allow_unused=True if this is the desired "
                                   "behavior.")
        elif g._base is not None:
            g = g.clone()
        result.append(g)
    return tuple(result)


def _gradients(outputs, inputs, grad_outputs, retain_graph, create_graph, after_hooks=False):
    """The gradient (or None) reaching each of `inputs` from `outputs`."""
    leaves, roots, grads = _seed(outputs, grad_outputs)
    capture = Capture(inputs, after_hooks)
    for leaf, g in leaves:
        positions = capture.leaves.get(id(leaf))
        if positions is not None:
            capture.add(positions, _leaf_hooks(leaf, g))
    if roots:
        execute(roots, grads, bool(retain_graph), capture, create_graph)
    return capture.grads


def zero_grads(parameters, set_to_none=True):
    """Drop (or zero in place) the gradients of `parameters`: Module.zero_grad and
    Optimizer.zero_grad both mean this."""
    for p in parameters:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad.detach_()
            p.grad.zero_()
