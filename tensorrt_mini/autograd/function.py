"""Differentiable operations written by users: subclasses of `Function`, as in torch.

    class Exp(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

`apply` runs `forward` with grad mode off. When grad mode is on and a tensor argument
requires grad, the tensor outputs become the results of one node (`ExpBackward`), whose
`backward` gets one gradient per output (zeros for an output that got none, unless
ctx.set_materialize_grads(False) asks for None) and returns one per argument. Each is
checked as torch checks it: a tensor or None, None for a non-tensor argument, a shape the
argument broadcasts to (summed back to the argument's shape), the argument's device; it is
cast to the argument's dtype.

Not supported: ctx.mark_dirty (Functions that write their inputs in place), and gradients
of gradients (create_graph), so `once_differentiable` has nothing to guard.
"""
import weakref

from .. import _tensor as T
from ..ops.dispatch import GradMode
from .formulas.common import sum_to
from .graph import FREED, Grads, Node, OutputPort, edge


class FunctionCtx:
    """The `ctx` of forward and backward: saved tensors, flags, and any attribute a
    Function sets on it."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._to_save = ()
        self._non_differentiable = ()
        self._node = None  # a weak reference to the node, once recorded

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, T.Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable += tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        if self._node is None:  # nothing recorded: forward ran without a graph
            return self._to_save
        node = self._node()
        if node is None:
            raise RuntimeError(FREED)
        return node.saved_tensors()


class FunctionBackward(Node):
    """The node of one Function call; subclasses are named after the Function."""

    __slots__ = ("_ports", "_saved_outputs", "_layout")

    def __repr__(self):
        return f"<tensorrt_mini.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    def _output_at(self, i):
        nr = self._saved_outputs[i]
        return None if nr < 0 else nr

    def saved_tensors(self):
        """ctx.save_for_backward's tensors (None where it was given None), checked."""
        it = iter(self.unpack())
        return tuple(next(it) if kept else None for kept in self._layout)


class Function:
    """Subclass with static `forward(ctx, *args)` (or `forward(*args)` plus
    `setup_context(ctx, inputs, output)`) and `backward(ctx, *grads)`; call `apply`."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    @classmethod
    def apply(cls, *args):
        needs = tuple(isinstance(a, T.Tensor) and a._requires_grad for a in args)
        ctx = FunctionCtx(needs)
        separate_setup = cls.setup_context is not Function.setup_context
        prev = GradMode.enabled
        GradMode.enabled = False
        try:
            out = cls.forward(*args) if separate_setup else cls.forward(ctx, *args)
            if separate_setup:
                cls.setup_context(ctx, args, out)
        finally:
            GradMode.enabled = prev
        if not (prev and any(needs)):
            return out
        outputs = list(out) if isinstance(out, tuple) else [out]
        _record(cls, ctx, args, outputs)
        return tuple(outputs) if isinstance(out, tuple) else outputs[0]


def once_differentiable(fn):
    """torch's guard for backward functions that are not themselves differentiable:
    tensorrt_mini never differentiates a backward (no create_graph), so it returns fn."""
    return fn


def _node_class(cls):
    node_cls = cls.__dict__.get("_backward_cls")
    if node_cls is None:
        node_cls = type(f"{cls.__name__}Backward", (FunctionBackward,), {"__slots__": ()})
        cls._backward_cls = node_cls
    return node_cls


def _record(cls, ctx, args, outputs):
    """Make the tensor outputs the results of a node that calls cls.backward."""
    non_diff = {id(t) for t in ctx._non_differentiable}
    inputs = {id(a) for a in args if isinstance(a, T.Tensor)}
    for k, t in enumerate(outputs):
        if isinstance(t, T.Tensor) and id(t) in inputs:
            # an argument returned as it is: its output is a new view of it, as in torch
            outputs[k] = T.make_view(t, t._shape, t._stride, t._offset)
    diff = [isinstance(t, T.Tensor) and id(t) not in non_diff and t._dtype.is_floating_point
            for t in outputs]
    out_meta = [(t._shape, t._dtype, t._storage.device) if d else None
                for t, d in zip(outputs, diff)]
    in_meta = [(a._shape, a._dtype, a._storage.device) if isinstance(a, T.Tensor) else None
               for a in args]
    name = f"{cls.__name__}Backward"

    # saved outputs are held through aliases, so the node does not keep alive the tensors
    # whose grad_fn it is
    out_nr = {id(t): k for k, t in enumerate(outputs) if isinstance(t, T.Tensor)}
    saved, saved_outputs = [], []
    for t in ctx._to_save:
        if t is None:
            continue
        nr = out_nr.get(id(t), -1)
        saved.append(T.make_view(t, t._shape, t._stride, t._offset) if nr >= 0 else t)
        saved_outputs.append(nr)
    layout = tuple(t is not None for t in ctx._to_save)
    ctx._to_save = ()

    def backward(grads, *unused_saved):
        if not isinstance(grads, Grads):
            grads = [grads]
        if ctx.materialize_grads:
            from ..creation import zeros
            grads = [zeros(m[0], dtype=m[1], device=m[2]) if g is None and m is not None else g
                     for g, m in zip(grads, out_meta)]
        result = cls.backward(ctx, *grads)
        return _checked(name, result if isinstance(result, tuple) else (result,), in_meta)

    node = _node_class(cls)(backward, tuple([edge(a) for a in args]), tuple(saved))
    node._saved_outputs = tuple(saved_outputs)
    node._layout = layout
    ctx._node = weakref.ref(node)
    n = len(outputs)
    node._ports = tuple(OutputPort(node, k, n) for k in range(n)) if n > 1 else None
    for k, (t, d) in enumerate(zip(outputs, diff)):
        if d:
            t.grad_fn = node
            t._requires_grad = True
            t._output_nr = k


def _checked(name, grads, in_meta):
    """backward's result as one gradient (or None) per argument, as torch checks it."""
    n = len(in_meta)
    if len(grads) < n or any(g is not None for g in grads[n:]):
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(grads)})")
    out = []
    for i, (g, meta) in enumerate(zip(grads, in_meta)):
        if g is None:
            out.append(None)
            continue
        if meta is None:
            raise RuntimeError(f"function {name} returned a gradient different than None at "
                               f"position {i + 1}, but the corresponding forward input was not "
                               "a Variable")
        if not isinstance(g, T.Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        shape, dtype, device = meta
        if g._shape != shape:
            if _broadcast_to(shape, g._shape):
                g = sum_to(g, shape)
            else:
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - "
                                   f"got {list(g._shape)} but expected shape compatible with "
                                   f"{list(shape)}")
        if g._storage.device != device:
            raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - "
                               f"expected device {device} but got {g._storage.device}")
        if g._dtype is not dtype:
            g = g.to(dtype)
        out.append(g)
    return out


def _broadcast_to(shape, target):
    """Whether `shape` broadcasts to `target` (is expandable to it)."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))
