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
requires grad, the tensor outputs become the results of one node, `ExpBackward`, which
is also the `ctx` forward and backward are given (as in torch, `y.grad_fn.saved_tensors`
and attributes set on ctx read back from grad_fn). Backward gets one gradient per output
(zeros for an output that got none, unless ctx.set_materialize_grads(False) asks for
None) and returns one per argument. Each is checked as torch checks it: a tensor or None,
None for a non-tensor argument, a shape the argument broadcasts to (summed back to the
argument's shape), the argument's device; it is cast to the argument's dtype.

In a backward that creates a graph (create_graph=True), backward runs with grad mode on,
so its own ops record, and saved outputs lead back to this node. ctx.mark_dirty(x) for an
input that forward wrote in place and returns makes x the node's output, as an in-place
op's result (refused on a leaf that requires grad, as in torch).
"""
import functools

from .. import _tensor as T
from ..creation import zeros
from ..ops.dispatch import GradMode
from .formulas.common import sum_to
from .graph import Grads, Node, OutputPort, alias, edge, node_class
from .inplace import check_target, rebase

_VIEW_OF_ONE = (
    "This view was created inside a custom Function (or because an input was returned "
    "as-is) and the autograd logic to handle view+inplace would override the custom "
    "backward associated with the custom Function, leading to incorrect gradients. This "
    "behavior is forbidden. You can fix this by cloning the output of the custom Function.")
_VIEW_OF_SEVERAL = (
    "This view is the output of a function that returns multiple views. Such functions do "
    "not allow the output views to be modified inplace. You should replace the inplace "
    "operation by an out-of-place one.")


class FunctionCtx:
    """What forward and backward can do with their `ctx`; any other attribute set on it
    is kept for backward."""

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

    def mark_dirty(self, *tensors):
        """The inputs forward changed in place (and returns): they become the outputs of
        this node, as an in-place op's result does."""
        self._dirty += tensors


class FunctionBackward(FunctionCtx, Node):
    """The node of one Function call, and its ctx; subclasses are named after the
    Function (ExpBackward)."""

    def __init__(self, needs_input_grad):
        Node.__init__(self, None, ())
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._to_save = ()
        self._non_differentiable = ()
        self._dirty = ()
        self._recorded = False
        self._saved_output_nrs = ()
        self._saved_layout = ()

    def __repr__(self):
        return f"<tensorrt_mini.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    def apply(self, grad):
        # saved tensors are unpacked (and checked) when backward reads ctx.saved_tensors
        grads = grad if isinstance(grad, Grads) else [grad]
        if self.materialize_grads:
            grads = [zeros(m[0], dtype=m[1], device=m[2]) if g is None and m is not None else g
                     for g, m in zip(grads, self._out_meta)]
        result = self._function.backward(self, *grads)
        return _checked(type(self).__name__, result if isinstance(result, tuple) else (result,),
                        self._in_meta)

    @property
    def saved_tensors(self):
        if not self._recorded:  # forward ran without a graph
            return self._to_save
        saved = self.unpack()
        if GradMode.enabled:  # a backward that creates a graph: outputs lead back here
            saved = tuple(self._output_with_graph(t, nr)
                          for t, nr in zip(saved, self._saved_output_nrs))
        it = iter(saved)
        return tuple(next(it) if kept else None for kept in self._saved_layout)

    def _output_with_graph(self, t, nr):
        """Saved output nr (an alias without a graph), as the output this node made."""
        if nr < 0:
            return t
        out = alias(t)
        out._requires_grad = True
        if len(self._out_meta) > 1:
            out._port = OutputPort(self, nr, len(self._out_meta))
        out.grad_fn = self
        return out

    def _output_at(self, i):
        nr = self._saved_output_nrs[i]
        return None if nr < 0 else nr


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
        ctx = _node_class(cls)(needs)
        separate_setup = cls.setup_context is not Function.setup_context
        prev = GradMode.enabled
        GradMode.enabled = False
        try:
            out = cls.forward(*args) if separate_setup else cls.forward(ctx, *args)
            if separate_setup:
                cls.setup_context(ctx, args, out)
        finally:
            GradMode.enabled = prev
        outputs = list(out) if isinstance(out, tuple) else [out]
        ids = {id(a) for a in args if isinstance(a, T.Tensor)}
        dirty = {id(t) for t in ctx._dirty}
        returned_inputs = {k for k, t in enumerate(outputs)
                           if isinstance(t, T.Tensor) and id(t) in ids and id(t) not in dirty}
        if prev and any(needs):
            _record(cls, ctx, args, outputs, returned_inputs)
        for k in returned_inputs:  # as in torch, a new view of it, with the node if any
            t = outputs[k]
            if t.grad_fn is not ctx:
                outputs[k] = T.make_view(t, t._shape, t._stride, t._offset)
        return tuple(outputs) if isinstance(out, tuple) else outputs[0]


def once_differentiable(fn):
    """torch's guard for a backward that is not itself differentiable: it runs without
    recording, and in a backward that creates a graph its gradients lead to a node that
    refuses to be differentiated."""
    @functools.wraps(fn)
    def backward(ctx, *grads):
        recording = GradMode.enabled
        GradMode.enabled = False
        try:
            result = fn(ctx, *grads)
        finally:
            GradMode.enabled = recording
        sources = [g for g in grads if isinstance(g, T.Tensor) and g._requires_grad]
        if not recording or not sources:
            return result
        single = not isinstance(result, tuple)
        marked = tuple(_refusing(g, sources) if isinstance(g, T.Tensor) else g
                       for g in ((result,) if single else result))
        return marked[0] if single else marked
    return backward


def _refusing(grad, sources):
    """grad, as the output of a node that raises when a gradient reaches it."""
    def refuse(_):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")
    out = alias(grad)
    out.grad_fn = node_class("DelayedError")(refuse, tuple(edge(g) for g in sources))
    out._requires_grad = True
    return out


def _node_class(cls):
    node_cls = cls.__dict__.get("_backward_cls")
    if node_cls is None:
        node_cls = type(f"{cls.__name__}Backward", (FunctionBackward,), {})
        cls._backward_cls = node_cls
    return node_cls


def _record(cls, node, args, outputs, returned_inputs):
    """Make the differentiable tensor outputs the results of `node` (the ctx forward was
    given), whose backward calls cls.backward; `returned_inputs`: the positions of outputs
    that are arguments returned as they are."""
    non_diff = {id(t) for t in node._non_differentiable}
    diff = [isinstance(t, T.Tensor) and id(t) not in non_diff and t._dtype.is_floating_point
            for t in outputs]
    node._function = cls
    # as torch: zeros for every tensor output that gets no gradient, None for the others
    node._out_meta = [(t._shape, t._dtype, t._storage.device) if isinstance(t, T.Tensor)
                      else None for t in outputs]
    node._in_meta = [(a._shape, a._dtype, a._storage.device, a._requires_grad)
                     if isinstance(a, T.Tensor) else None for a in args]

    # Saved outputs are kept as aliases (no _base, no graph): the node must not keep
    # alive the tensors whose grad_fn it is.
    out_nr = {id(t): k for k, t in enumerate(outputs) if isinstance(t, T.Tensor)}
    saved, nrs = [], []
    for t in node._to_save:
        if t is not None:
            nr = out_nr.get(id(t), -1)
            saved.append(alias(t) if nr >= 0 else t)
            nrs.append(nr)
    node._saved_layout = tuple(t is not None for t in node._to_save)
    node._saved_output_nrs = tuple(nrs)
    node._to_save = ()
    node._saved = tuple(saved)
    node._versions = tuple(t._storage._version for t in saved)
    node.next = tuple([edge(a) for a in args])
    node._recorded = True

    n = len(outputs)
    dirty = {id(t) for t in node._dirty}
    for k, (t, d) in enumerate(zip(outputs, diff)):
        if not d:
            continue
        if id(t) in dirty:  # an input written in place: its graph goes through this node
            if t._requires_grad and t.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            check_target(t)
            rebase(t, OutputPort(node, k, n) if n > 1 else node)
            if n > 1:
                t._port = t.grad_fn
            continue
        if k in returned_inputs or t._base is not None:
            if k in returned_inputs:  # an argument returned as it is: a new tensor over it
                t = outputs[k] = T.make_view(t, t._shape, t._stride, t._offset)
            # Writing it in place would route its gradient around cls.backward, so it is
            # refused (inplace.check_target); without a _base, views of it lead back here.
            t._base = None
            t._custom_view = _VIEW_OF_SEVERAL if sum(diff) > 1 else _VIEW_OF_ONE
        t.grad_fn = node
        t._requires_grad = True
        if n > 1:
            t._port = OutputPort(node, k, n)


def _checked(name, grads, in_meta):
    """backward's result as one gradient (or None) per argument, as torch checks it."""
    n = len(in_meta)
    if len(grads) < n or any(g is not None for g in grads[n:]):
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(grads)})")
    out = []
    for i, (g, meta) in enumerate(zip(grads, in_meta)):
        if g is not None and not isinstance(g, T.Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        if g is not None and meta is None:
            raise RuntimeError(f"function {name} returned a gradient different than None at "
                               f"position {i + 1}, but the corresponding forward input was not "
                               "a Variable")
        if g is None or not meta[3]:  # torch looks no further where no gradient is wanted
            out.append(None)
            continue
        shape, dtype, device, _ = meta
        if g._shape != shape:
            if _broadcasts_to(shape, g._shape):
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


def _broadcasts_to(shape, target):
    """Whether `shape` broadcasts to `target` (is expandable to it)."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))
