"""Reverse-mode automatic differentiation on top of the Tensor.

Ops decorated with `ops.dispatch.differentiable` call the formulas registered here when
grad mode is on and an input requires grad; each formula runs the op and records a node
(the output's `grad_fn`). `backward` walks those nodes from an output to the leaves.
"""
from . import formulas  # noqa: F401  (registers every derivative)
from . import tensor_api  # noqa: F401  (binds Tensor.backward, retain_grad)
from .api import backward, grad
from .function import Function, FunctionCtx
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import functional  # noqa: F401  (tm.autograd.functional)
from .gradcheck import gradcheck, gradgradcheck
from .graph import Node
