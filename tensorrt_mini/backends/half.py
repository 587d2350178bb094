"""float16 and bfloat16 on both backends: the kernels compute in float32.

Numba has no bfloat16 (kept as uint16 bits, a kernel would compute on the integers) and
no float16 on the cpu. So `HalfAware` puts one rule in front of every backend op: an op that
meets a half tensor runs on float32 copies of its half tensors, and the half tensors it
writes get its float32 results rounded back (to nearest even), as torch's kernels
compute half in float32 and store half. The ops that convert (copy_, fill_) or make
storage (binary_contig_new, reduce_all) have their own forms here; a backend lists in
`HALF_NATIVE` the ops it runs on half itself (cuda's matmul goes to cuBLAS in half).
"""
import functools
import math

import numpy as np

from .. import dtypes as D
from ..kernels import half as K
from ..layout import contiguous_strides
from .buffer_checks import check_same_shapes
from .scratch_view import View

# op -> positions of the arguments it writes (tensors or lists of them). They are copied
# in too: an in-place op reads what it writes, and an op may write only part of one.
WRITES = {
    "elementwise": (1,), "unary": (1,), "binary": (1,), "binary_scalar": (1,), "where": (0,),
    "reduce": (1,), "arg_reduce": (1, 2), "fused_reduce": (3,), "matmul": (0,), "take": (0,),
    "put_": (0,), "put_reduce_": (0,), "sort": (0, 1), "topk": (0, 1), "cumulative": (1,),
    "searchsorted": (0,), "uniform_": (0,), "normal_": (0,), "random_integers_": (0,),
    "sgd_step": (0, 2), "adam_step": (0, 2, 3, 4), "channel_moments": (0, 1),
    "plane_affine": (0,), "softmax": (0,), "layer_norm": (0, 1, 2), "nll_pick": (0, 1),
    "take_along": (0,), "flip": (0,), "roll": (0,), "gather": (0,), "triangle": (0,),
    "cat": (0,), "stack": (0,), "scatter_along": (0,), "random_bits_": (0,),
    "bernoulli_": (0,), "exponential_": (0,), "im2col": (0,), "col2im": (0,),
    "max_pool2d": (0, 1), "max_pool2d_backward": (0,),
}
# ops refused on half tensors, naming the dtype, rather than computed in float32 (torch's
# CPU has no half LAPACK either)
REFUSED = ("linalg", "ctc_loss", "ctc_loss_backward", "fft")
_SEQUENCES = (list, tuple)


class _NotHalf:
    is_half = False


_NOT_HALF = _NotHalf()


def _is_half(x):
    return getattr(x, "_dtype", _NOT_HALF).is_half


def _meets_half(args):
    for a in args:
        if a.__class__ in _SEQUENCES:
            for x in a:
                if _is_half(x):
                    return True
        elif _is_half(a):
            return True
    return False


# --- conversions over a backend's array views ------------------------------------------

def _scratch(backend, shape, dtype, device):
    return View(backend.empty(math.prod(shape), dtype, device), shape, contiguous_strides(shape))


def to_float32(backend, t):
    """A fresh contiguous float32 copy of half tensor t (exact)."""
    out = _scratch(backend, t._shape, D.float32, t._storage.device)
    if math.prod(t._shape):
        x = backend.array_view(t)
        backend.array_view(out)[...] = K.bf16_to_f32(x) if t._dtype is D.bfloat16 else x
    return out


def round_into(backend, dst, src):
    """dst (half) = float32 src rounded to nearest even."""
    if not math.prod(dst._shape):
        return
    x = backend.array_view(src)
    if dst._dtype is D.float16:
        backend.array_view(dst)[...] = K.f32_to_f16(x)
    elif isinstance(x, np.ndarray):  # the host: one Numba pass
        bits = np.empty(x.shape, np.uint16)
        K.f32_bits_to_bf16(bits.reshape(-1), np.ascontiguousarray(x).view(np.uint32).reshape(-1))
        backend.array_view(dst)[...] = bits
    else:
        backend.array_view(dst)[...] = K.f32_to_bf16(x)


def _copy(backend, raw_copy, dst, src):
    """copy_ where dst or src is half. Other types go to and from half through float32, as
    torch converts them (float64 -> bfloat16 rounds twice, as torch's does)."""
    if src._shape != dst._shape:
        check_same_shapes("copy_", dst, (src,))
    if not math.prod(dst._shape):
        return
    if dst._dtype is src._dtype:  # the bits as they are
        backend.array_view(dst)[...] = backend.array_view(src)
        return
    if src._dtype.is_half:
        src = to_float32(backend, src)
    elif src._dtype is not D.float32:
        wide = _scratch(backend, src._shape, D.float32, src._storage.device)
        raw_copy(wide, src)
        src = wide
    if dst._dtype.is_half:
        round_into(backend, dst, src)
    else:
        raw_copy(dst, src)


# --- the wrapped backend ---------------------------------------------------------------

def _in_float32(backend, fn, writes, args, kwargs):
    copies = {}  # id(half tensor) -> (it, its float32 copy): one copy per tensor

    def widen(x):
        if not _is_half(x):
            return x
        found = copies.get(id(x))
        if found is None:
            found = copies[id(x)] = (x, to_float32(backend, x))
        return found[1]

    def widen_arg(a):
        return type(a)(widen(x) for x in a) if a.__class__ in _SEQUENCES else widen(a)

    result = fn(*[widen_arg(a) for a in args], **{k: widen_arg(v) for k, v in kwargs.items()})
    for i in writes:
        for x in args[i] if args[i].__class__ in _SEQUENCES else (args[i],):
            if _is_half(x):
                round_into(backend, x, copies[id(x)][1])
    return result


def _wrapped(backend, name, fn):
    if name in REFUSED:
        @functools.wraps(fn)
        def op(*args, **kwargs):
            for a in args:
                for x in a if a.__class__ in _SEQUENCES else (a,):
                    if _is_half(x):
                        raise RuntimeError(f"{name}: tensorrt_mini has no {x._dtype.name} kernels "
                                           "for it; convert to float32 first")
            return fn(*args, **kwargs)
        return op
    writes = WRITES[name]
    fast = _FAST_FORMS.get(name)
    if fast is not None:
        return functools.wraps(fn)(fast(backend, fn, writes))

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _meets_half(args) or kwargs and _meets_half(kwargs.values()):
            return _in_float32(backend, fn, writes, args, kwargs)
        return fn(*args, **kwargs)
    return op


# The tiny ops' own forms: their tensors sit at known places, so the check costs ~0.1 µs
# where the general walk over every argument costs ~1 µs of a ~6 µs op.

def _unary(backend, fn, writes):
    def op(name, out, x):
        if out._dtype.is_half or x._dtype.is_half:
            return _in_float32(backend, fn, writes, (name, out, x), {})
        return fn(name, out, x)
    return op


def _binary(backend, fn, writes):
    def op(name, out, a, b):
        if out._dtype.is_half or a._dtype.is_half or b._dtype.is_half:
            return _in_float32(backend, fn, writes, (name, out, a, b), {})
        return fn(name, out, a, b)
    return op


def _binary_scalar(backend, fn, writes):
    def op(name, out, a, value, reverse=False):
        if out._dtype.is_half or a._dtype.is_half:
            return _in_float32(backend, fn, writes, (name, out, a, value, reverse), {})
        return fn(name, out, a, value, reverse)
    return op


def _elementwise(backend, fn, writes):
    def op(kernel, outs, operands):
        for x in outs:
            if x._dtype.is_half:
                return _in_float32(backend, fn, writes, (kernel, outs, operands), {})
        for x in operands:
            if getattr(x, "_dtype", _NOT_HALF).is_half:
                return _in_float32(backend, fn, writes, (kernel, outs, operands), {})
        return fn(kernel, outs, operands)
    return op


_FAST_FORMS = {"unary": _unary, "binary": _binary, "binary_scalar": _binary_scalar,
               "elementwise": _elementwise}


class HalfAware:
    """A backend module behind the float32 rule: the ops in WRITES and REFUSED wrapped,
    copy_, fill_, binary_contig_new and reduce_all converting, everything else the
    module's own."""

    def __init__(self, module):
        self.module = module
        native = getattr(module, "HALF_NATIVE", ())
        for name in (*WRITES, *REFUSED):
            fn = getattr(module, name, None)
            if fn is not None and name not in native:
                setattr(self, name, _wrapped(self, name, fn))

    def __getattr__(self, name):
        return getattr(self.module, name)

    def empty(self, numel, dtype, device=None):
        # a method, not found through __getattr__: ~0.3 µs less on every tiny op
        return self.module.empty(numel, dtype, device)

    def copy_(self, dst, src):
        if dst._dtype.is_half or src._dtype.is_half:
            return _copy(self, self.module.copy_, dst, src)
        return self.module.copy_(dst, src)

    def fill_(self, dst, value):
        """value: a numpy scalar of dst's storage type (bfloat16: its bits)."""
        if dst._dtype.is_half:
            if math.prod(dst._shape):
                self.module.array_view(dst)[...] = value
            return
        return self.module.fill_(dst, value)

    def binary_contig_new(self, name, a, b, n):
        if not a._dtype.is_half:
            return self.module.binary_contig_new(name, a, b, n)
        wide = self.module.binary_contig_new(name, to_float32(self, a), to_float32(self, b), n)
        return self._narrowed(wide, a._dtype, n)

    def reduce_all(self, name, x, n):
        if not x._dtype.is_half:
            return self.module.reduce_all(name, x, n)
        wide = self.module.reduce_all(name, to_float32(self, x), n)
        return self._narrowed(wide, x._dtype, 1) if wide.dtype is D.float32 else wide

    def _narrowed(self, wide, dtype, n):
        """A new storage of dtype holding float32 storage `wide`'s n values, rounded."""
        out = View(self.module.empty(n, dtype, wide.device), (n,), (1,))
        round_into(self, out, View(wide, (n,), (1,)))
        return out._storage
