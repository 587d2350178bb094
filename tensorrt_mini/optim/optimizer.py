"""Optimizer: parameter groups, per-parameter state, zero_grad and state_dict.

Subclasses implement `_update(group, param, state)` for one parameter: SGD and Adam call
the device backend's fused step (one kernel launch per parameter), the others compose
tensor ops in place, in the order torch's single-tensor update performs them, so that
their numbers agree with torch's to float32 rounding.

The state keeps torch's keys and value types (a state_dict converts tensor by tensor
into torch's optimizer and back): `step` is a 0-d float32 cpu tensor (float64 when that
is the default dtype), as torch keeps it when neither `capturable` nor `fused` is set.
"""
from .. import _tensor as T
from .. import backends, creation, dtypes
from ..autograd.api import zero_grads
from ..autograd.grad_mode import enable_grad, no_grad
from ..layout import broadcast_shapes


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
        if isinstance(params, T.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {params.type()}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self):
        # a scheduler wraps this optimizer's `step` in an instance attribute bound to this
        # object (to notice the first call): a copy or a pickle takes the class's `step`
        state = self.__dict__.copy()
        state.pop("step", None)
        return state

    def add_param_group(self, param_group):
        params = param_group["params"]
        params = [params] if isinstance(params, T.Tensor) else list(params)
        for p in params:
            if not isinstance(p, T.Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {"params": params}
        for k, v in self.defaults.items():
            value = param_group.get(k, v)
            if value is required:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {k}")
            group[k] = value
        if group.get("differentiable"):
            # tm's steps run under no_grad: a differentiable step would silently be not
            raise NotImplementedError("tensorrt_mini's optimizers do not support "
                                      "differentiable=True")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state.get(p, {})
                    _check_sizes(p, (p.grad, *state.values()))
                    self._update(group, p, state)
                    if state:  # as torch: no entry for a parameter without state (plain SGD)
                        self.state[p] = state
                    p._storage._version += 1  # an in-place write, as autograd must see it
        return loss

    def _update(self, group, param, state):
        raise NotImplementedError

    @staticmethod
    def _backend(param):
        return backends.get(param._storage.device.type)

    @staticmethod
    def _grad(param):
        """The gradient in the parameter's dtype (the fused kernels take one dtype)."""
        g = param.grad
        return g if g._dtype is param._dtype else g.to(param._dtype)

    @classmethod
    def _direction(cls, param, maximize, weight_decay=0):
        """The gradient as the composed updates start from it: negated for `maximize`,
        plus `weight_decay` times the parameter (p.grad itself is left alone)."""
        grad = cls._grad(param)
        if maximize:
            grad = grad.neg()
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        return grad

    @staticmethod
    def _new_step(value=0.0):
        """A fresh `step` counter, as torch makes it."""
        dtype = dtypes.float64 if dtypes.get_default_dtype() is dtypes.float64 else dtypes.float32
        return creation.tensor(float(value), dtype=dtype)

    @staticmethod
    def _advance(state):
        """Counts one more step in state["step"] and returns the count as a float."""
        step = state["step"]
        if not isinstance(step, T.Tensor):  # a plain number, from an old state_dict
            raise RuntimeError("API has changed, `state_steps` argument must contain a list "
                               "of singleton tensors")
        step += 1
        return step.item()

    # --- state ------------------------------------------------------------------------
    def state_dict(self):
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        state_dict = state_dict.copy()  # (a str or list fails here with torch's error type)
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for mine, theirs in zip(self.param_groups, groups):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match "
                                 "the size of optimizer's group")
        by_index = {}
        for mine, theirs in zip(self.param_groups, groups):
            for p, i in zip(mine["params"], theirs["params"]):
                by_index[i] = p
            for k, v in theirs.items():
                if k != "params":
                    mine[k] = v
        self.state = {}
        for i, s in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {k: _state_value(k, v, p) for k, v in s.items()}

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in group if k != "params"):
                lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _check_sizes(param, tensors):
    """torch's error where the gradient or a state buffer no longer has the parameter's
    size (the state_dict of another model, or `.data` replaced), before anything is
    written. 0-d state (the step count, NAdam's mu_product, ASGD's eta and mu) is a
    scalar, not a buffer of the parameter's shape."""
    for t in tensors:
        if isinstance(t, T.Tensor) and t._shape and t._shape != param._shape:
            shape = broadcast_shapes(t._shape, param._shape)
            raise RuntimeError(f"output with shape {list(t._shape)} doesn't match the "
                               f"broadcast shape {list(shape)}")


def _state_value(key, v, p):
    """A loaded state value as torch loads it: `step` as given (a copy), other tensors
    copied onto p's device (floating ones in p's dtype), lists and dicts item by item.
    Copies are contiguous: the fused kernels walk state buffers flat."""
    if isinstance(v, (list, tuple)):
        return type(v)(_state_value(key, x, p) for x in v)
    if isinstance(v, dict):
        return {k: _state_value(key, x, p) for k, x in v.items()}
    if key == "step":  # a plain number (an old state_dict) becomes torch's tensor
        return v.clone() if isinstance(v, T.Tensor) else Optimizer._new_step(v)
    if not isinstance(v, T.Tensor):
        return v
    out = v.to(device=p.device, dtype=p.dtype if v.is_floating_point() else None).contiguous()
    return out.clone() if out is v else out
