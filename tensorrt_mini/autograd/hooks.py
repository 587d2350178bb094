"""Tensor.register_hook: functions called with a tensor's gradient during backward, which
may return a replacement, and the handle that removes one. Tensor.
register_post_accumulate_grad_hook: functions called with a leaf once backward has
accumulated its gradient into .grad (what DistributedDataParallel starts a reduction from).

A leaf keeps its hooks (they run on the total gradient, before it is accumulated into
.grad); any other tensor's hooks live on the node its gradient enters the graph at, so a
tensor changed in place after a hook was registered keeps that hook on its old value, as
in torch.
"""
import itertools

from .. import _tensor as T
from .graph import grad_edge

_keys = itertools.count()


class RemovableHandle:
    """What register_hook (and Module.register_forward_hook...) returns: `remove()` takes
    the hook out of its table again, and its id out of any `extra` table kept beside."""

    def __init__(self, hooks, *extra):
        self._tables = (hooks,) + extra
        self.id = next(_keys)

    def remove(self):
        for table in self._tables:
            table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_hook(tensor, hook):
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    node = grad_edge(tensor)
    if node is None:
        hooks = getattr(tensor, "_hooks", None)
        if hooks is None:
            hooks = tensor._hooks = {}
    else:
        hooks = node._hooks
        if hooks is None:
            hooks = node._hooks = {}
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def register_post_accumulate_grad_hook(tensor, hook):
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if grad_edge(tensor) is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    hooks = getattr(tensor, "_post_acc_hooks", None)
    if hooks is None:
        hooks = tensor._post_acc_hooks = {}
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def run_post_accumulate_hooks(hooks, tensor):
    """Each hook called with the leaf whose .grad now holds this backward's gradient."""
    for hook in list(hooks.values()):
        result = hook(tensor)
        if result is not None:
            raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")


def run_hooks(hooks, grad):
    """grad passed through the hooks in the order they were registered; a hook that
    returns None leaves it as it is."""
    for hook in list(hooks.values()):
        new = hook(grad)
        if new is None:
            continue
        if not isinstance(new, T.Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
        name = getattr(hook, "__name__", repr(hook))
        if new._shape != grad._shape:
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        if new._dtype is not grad._dtype or new._storage.device != grad._storage.device:
            raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                               f"{grad.type()} got {new.type()})")
        grad = new
    return grad
