"""GradScaler: loss scaling for mixed-precision training, as torch.amp.GradScaler.

The loss is multiplied by a scale so that small float16 gradients do not flush to zero;
`step` divides the gradients by it again, skips the optimizer's step when any of them
overflowed (inf or NaN), and `update` halves the scale after an overflow and doubles it
after `growth_interval` clean steps. The scale and the growth tracker are 0-d tensors
(float32 and int32) on the device of the first scaled output, created there lazily, as
torch keeps them.
"""
import warnings
from collections import abc, defaultdict
from enum import Enum

import numpy as np

from .. import creation
from .. import dtypes as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..backends import cuda_runtime
from ..ops.elementwise import isfinite


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_optimizer_state():
    # a module-level factory, not a lambda, so that a scaler stays picklable
    return {"stage": OptState.READY, "found_inf_per_device": {}}


def _float32(x):
    """x rounded to float32 (inf past its range), as torch's kernels store a double
    product into the float32 scale."""
    with np.errstate(over="ignore"):
        return float(np.float32(x))


_FIX = ("This may indicate your script did not use scaler.scale(loss or outputs) earlier in "
        "the iteration.")


class GradScaler:
    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled and not cuda_runtime.is_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None  # made by the first scale(), on its outputs' device
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = defaultdict(_fresh_optimizer_state)

    def _check_scale_growth_tracker(self, funcname):
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + _FIX)
        if self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _growth_tracker is None.  " + _FIX)
        return self._scale, self._growth_tracker

    def _lazy_init_scale_growth_tracker(self, device):
        self._scale = creation.full((), self._init_scale, dtype=D.float32, device=device)
        self._growth_tracker = creation.full((), self._init_growth_tracker, dtype=D.int32,
                                             device=device)

    # --- scaling ----------------------------------------------------------------------
    def scale(self, outputs):
        """outputs (a tensor, or lists and tuples of them, nested) times the scale."""
        if not self._enabled:
            return outputs
        copies = {}  # the scale on each device the outputs live on, copied once

        def scaled(value):
            if isinstance(value, Tensor):
                if self._scale is None:
                    self._lazy_init_scale_growth_tracker(value.device)
                device = value.device
                if device not in copies:
                    copies[device] = self._scale.to(device=device)
                return value * copies[device]
            if isinstance(value, (list, tuple)):
                return type(value)(scaled(v) for v in value)
            if isinstance(value, abc.Iterable):
                return map(scaled, value)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return scaled(outputs)

    @staticmethod
    def _unscale_grads_(optimizer, inv_scale):
        """Multiplies every gradient by inv_scale; returns {device: 0-d float32 found_inf},
        1.0 where a gradient on that device held an inf or NaN before unscaling."""
        found_inf = {}
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    grad = param.grad
                    if grad is None:
                        continue
                    if grad.dtype is D.float16:  # (torch allows them only internally)
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    device = grad.device
                    if device not in found_inf:
                        found_inf[device] = creation.full((), 0.0, dtype=D.float32, device=device)
                    if not isfinite(grad).all().item():
                        found_inf[device].fill_(1.0)
                    grad.mul_(inv_scale)
        return found_inf

    def unscale_(self, optimizer):
        """Divides the optimizer's gradients by the scale (once per step), so that they
        can be clipped or inspected before `step`."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # the reciprocal in float64, then rounded, as torch computes it
        inv_scale = _float32(1.0 / self._scale.item())
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscales the gradients (unless unscale_ did) and runs optimizer.step(*args,
        **kwargs) unless one of them held an inf or NaN; returns what step returned."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if not state["found_inf_per_device"]:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None
        if not sum(v.item() for v in state["found_inf_per_device"].values()):
            result = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return result

    def update(self, new_scale=None):
        """Sets the scale for the next iteration: new_scale when given, else backed off
        after an overflow in any optimizer, grown after growth_interval clean steps."""
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        if new_scale is not None:
            if isinstance(new_scale, float):
                scale.fill_(new_scale)
            else:
                reason = ("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                          "torch.FloatTensor with requires_grad=False.")
                if (new_scale.device.type != self._device or new_scale.numel() != 1
                        or new_scale.requires_grad):
                    raise AssertionError(reason)
                scale.copy_(new_scale)
        else:
            found_infs = [f.item() for s in self._per_optimizer_states.values()
                          for f in s["found_inf_per_device"].values()]
            if not found_infs:
                raise AssertionError("No inf checks were recorded prior to update.")
            self._update_scale(scale, tracker, sum(found_infs))
        self._per_optimizer_states = defaultdict(_fresh_optimizer_state)

    def _update_scale(self, scale, tracker, found_inf):
        """torch's _amp_update_scale_: back off and reset the tracker after an overflow;
        otherwise count a clean step, and grow the scale (unless that overflows float32)
        when the count reaches growth_interval."""
        if found_inf:
            scale.fill_(_float32(scale.item() * self._backoff_factor))
            tracker.fill_(0)
            return
        successful = tracker.item() + 1
        if successful == self._growth_interval:
            grown = _float32(scale.item() * self._growth_factor)
            if np.isfinite(grown):
                scale.fill_(grown)
            successful = 0
        tracker.fill_(successful)

    # --- settings and state -----------------------------------------------------------
    def get_scale(self):
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        if self._growth_tracker is None:
            return self._init_growth_tracker
        return self._growth_tracker.item()

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker.fill_(state_dict["_growth_tracker"])

    def __getstate__(self):
        # a pickle keeps the numbers; the unpickled scaler makes its tensors lazily again
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning "
                                     "of an iteration, or at the end after scaler.update().")
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
