"""The autograd methods of Tensor: backward, retain_grad, retains_grad, register_hook,
register_post_accumulate_grad_hook."""
from .._tensor import Tensor
from . import api, hooks
from .graph import grad_edge


def _backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    api.backward(self, gradient, retain_graph, create_graph, inputs)


def _retain_grad(self):
    if not self._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is not None and not self._retains_grad:
        self._retains_grad = True
        grad_edge(self).retain(self)


Tensor.backward = _backward
Tensor.register_hook = hooks.register_hook
Tensor.register_post_accumulate_grad_hook = hooks.register_post_accumulate_grad_hook
Tensor.retain_grad = _retain_grad
Tensor.retains_grad = property(lambda self: self._retains_grad)
