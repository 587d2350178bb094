"""In-place ops on tensors in the graph: the written tensor gets a new grad_fn.

An in-place op computes its result out of place (recording the op's usual node, whose
first input is the old value), writes it into the tensor, and makes that node the
tensor's grad_fn ("rebasing" the graph, as PyTorch does). When the tensor is a view, the
write also changed its base: the base's new grad_fn (CopySlices) routes the gradient of
the written region through the op's node and the rest to the base's old grad_fn.
"""
from .. import _tensor as T
from ..ops import elementwise as E
from ..ops.dispatch import GradMode, check_no_grad_view
from .graph import (_BACKWARD_SUFFIX, Node, OutputPort, alias, edge, grad_edge, node_class,
                    port_or_grad_fn, refresh_view, set_grad_fn)
from .storage_geometry import read_from_storage, scatter_to_storage

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def check_target(t, view_op=None):
    """PyTorch refuses to write in place into a leaf that requires grad, or a view of one,
    or a view made under no_grad of a tensor that requires grad, or an autograd.Function
    output that is a view, or a view of one. `view_op` names the op that made t when t is
    setitem's view, which has no grad_fn of its own."""
    if t._requires_grad and t.grad_fn is None:
        raise RuntimeError(LEAF)
    if view_op is None:  # (setitem's own view has no graph by design: it checks its input)
        check_no_grad_view(t)
    base = t._base
    if base is not None and base._requires_grad and base.grad_fn is None:
        raise RuntimeError(VIEW_OF_LEAF)
    for v in (t, base):
        why = getattr(v, "_custom_view", None) if v is not None else None
        if why is not None:  # (see function._record)
            node = port_or_grad_fn(t)
            nr = node.nr if type(node) is OutputPort else 0
            op = _BACKWARD_SUFFIX.sub("", t.grad_fn.name()) if t.grad_fn else view_op
            raise RuntimeError(f"Output {nr} of {op} is a view and is being modified inplace. "
                               + why)


def via_out_of_place(t, compute, name):
    """t := compute(), where compute() runs the out-of-place op `name` on t with grad mode on."""
    check_target(t)
    res = compute()
    E.check_castable(res._dtype, t._dtype)
    node = res.grad_fn
    if node is not None:
        _keep_old_values(node, t)
    elif t._requires_grad:  # a non-differentiable result (t.gt_(0)): t no longer depends on anything
        node = node_class("".join(p.capitalize() for p in name.split("_")) + "Backward0")(
            lambda g: (None,), (edge(t),))
    GradMode.enabled = False
    try:
        E.copy_into.raw(t, res)
    finally:
        GradMode.enabled = True
    if node is not None:
        _saved_output_is(node, t)
        rebase(t, node)
    return t


def _keep_old_values(node, t):
    """Saved tensors that the write would overwrite are copied first (PyTorch saves the
    original self for in-place ops whose backward needs it)."""
    saved = node._saved
    if not saved or not any(s._storage is t._storage for s in saved):
        return
    node._saved = tuple(T.clone_raw(s) if s._storage is t._storage else s for s in saved)
    node._versions = tuple(s._storage._version for s in node._saved)


def _saved_output_is(node, t):
    """The node's saved output now lives in t: track t's version from here on."""
    if node._out_pos >= 0:
        saved = list(node._saved)
        saved[node._out_pos] = alias(t)
        node._saved = tuple(saved)
        node._versions = tuple(s._storage._version for s in saved)


class CopySlices(Node):
    """The grad_fn of a base after an in-place op on one of its views."""

    __slots__ = ("inner",)

    def release(self):
        super().release()
        self.inner.release()


def rebase(t, node):
    """Make `node` (whose first input is t's old value) produce t's gradient from now on."""
    base = t._base
    if base is None:
        set_grad_fn(t, node)
    else:
        storage_size = t._storage.size()
        base_geom = (base._shape, base._stride, base._offset)
        view_geom = (t._shape, t._stride, t._offset)

        def copy_slices(g):
            buf = scatter_to_storage(g, *base_geom, storage_size)
            region = buf.as_strided(*view_geom)
            grads = node.apply(region.clone())
            if grads[0] is None:
                region.zero_()
            else:
                region.copy_(grads[0])
            return (read_from_storage(buf, *base_geom),) + tuple(grads[1:])
        base_node = CopySlices(copy_slices, (edge(base),) + node.next[1:])
        base_node.inner = node
        set_grad_fn(base, base_node)
        refresh_view(t)
