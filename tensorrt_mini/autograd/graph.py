"""Graph nodes and the helpers that derivative formulas record them with.

A node is the `grad_fn` of a differentiable output. It holds `next` (the grad_fn of
each input, an AccumulateGrad for a leaf, None for inputs that need no gradient), the
backward function, and the tensors that function needs. Built-in ops' nodes have one
output (ops with several results, max with a dim, differentiate only one of them); a
custom autograd.Function's node may have several, each reached through an OutputPort.

Saved tensors remember their storage's version at save time; unpacking checks it, so a
value changed in place since the forward pass raises instead of giving a wrong gradient.
"""
import re
import weakref

from .. import _tensor as T
from ..ops.dispatch import GradMode
from .storage_geometry import read_from_storage, scatter_to_storage

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
         "after they have already been freed). Saved intermediate values of the graph are freed "
         "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
         "backward through the graph a second time or if you need to access saved tensors after "
         "calling backward.")


class Node:
    """A backward function: `apply(grad)` returns one gradient (or None) per `next`."""

    __slots__ = ("next", "_fn", "_saved", "_versions", "_out_pos", "_retained", "_hooks",
                 "__weakref__")

    def __init__(self, fn, next, saved=(), out_pos=-1):
        self.next = next
        self._fn = fn
        self._saved = saved  # () when nothing is saved, None once freed
        self._versions = tuple([t._storage._version for t in saved]) if saved else ()
        self._out_pos = out_pos  # which saved tensor is the node's own output, if any
        self._retained = None
        self._hooks = None  # register_hook's hooks of the tensor whose gradient enters here

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return tuple((n.node, n.nr) if type(n) is OutputPort else (n, 0) for n in self.next)

    def apply(self, grad):
        return self._fn(grad, *self.unpack())

    def unpack(self):
        """The saved tensors, checked against in-place changes since they were saved. Under
        grad mode (a backward that creates a graph) the node's own output comes back with
        this node as its grad_fn, so that gradients through it reach the inputs."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED)
        if saved:
            for i, (t, v) in enumerate(zip(saved, self._versions)):
                if t._storage._version != v:
                    nr = self._output_at(i)
                    raise RuntimeError(_modified(t, v, None if nr is None else self, nr))
            if self._out_pos >= 0 and GradMode.enabled:
                out = alias(saved[self._out_pos])
                out.grad_fn, out._requires_grad = self, True
                saved = saved[:self._out_pos] + (out,) + saved[self._out_pos + 1:]
        return saved

    def _output_at(self, i):
        """Which of the node's outputs saved tensor i is, or None for an input."""
        return 0 if i == self._out_pos else None

    def release(self):
        """Free the saved tensors; a later apply raises, as PyTorch's does."""
        if self._saved:
            self._saved = None

    def retain(self, tensor):
        """Store the gradient reaching this node in `tensor.grad` (retain_grad); once."""
        if self._retained is None:
            self._retained = []
        if not any(r() is tensor for r in self._retained):
            self._retained.append(weakref.ref(tensor))


class OutputPort(Node):
    """Where gradients for output `nr` of a node with several outputs enter the graph:
    it passes them on to that node as a Grads with only slot nr filled, and the engine's
    sum of what reaches the node fills the others. The output tensor holds its port
    (`_port`); the node does not, so nothing refers back to the tensors' node."""

    __slots__ = ("node", "nr")

    def __init__(self, node, nr, n_outputs):
        def to_slot(grad):
            grads = Grads([None] * n_outputs)
            grads[nr] = grad
            return (grads,)
        super().__init__(to_slot, (node,))
        self.node, self.nr = node, nr

    def __repr__(self):
        return f"<output {self.nr} of {self.node!r}>"


class Grads(list):
    """One gradient (or None) per output of a node; + adds slot by slot."""

    def __add__(self, other):
        return Grads(b if a is None else a if b is None else a + b for a, b in zip(self, other))


class AccumulateGrad(Node):
    """The sink for a leaf: the engine adds the gradient into `variable.grad`. One per leaf
    while a graph holds it (edge), so the engine sums the leaf's gradient before adding it
    and its hooks (kept on the leaf, which outlives graphs) see the total, as in torch."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__(None, ())
        self.variable = variable


_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")


def _modified(t, expected, node, nr=0):
    where = ""
    if node is not None:
        where = f", which is output {nr} of " + _BACKWARD_SUFFIX.sub("", node.name()) + ","
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{t.type()} {list(t._shape)}]{where} is at version "
            f"{t._storage._version}; expected version {expected} instead. Hint: the operation that "
            "failed to compute its gradient used a tensor that was later changed in place; clone() "
            "it before the in-place change.")


_classes = {}


def node_class(name):
    """The Node subclass called `name` (AddBackward0...), so grad_fn prints like PyTorch's."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (Node,), {"__slots__": ()})
    return cls


def edge(x):
    """Where the gradient for input x goes: its grad_fn (or port), a leaf sink, or None."""
    if getattr(x, "_requires_grad", False):
        fn = grad_edge(x)
        return fn if fn is not None else grad_accumulator(x)
    return None


def grad_accumulator(leaf):
    """The leaf's AccumulateGrad, made anew once no graph holds the last one (the leaf
    refers to it weakly: the node refers to the leaf)."""
    ref = getattr(leaf, "_grad_acc", None)
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._grad_acc = weakref.ref(node)
    return node


def grad_edge(t):
    """The node that t's gradient enters the graph at: t's grad_fn, or, when that node has
    several outputs, its port for t (None for a leaf). A view whose memory was written in
    place (through its base or another view) since it got its grad_fn first takes a new
    one from its base's, as torch does, so its gradient flows through that write."""
    if t._base is not None:
        made_at = getattr(t, "_view_version", None)  # None: not made by a recorded op
        if made_at is not None and made_at != t._storage._version:
            refresh_view(t)
    return port_or_grad_fn(t)


def port_or_grad_fn(t):
    """grad_edge without the view refresh: t's grad_fn, or its port for t."""
    fn = t.grad_fn
    port = getattr(t, "_port", None)
    # a port left from before t was written in place belongs to the old grad_fn
    return port if port is not None and port.node is fn else fn


def alias(t):
    """A new Tensor object over t's memory with no graph; saving an output through an alias
    keeps the node from referencing the tensor that references it."""
    return T._new(t._storage, t._shape, t._stride, t._offset)


def record(name, out, inputs, fn, saved=()):
    """Make `out` the result of a node `name` whose `fn(grad, *saved)` returns a gradient per
    entry of `inputs` (None where none flows). `saved` may include `out` itself."""
    out_pos = -1
    if saved:
        for i, s in enumerate(saved):
            if s is out:
                out_pos = i
                saved = saved[:i] + (alias(out),) + saved[i + 1:]
                break
    node = node_class(name)(fn, tuple([edge(x) for x in inputs]), saved, out_pos)
    out.grad_fn = node
    out._requires_grad = True
    if out._base is not None:
        out._view_version = out._storage._version  # (see grad_edge)
    return out


def run(raw, *args, **kwargs):
    """Call the plain op with grad mode off, so ops it calls inside record nothing."""
    GradMode.enabled = False
    try:
        return raw(*args, **kwargs)
    finally:
        GradMode.enabled = True


def refresh_view(t):
    """Once its base has a new grad_fn, view t reads its gradient from the base's."""
    base = t._base
    if base is None or base.grad_fn is None:
        if base is not None:  # nothing to route through: the grad_fn t has stays right
            t._view_version = t._storage._version
        return
    storage_size = t._storage.size()
    base_geom = (base._shape, base._stride, base._offset)
    view_geom = (t._shape, t._stride, t._offset)

    def view_of_base(g):
        return (read_from_storage(scatter_to_storage(g, *view_geom, storage_size), *base_geom),)
    set_grad_fn(t, node_class("AsStridedBackward0")(view_of_base, (grad_edge(base),)))


def set_grad_fn(t, node):
    """t's gradient comes from `node` from now on; retain_grad follows it there, as in
    torch (hooks stay on the old node, with the old value)."""
    old = port_or_grad_fn(t)
    t.grad_fn = node
    t._requires_grad = True
    if t._base is not None:
        t._view_version = t._storage._version  # (see graph.grad_edge)
    if t._retains_grad:
        if old is not None and old._retained:
            old._retained = [r for r in old._retained if r() is not t]
        node.retain(t)
