"""Sampling: bernoulli, exponential_, multinomial and random_ in all its forms.

On the CPU each draws torch's CPU sequence (backends/cpu.py, kernels/cpu/rng.py). On cuda
they are made from the backend's uniform draws (tm's own Philox stream); multinomial is
CPU only.
"""
import numbers

import numpy as np

from .. import backends
from .. import creation
from .. import dtypes as D
from ..random import generator_or_default
from .._tensor import Tensor
from .elementwise import _TORCH_TYPE_NAMES, check_no_internal_overlap
from .reduction import argmax


def _filled(t):
    """t after an in-place draw: its version bumped (autograd's in-place check)."""
    t._storage._version += 1
    return t


# --- random_ --------------------------------------------------------------------------

_NO_TO = object()  # random_(from) without `to` differs from random_(from, None)


def random_(self, *args, to=_NO_TO, generator=None):
    """random_(), random_(to), random_(from, to) and random_(from, None), as torch; `to` may
    come by keyword."""
    gen = generator_or_default(generator)
    if len(args) > 2 or (to is not _NO_TO and len(args) > 1):
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
    if to is not _NO_TO:
        args = (args[0] if args else 0, to)
    check_no_internal_overlap(self)
    if not args:
        if self.numel():
            if self.device.type == "cpu":
                backends.get("cpu").random_bits_(self, gen)
            else:
                span = backends.get("cpu").RANDOM_BITS[self._dtype.np][1]
                backends.get(self.device.type).random_integers_(self, 0, span, gen)
            _filled(self)
        return self
    low, high = (0, args[0]) if len(args) == 1 else args
    low = int(low)
    if high is not None:
        return creation.random_ints_(self, low, int(high), gen)
    if low == -(1 << 63):  # all of int64
        if self._dtype not in (D.int64, D.float32, D.float64):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, "
                               "float and bfloat16")
        if self.numel():
            backends.get(self.device.type).random_integers_(self, low, 1 << 63, gen)
            _filled(self)
        return self
    if self._dtype.is_floating_point:
        high = (1 << (D.finfo(self._dtype).nmant + 1)) + 1
    else:
        high = 2 if self._dtype is D.bool_ else int(np.iinfo(self._dtype.np).max) + 1
    return creation.random_ints_(self, low, high, gen)


# --- bernoulli --------------------------------------------------------------------------

def bernoulli_(self, p=0.5, *, generator=None):
    """1 with probability p (a float, or a float tensor broadcast to self), else 0."""
    gen = generator_or_default(generator)
    if isinstance(p, Tensor):
        if not p._dtype.is_floating_point:
            raise NotImplementedError("\"bernoulli_tensor_cpu_p_\" not implemented for "
                                      f"'{_TORCH_TYPE_NAMES[p._dtype.name]}'")
        p = p.to(device=self.device).expand(self._shape)
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    check_no_internal_overlap(self)
    if not self.numel():
        return self
    if self.device.type == "cpu":
        backends.get("cpu").bernoulli_(self, p if isinstance(p, Tensor) else float(p), gen)
    else:
        u = creation.uniform_(creation.empty(self._shape, dtype=D.float64, device=self.device),
                              generator=gen)
        self.copy_(u < p)
    return _filled(self)


def bernoulli(input, p=None, *, generator=None):
    """torch.bernoulli(input): each element 1 with probability input's value; with a float
    p, every element with probability p."""
    if p is None and not input._dtype.is_floating_point:
        raise NotImplementedError("\"bernoulli_tensor_cpu_p_\" not implemented for "
                                  f"'{_TORCH_TYPE_NAMES[input._dtype.name]}'")
    out = creation.empty_like(input)
    return bernoulli_(out, input if p is None else p, generator=generator)


# --- exponential_ -------------------------------------------------------------------------

def exponential_(self, lambd=1.0, *, generator=None):
    gen = generator_or_default(generator)
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    if not self._dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           "dtype must be a floating point but you specified "
                           f"{_TORCH_TYPE_NAMES[self._dtype.name]}")
    check_no_internal_overlap(self)
    if not self.numel():
        return self
    if self.device.type == "cpu":
        backends.get("cpu").exponential_(self, lambd, gen)
    else:
        u = creation.uniform_(creation.empty(self._shape, dtype=D.float64, device=self.device),
                              generator=gen)
        self.copy_((-u).log1p() * (-1.0 / lambd))
    return _filled(self)


# --- multinomial -------------------------------------------------------------------------

def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices sampled from each row of input's weights. Without replacement, or for one
    sample, torch takes the largest p / q with q exponential (the Gumbel trick); with
    replacement, a binary search of the normalised cumulative weights per sample."""
    gen = generator_or_default(generator)
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input._dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_TORCH_TYPE_NAMES[input._dtype.name]}")
    if not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input._shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if input.device.type != "cpu":
        raise NotImplementedError("tensorrt_mini's multinomial runs on the CPU only")
    if not replacement or num_samples == 1:
        probs = input._host_values()
        if not (np.isfinite(probs).all() and (probs >= 0).all()):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (probs.sum(axis=-1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        weights = creation.empty_like(input)
        if input.numel():
            backends.get("cpu").exponential_(weights, 1.0, gen)
        weights = input / weights
        if num_samples == 1:
            return argmax(weights, -1, keepdim=True)
        order = np.argsort(-weights._host_values(), axis=-1, kind="stable")
        return creation.tensor(np.ascontiguousarray(order[..., :num_samples]))
    rows = np.ascontiguousarray(input._host_values()).reshape(-1, input._shape[-1])
    if not np.isfinite(rows).all():
        raise RuntimeError("invalid multinomial distribution (encountering probability entry = "
                           "infinity or NaN)")
    if (rows < 0).any():
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    if (rows.sum(axis=-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    out = backends.get("cpu").multinomial(rows, num_samples, gen)
    return creation.tensor(out.reshape(input._shape[:-1] + (num_samples,)))
