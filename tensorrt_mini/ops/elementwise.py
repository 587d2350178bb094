"""Elementwise ops: type promotion, broadcasting, output allocation and in-place rules.

Every op lands in one of three backend calls (`unary`, `binary`, `binary_scalar`) with
operands already in one compute dtype, so kernels never mix dtypes.
"""
import math

import numpy as np

from .. import _tensor as T
from .. import dtypes as D
from ..kernels import catalog
from ..storage import READ_ONLY
from ..layout import (broadcast_shapes, expand_strides, has_internal_overlap,
                      is_non_overlapping_and_dense)
from .dispatch import differentiable

# ops whose results carry no gradient: bool results, and integer-only ops
NOT_DIFFERENTIABLE = frozenset(
    [name for name, op in catalog.OPS.items() if op.result == "bool" or "f" not in op.kinds]
    + ["nextafter", "heaviside"])
COMPARISONS = frozenset("eq ne lt le gt ge".split())
LOGICAL = frozenset("logical_and logical_or logical_xor".split())
# torch's kernel names, where its "not implemented for" messages differ from the op's name
_KERNEL_NAMES = {"bitwise_left_shift": "lshift", "bitwise_right_shift": "rshift",
                 "floor_divide": "div_floor", "div_trunc": "div_trunc"}
# div's rounding modes, as the catalog ops that compute them
_ROUNDED_DIV = {None: "div", "trunc": "div_trunc", "floor": "floor_divide"}

_TORCH_TYPE_NAMES = D.TYPE_NAMES

# the C type names some of torch's messages print
C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
           "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
           "float16": "c10::Half", "bfloat16": "c10::BFloat16"}
_FILL_NAMES = {"float32": "float", "float64": "double", "int64": "int64_t", "int32": "int",
               "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t", "bool": "bool",
               "float16": "c10::Half", "bfloat16": "c10::BFloat16"}

_F32_MAX = float(np.finfo(np.float32).max)
_HALF_MAX = {D.float16: 65504.0, D.bfloat16: 3.3895313892515355e38}

# unary ops whose torch kernels refuse bool, and the kernel name torch's error prints
_NO_BOOL = {"abs": "abs_cpu", "floor": "floor_vml_cpu", "ceil": "ceil_vml_cpu",
            "round": "round_vml_cpu", "trunc": "trunc_vml_cpu"}
# ops torch refuses for complex with its own words (the others: not_implemented's message)
_COMPLEX_REFUSED = {
    **{n: (NotImplementedError, f"{n} is not supported for complex inputs")
       for n in ("floor", "ceil", "trunc")},
    "relu": (NotImplementedError, "clamp is not supported for complex types"),
    "clamp": (NotImplementedError, "clamp is not supported for complex types"),
    "sign": (NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex "
             "numbers. Please use torch.sgn instead."),
    "maximum": (RuntimeError, "maximum not implemented for complex tensors."),
    "minimum": (RuntimeError, "minimum not implemented for complex tensors."),
    # reductions and ordering (ops/reduction.py, ops/ordering.py, ops/scans.py)
    **{n: (RuntimeError, f"{n}(): does not support complex input")
       for n in ("max", "min", "argmax", "argmin")},
    **{n: (NotImplementedError, f"\"{kernel}\" not implemented for '{{type}}'") for n, kernel in (
        ("max_all", "max_all"), ("min_all", "min_all"), ("amax", "max_values_cpu"),
        ("amin", "min_values_cpu"), ("cummax", "cummax_cpu"), ("cummin", "cummin_cpu"),
        ("median", "median_cpu"), ("nanmedian", "median_cpu"), ("kthvalue", "kthvalue_cpu"),
        ("mode", "mode_cpu"), ("unique", "unique"), ("searchsorted", "searchsorted_out_cpu"),
        ("histc", "aminmax_cpu"), ("aminmax", "aminmax_cpu"))},
    "sort": (RuntimeError, " Sort does not support complex dtypes on CPU"),
    "topk": (RuntimeError, " topk does not support complex dtypes on CPU"),
}
_VML_NAMES = {"round": "round_vml_cpu", "erf": "erf_vml_cpu"}


def check_not_complex(name, dtype):
    """torch's error where op `name` is not defined for complex dtype `dtype`."""
    refused = _COMPLEX_REFUSED.get(name)
    if refused is not None and dtype.is_complex:
        raise refused[0](refused[1].format(type=_TORCH_TYPE_NAMES[dtype.name]))


# binary ops that take two tensors only (no Python scalar), as torch's signatures do
_TENSOR_ONLY = frozenset("""maximum minimum logical_and logical_or logical_xor hypot atan2
    logaddexp logaddexp2 nextafter heaviside""".split())
# binary ops whose first argument must be a tensor (the second may be a number)
_TENSOR_FIRST = frozenset("fmod copysign".split())


def _empty(shape, dtype, device, like=None):
    return T.empty_strided_like(shape, dtype, device, like)


def _backend(t):
    return T.backends.get(t._storage.device.type)


def is_tensor(x):
    return isinstance(x, T.Tensor)


def result_type(*operands):
    """PyTorch's result_type: dimensioned tensors, then 0-d tensors, then Python scalars;
    a later tier only matters when it raises the category."""
    tiers = [None, None, None]
    for x in operands:
        if is_tensor(x):
            tier = 0 if x._shape else 1
            d = x._dtype
        else:
            tier = 2
            d = D.scalar_dtype(x)
        tiers[tier] = d if tiers[tier] is None else D.promote_types(tiers[tier], d)
    result = None
    for tier, d in enumerate(tiers):
        if d is None:
            continue
        if result is None:
            result = d
        elif d.category > result.category:
            if tier < 2:
                result = D.promote_types(result, d)  # complex64 with float64: complex128
            elif d.category == 3:  # a weak complex keeps a float's precision
                result = D.complex_of(result if result.category == 2 else D.get_default_dtype())
            else:
                result = D.int64 if d.category == 1 else D.get_default_dtype()
    return result


def to_dtype(t, dtype):
    """t converted to dtype (t itself when it already has it)."""
    if t._dtype is dtype:
        return t
    out = _empty(t._shape, dtype, t._storage.device, t)
    _backend(t).copy_(out, t)
    return out


def check_same_device(*tensors):
    dev = None
    for t in tensors:
        if dev is None:
            dev = t._storage.device
        elif t._storage.device != dev:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{dev} and {t._storage.device}!")
    return dev


def move_cpu_scalars(operands):
    """An elementwise op's operands with any 0-d cpu tensor moved to the device of the
    other tensors: torch reads such a tensor as a scalar (cuda_t * tm.tensor(2.) works).
    Any other mix of devices keeps torch's error, from check_same_device."""
    tensors = [x for x in operands if is_tensor(x)]
    others = [t for t in tensors if t._shape or t._storage.device.type != "cpu"]
    if not others or len(others) == len(tensors):
        return operands
    dev = check_same_device(*others)
    return [T.transfer_raw(x, dev) if is_tensor(x) and x._storage.device != dev else x
            for x in operands]


def scalar_in(value, dtype):
    """A Python scalar operand as a numpy scalar of dtype. Integers wrap like torch's C
    casts: uint8 tensor + -1 adds 255. Like torch, a Python int must fit int64 or uint64,
    whatever the tensor's dtype (float32 tensor + 2**70 raises)."""
    _check_python_int(value)
    if dtype.category == 1 and not isinstance(value, (bool, np.bool_)):
        v = int(value)
        bits = dtype.itemsize * 8
        v &= (1 << bits) - 1
        if dtype.is_signed and v >> (bits - 1):
            v -= 1 << bits
        return dtype.np.type(v)
    if dtype.category == 0:
        return np.bool_(value)
    if dtype.is_complex:
        return dtype.np.type(value)
    if isinstance(value, (complex, np.complexfloating)):
        raise RuntimeError(f"value cannot be converted to type {_FILL_NAMES[dtype.name]} "
                           "without overflow")
    if dtype is D.float32 and not -_F32_MAX <= value <= _F32_MAX or dtype.is_half:
        with np.errstate(over="ignore"):  # float32 takes 1e39 as inf, silently, as torch
            # the half types compute in float32: their scalars stay float32, as in torch
            return np.float32(value)
    return dtype.np.type(value)  # (errstate costs ~1 us: only where it matters)


def _check_python_int(value):
    """torch converts a Python int through int64 or uint64: beyond both, OverflowError."""
    if type(value) is int and not -(1 << 63) <= value < (1 << 64):
        raise OverflowError("can't convert negative int to unsigned" if value < 0
                            else "int too big to convert")


def fill_range(dtype, floating):
    """(lo, hi): the values torch lets integer `dtype` take from a float (its own range) or
    an integer (unsigned types also take negatives down to -max, which wrap)."""
    info = np.iinfo(dtype.np)
    return (info.min if dtype.is_signed else 0 if floating else -info.max), info.max


def fill_scalar(value, dtype):
    """A value to store (fill_, full, t[i] = v) as a numpy scalar of dtype, with torch's
    overflow check: out-of-range values raise, except that
    unsigned types accept negative integers down to -max, which wrap; a float must lie in
    the range itself (uint8 refuses -0.5, int8 refuses 127.9) and is truncated."""
    _check_python_int(value)
    if dtype.category == 0:
        return np.bool_(value)
    if dtype.category == 1:
        lo, hi = fill_range(dtype, isinstance(value, (float, np.floating)))
        if not lo <= value <= hi:  # NaN: not in range
            raise RuntimeError(f"value cannot be converted to type {_FILL_NAMES[dtype.name]} "
                               "without overflow")
        v = int(value)
        return dtype.np.type(v % (1 << dtype.itemsize * 8) if v < 0 and not dtype.is_signed else v)
    if dtype is D.float32 and math.isfinite(value) and not -_F32_MAX <= value <= _F32_MAX:
        raise RuntimeError("value cannot be converted to type float without overflow")
    if dtype.is_half:
        if math.isfinite(value) and not -_HALF_MAX[dtype] <= value <= _HALF_MAX[dtype]:
            raise RuntimeError(f"value cannot be converted to type {_FILL_NAMES[dtype.name]} "
                               "without overflow")
        return D.storage_values(value, dtype)[()]  # bfloat16: its bits
    return dtype.np.type(value)


def fill_operand(value, dtype):
    """fill_scalar's value as a kernel's operand: for the half types, in float32 (the
    type their kernels compute in, backends/half.py), not their storage's bits."""
    v = fill_scalar(value, dtype)
    return np.float32(D.host_values(np.asarray(v), dtype)) if dtype.is_half else v


def _check_scalar(x):
    if isinstance(x, (bool, int, float, complex, np.bool_, np.integer, np.floating,
                      np.complexfloating)):
        return
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


# --- unary ----------------------------------------------------------------------------

_UNARY_RESULTS = {}  # (op name, dtype) -> result dtype, for the ops that need no conversion


def unary(name, x, out=None):
    if out is None:
        out_dtype = _UNARY_RESULTS.get((name, x._dtype))
        if out_dtype is not None:  # a unary op's whole front end, for a contiguous input
            shape = x._shape
            stride, n = _LAYOUTS.get(shape) or T.contiguous_layout(shape)
            if x._stride == stride:
                dev = x._storage.device
                be = _LOADED.get(dev.type) or T.backends.get(dev.type)
                out = _new(be.empty(n, out_dtype, dev), shape, stride)
                be.unary(name, out, x)
                return out
    dtype = x._dtype
    if dtype is D.bool_:
        name = _bool_unary(name)
    elif dtype.is_complex:
        check_not_complex(name, dtype)
    op = catalog.get(name)
    if op.result == "bool":
        out_dtype = D.bool_
    elif op.real_of_complex and dtype.is_complex:
        out_dtype = D.real_of(dtype)
    elif op.result == "float" and dtype.category < 2:
        out_dtype = D.get_default_dtype()
        x = to_dtype(x, out_dtype)
    else:
        out_dtype = dtype
    if not op.supports(x._dtype.compute.np):
        raise not_implemented(name, x._dtype)
    if x._dtype is dtype and dtype is not D.bool_:  # checked and unconverted: the fast path's
        _UNARY_RESULTS[name, dtype] = out_dtype
    if out is None:
        out = _empty(x._shape, out_dtype, x._storage.device, x)
    else:
        _check_inplace(out, x._shape, out_dtype, (x,))
        if out._dtype is not out_dtype:
            tmp = unary(name, x)
            _backend(out).copy_(out, tmp)
            return out
        x = _separate(out, x)
    _backend(x).unary(name, out, x)
    return out


def not_implemented(name, dtype):
    """torch's error for an op its kernels do not define for dtype."""
    kernel = _VML_NAMES.get(name) or f"{_KERNEL_NAMES.get(name, name)}_cpu"
    return NotImplementedError(f"\"{kernel}\" not implemented for "
                               f"'{_TORCH_TYPE_NAMES[dtype.name]}'")


def _bool_unary(name):
    """The kernel for op `name` on a bool tensor, or torch's error."""
    if name == "neg":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    if name == "relu":
        raise RuntimeError("Boolean inputs not supported for relu")
    if name in _NO_BOOL:
        raise NotImplementedError(f"\"{_NO_BOOL[name]}\" not implemented for 'Bool'")
    return "logical_not" if name == "bitwise_not" else name


# --- binary ---------------------------------------------------------------------------

def binary_dtypes(name, a, b):
    """(compute dtype, output dtype) of a binary op, with PyTorch's errors."""
    if name in _TENSOR_ONLY and not (is_tensor(a) and is_tensor(b)):
        arg, bad = ("'other' (position 2)", b) if is_tensor(a) else ("'input' (position 1)", a)
        raise TypeError(f"{name}(): argument {arg} must be Tensor, not {type(bad).__name__}")
    if name in _TENSOR_FIRST and not is_tensor(a):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(a).__name__}, Tensor), but expected one of: (Tensor input, "
                        "Tensor other), (Tensor input, Number other)")
    rt = result_type(a, b)
    check_not_complex(name, rt)
    if name == "sub":
        _check_sub(a, b)
    op = catalog.get(name)
    if rt.is_complex and not op.supports(rt.np):  # lt, gt...: a predicate torch refuses
        raise not_implemented(name, rt)
    if op.result == "bool":
        return rt, D.bool_
    if op.result == "float" and rt.category < 2:
        rt = D.get_default_dtype()
    if not op.supports(rt.compute.np):
        raise not_implemented(name, rt)
    return rt, rt


def _is_bool(x):
    return x._dtype is D.bool_ if is_tensor(x) else isinstance(x, (bool, np.bool_))


def _check_sub(a, b):
    """torch refuses subtraction whenever either operand is bool, Python bools included."""
    a_bool, b_bool = _is_bool(a), _is_bool(b)
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")


# Ops whose result keeps the dtype of two same-dtype floating inputs, with no error case:
# for them the common call (same shape, dtype and device) skips promotion and checks.
_SAME_FLOAT = frozenset("add sub mul div maximum minimum".split())


# what the tiny op's path reads, bound here: each module attribute read costs it ~20 ns
_LAYOUTS = T.contiguous_layouts
_TENSOR = T.Tensor
_LOADED = T.backends.loaded
_new = T._new


def binary(name, a, b, out=None):
    """op(a, b) where at least one of a, b is a tensor and the other may be a Python scalar."""
    if (out is None and type(a) is _TENSOR and type(b) is _TENSOR and a._dtype is b._dtype
            and a._shape == b._shape and a._storage.device is b._storage.device
            and a._dtype.is_floating_point and name in _SAME_FLOAT):
        shape = a._shape
        stride, n = _LAYOUTS.get(shape) or T.contiguous_layout(shape)
        dev = a._storage.device
        be = _LOADED.get(dev.type) or T.backends.get(dev.type)
        if a._stride == stride and b._stride == stride:  # a tiny op's whole front end
            return _new(be.binary_contig_new(name, a, b, n), shape, stride)
        out = T.empty_strided_like(shape, a._dtype, dev, a)
        be.binary(name, out, a, b)
        return out
    a_t = is_tensor(a)
    b_t = is_tensor(b)
    if not a_t:
        _check_scalar(a)
    if not b_t:
        _check_scalar(b)
    compute, out_dtype = binary_dtypes(name, a, b)
    if name == "pow" and compute.category < 2:
        if compute is D.bool_ and b_t:  # torch has a bool pow only for a scalar exponent
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        if not b_t and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if not b_t:
            fill_scalar(b, compute)  # torch converts the exponent to the tensor's type
        name = "ipow"
    elif name == "pow" and not b_t and type(b) is not bool and b in catalog.POW_EXPONENTS \
            and not compute.is_complex:
        name = catalog.POW_EXPONENTS[b]  # torch's kernels for these exponents
    if a_t and b_t:
        if a._storage.device != b._storage.device:
            a, b = move_cpu_scalars((a, b))
        dev = check_same_device(a, b)
        shape = a._shape if a._shape == b._shape else broadcast_shapes(a._shape, b._shape)
        like = a if a._shape == shape else (b if b._shape == shape else None)
    else:
        t = a if a_t else b
        dev = t._storage.device
        shape = t._shape
        like = t
    if name in ("floor_divide", "div_trunc", "remainder", "fmod") and compute.category == 1 and 0 not in shape:
        _check_int_divisor(b)
    if out is None:
        out = _empty(shape, out_dtype, dev, like)
    else:
        _check_inplace(out, shape, out_dtype, [x for x in (a, b) if is_tensor(x)])
        if out._dtype is not out_dtype:
            tmp = binary(name if name != "ipow" else "pow", a, b)
            _backend(out).copy_(out, tmp)
            return out
    be = _backend(out)
    if compute.is_complex and not (a_t and b_t):
        # a complex number goes to the kernels as a 0-d tensor: a CUDA kernel's scalar
        # parameters are 8-byte words, too small for complex128
        number = scalar_tensor(b if a_t else a, compute, dev)
        a, b = (a, number) if a_t else (number, b)
        a_t = b_t = True
    if a_t and b_t:
        a = _separate(out, _expand_to(to_dtype(a, compute), shape))
        b = _separate(out, _expand_to(to_dtype(b, compute), shape))
        be.binary(name, out, a, b)
    elif a_t:
        be.binary_scalar(name, out, _separate(out, to_dtype(a, compute)), scalar_in(b, compute))
    else:
        be.binary_scalar(name, out, _separate(out, to_dtype(b, compute)), scalar_in(a, compute),
                         reverse=True)
    return out


def scalar_tensor(value, dtype, device):
    """A 0-d tensor of dtype holding Python number `value`, on device."""
    array = np.array([value], dtype.np)
    return T._new(T.backends.get(device.type).from_host(array, device), (), ())


def _check_int_divisor(b):
    zero = (b == 0) if not is_tensor(b) else bool(binary("eq", b, 0).any())
    if zero:
        raise RuntimeError("ZeroDivisionError")


def _expand_to(t, shape):
    if t._shape == shape:
        return t
    return T.make_view(t, shape, expand_strides(t._shape, t._stride, shape), t._offset)


# --- in-place rules -------------------------------------------------------------------

def _check_inplace(out, shape, result_dtype, inputs):
    """PyTorch's checks before writing into `out`; nothing is written when they fail."""
    if tuple(out._shape) != tuple(shape):
        raise RuntimeError(f"output with shape {list(out._shape)} doesn't match the broadcast shape {list(shape)}")
    check_castable(result_dtype, out._dtype)
    check_no_internal_overlap(out)
    for x in inputs:
        _check_no_partial_overlap(out, x)


def check_castable(result, out, out_names=_TORCH_TYPE_NAMES):
    """torch refuses to write a result into a lower category (float into int, int into bool).
    out_names: how the message names out's dtype (clamp_'s message uses C type names)."""
    if result.category > out.category:
        raise RuntimeError(f"result type {_TORCH_TYPE_NAMES[result.name]} can't be cast to the "
                           f"desired output type {out_names[out.name]}")


def check_writable(t):
    """Memory shared with a read-only owner is never written (Storage.read_only)."""
    if t._storage.read_only:
        raise RuntimeError(READ_ONLY)


def check_no_internal_overlap(t):
    """The checks before any write into t: t's memory may be written (check_writable), and
    no two of its elements share memory (writes into an expanded view would race on its
    shared elements: torch refuses them)."""
    check_writable(t)
    if has_internal_overlap(t._shape, t._stride):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation.")


def _span(t):
    lo = t._offset
    hi = lo + sum((n - 1) * s for n, s in zip(t._shape, t._stride))
    return lo, hi


def _check_no_partial_overlap(out, x):
    if overlap(out, x) == "partial":
        raise RuntimeError(OVERLAP)


def check_no_overlap(out, x):
    """index_put_'s rule: a value sharing any element with the tensor written is refused."""
    if overlap(out, x) is not None:
        raise RuntimeError(OVERLAP)


OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to "
           "tensor refer to a single memory location. Please clone() the tensor before "
           "performing the operation.")


def overlap(out, x):
    """torch's overlap status of two tensors: "full" (one range of memory walked in one
    order), "partial", or None (no shared element, or too hard to tell: either is not
    dense)."""
    if x is out:
        return "full"
    if x._storage is not out._storage or _numel(out) == 0 or _numel(x) == 0:
        return None
    if not (is_non_overlapping_and_dense(out._shape, out._stride)
            and is_non_overlapping_and_dense(x._shape, x._stride)):
        return None
    lo1, hi1 = _span(out)
    lo2, hi2 = _span(x)
    if (lo1, hi1) == (lo2, hi2):  # full when both walk it in one order
        return "full" if out._stride == x._stride else "partial"
    return "partial" if lo1 <= hi2 and lo2 <= hi1 else None


def _separate(out, x):
    """x, or a copy of it when it shares memory with `out` in a different layout: kernels
    may write an element before reading one it aliases."""
    if x._storage is not out._storage or (x._offset == out._offset and x._stride == out._stride):
        return x
    return T.clone_raw(x)


def _numel(t):
    return math.prod(t._shape)


# --- ops of more operands, and ops with number parameters ----------------------------------

def nary(name, operands, params=(), out=None):
    """Catalog op `name` on `operands` (tensors and numbers, promoted together and
    broadcast) followed by `params` (numbers in the compute dtype that take no part in
    promotion, such as addcmul's value)."""
    op = catalog.get(name)
    operands = move_cpu_scalars(operands)
    tensors = [x for x in operands if is_tensor(x)]
    for x in operands:
        if not is_tensor(x):
            _check_scalar(x)
    dev = check_same_device(*tensors)
    compute = result_type(*operands)
    if op.result == "float" and not compute.is_floating_point:
        compute = D.get_default_dtype()
    if not op.supports(compute.compute.np):
        raise not_implemented(name, compute)
    out_dtype = D.bool_ if op.result == "bool" else compute
    shape = broadcast_shapes(*(t._shape for t in tensors))
    if out is None:
        like = next((t for t in tensors if t._shape == shape), None)
        out = _empty(shape, out_dtype, dev, like)
    else:
        _check_inplace(out, shape, out_dtype, tensors)
        if out._dtype is not out_dtype:
            _backend(out).copy_(out, nary(name, operands, params))
            return out
    xs = [_separate(out, _expand_to(to_dtype(x, compute), shape)) if is_tensor(x)
          else scalar_in(x, compute) for x in operands]
    # a parameter is stored into the compute dtype as a fill value is, with torch's
    # overflow check (addcmul of uint8 with value=300 raises)
    xs += [fill_operand(p, compute) for p in params]
    _backend(out).elementwise(name, (out,), xs)
    return out


@differentiable
def logit(input, eps=None, out=None):
    if eps is None:
        return unary("logit", input, out)
    return nary("logit_eps", [input], [eps], out)


@differentiable
def hardshrink(input, lambd=0.5, out=None):
    """0 where -lambd <= x <= lambd, else x."""
    return nary("hardshrink", [input], [lambd], out)


@differentiable
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, out=None):
    if not input._dtype.is_floating_point:  # integers and bools have no NaN or infinity
        return unary("copy", input, out)
    info = D.finfo(input._dtype)
    with np.errstate(over="ignore"):  # torch casts them as they are: 1e40 is inf in float32
        values = [D.rounded(v, input._dtype) for v in (
            nan, info.max if posinf is None else posinf, info.min if neginf is None else neginf)]
    return nary("nan_to_num", [input], values, out)


@differentiable
def square(input, out=None):
    if input._dtype is D.bool_:  # torch squares a bool as pow(x, 2): int64
        input = to_dtype(input, D.int64)
    return unary("square", input, out)


def positive(input):
    """input itself, as torch returns it; a bool tensor has no `+`."""
    if input._dtype is D.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _shift(name):
    def op(input, other, out=None):
        if not is_tensor(input) and not is_tensor(other):
            raise TypeError(f"{name}(): at least one argument must be a Tensor")
        rt = result_type(input, other)
        if rt.category != 1:
            raise not_implemented(name, rt)
        return nary(name, [input, other], [rt.itemsize * 8], out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, broadcasting; shifts past the width give 0, as torch."
    return differentiable(op)


bitwise_left_shift = _shift("bitwise_left_shift")
bitwise_right_shift = _shift("bitwise_right_shift")


def _same_dtype_floats(input, others):
    """lerp's check: a dimensioned `end` or `weight` must have input's dtype (a 0-d weight
    is converted, as torch does)."""
    for label, x in others:
        if is_tensor(x) and x._dtype is not input._dtype and (label == "end" or x._shape):
            raise RuntimeError(f"expected dtype {C_NAMES[input._dtype.name]} for `{label}` but "
                               f"got dtype {C_NAMES[x._dtype.name]}")


@differentiable
def lerp(input, end, weight, out=None):
    if not is_tensor(end):
        raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not "
                        f"{type(end).__name__}")
    _same_dtype_floats(input, [("end", end), ("weight", weight)])
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"lerp_kernel_{'tensor' if is_tensor(weight) else 'scalar'}"
                                  f"\" not implemented for '{_TORCH_TYPE_NAMES[input._dtype.name]}'")
    return nary("lerp", [input, end, weight], (), out)


@differentiable
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    return nary("addcmul", [input, tensor1, tensor2], [value], out)


@differentiable
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if not result_type(tensor1, tensor2).is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return nary("addcdiv", [input, tensor1, tensor2], [value], out)


@differentiable
def heaviside(input, values, out=None):
    if not is_tensor(values):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    if input._dtype is not values._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return binary("heaviside", input, values, out)


@differentiable
def conj_physical(input):
    """The complex conjugate, computed; a real tensor is its own, returned as torch does."""
    return unary("conj_physical", input) if input._dtype.is_complex else input


# --- public ops ------------------------------------------------------------------------

def _unary_op(name):
    def op(input):
        return unary(name, input)
    op.__name__ = name
    op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}."
    return differentiable(op)


def _binary_op(name):
    def op(input, other):
        return binary(name, input, other)
    op.__name__ = name
    op.__qualname__ = name
    op.__doc__ = f"Elementwise {name}, broadcasting."
    return differentiable(op)




def _rounded_div(rounding_mode):
    try:
        return _ROUNDED_DIV[rounding_mode]
    except (KeyError, TypeError):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'") from None


@differentiable
def div(input, other, *, rounding_mode=None):
    return binary(_rounded_div(rounding_mode), input, other)


@differentiable
def add(input, other, alpha=1):
    if alpha != 1 or alpha is True:  # True == 1, but torch checks a bool alpha
        other = _scaled(input, other, alpha)
    return binary("add", input, other)


@differentiable
def sub(input, other, alpha=1):
    if alpha != 1 or alpha is True:  # True == 1, but torch checks a bool alpha
        _check_sub(input, other)  # before scaling turns a bool into a number
        other = _scaled(input, other, alpha)
    return binary("sub", input, other)


def _scaled(input, other, alpha):
    """other * alpha for add/sub, with torch's checks on alpha's type."""
    rt = result_type(input, other)
    if isinstance(alpha, (bool, np.bool_)) and rt is not D.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, (float, np.floating)) and not rt.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point "
                           "number.")
    if not is_tensor(other):
        return other * alpha
    # scaled in the result's dtype: int8 + 2 * bool stays int8, as torch's (a bool result
    # takes alpha as a bool: -1 is True)
    return binary("mul", to_dtype(other, rt), bool(alpha) if rt is D.bool_ else alpha)


@differentiable
def where(condition, input, other):
    Tensor = T.Tensor
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not {type(condition).__name__}")
    if condition._dtype is D.uint8:  # deprecated in torch, still accepted
        condition = to_dtype(condition, D.bool_)
    if condition._dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {_TORCH_TYPE_NAMES[condition._dtype.name]}")
    condition, input, other = move_cpu_scalars((condition, input, other))
    tensors = [x for x in (condition, input, other) if isinstance(x, Tensor)]
    dev = check_same_device(*tensors)
    dtype = result_type(input, other)
    shape = broadcast_shapes(*(t._shape for t in tensors))
    # a number goes to the kernel as a scalar operand, checked as a fill value is
    a = _expand_to(to_dtype(input, dtype), shape) if isinstance(input, Tensor) \
        else fill_operand(input, dtype)
    b = _expand_to(to_dtype(other, dtype), shape) if isinstance(other, Tensor) \
        else fill_operand(other, dtype)
    # the layout of the first full-shape operand, as torch's TensorIterator orders dims
    like = next((t for t in (condition, input, other) if is_tensor(t) and t._shape == shape),
                None)
    out = _empty(shape, dtype, dev, like)
    _backend(out).where(out, _expand_to(condition, shape), a, b)
    return out


@differentiable
def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    # one result type over the input and both bounds: a uint8 tensor clamped to (-1, 2.5)
    # compares in float32, as torch's, and never wraps -1 to 255 on the way
    dtype = result_type(input, *(b for b in (min, max) if b is not None))
    check_not_complex("clamp", dtype)
    if dtype is D.bool_:
        _check_bool_clamp(min, max)
    out = to_dtype(input, dtype)
    if is_number(min) and is_number(max) and dtype is not D.bool_:  # one pass
        return _clamp_numbers(out, min, max)
    if min is not None:
        out = _clamp_side("maximum", out, min)
    if max is not None:
        out = _clamp_side("minimum", out, max)
    return out if out is not input else unary("copy", input)


def _check_bool_clamp(min, max):
    """torch clamps bools only with a single tensor bound (as maximum or minimum)."""
    if is_tensor(min) and is_tensor(max):
        kernel = "clamp_cpu"
    elif is_tensor(min) or is_tensor(max):
        return
    else:
        kernel = ("clamp_scalar_cpu" if min is not None and max is not None
                  else "clamp_min_scalar_cpu" if min is not None else "clamp_max_scalar_cpu")
    raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def is_number(x):
    return isinstance(x, (bool, int, float, np.bool_, np.integer, np.floating))


def _clamp_numbers(x, lo, hi):
    """clamp(x, lo, hi) for number bounds, in x's dtype: the catalog's clamp_both."""
    dtype = x._dtype
    if dtype.category == 1:  # torch checks an integer bound as it checks a fill value
        fill_scalar(lo, dtype)
        fill_scalar(hi, dtype)
    out = _empty(x._shape, dtype, x._storage.device, x)
    _backend(x).elementwise("clamp_both", (out,), (x, scalar_in(lo, dtype), scalar_in(hi, dtype)))
    return out


def _clamp_side(name, x, bound):
    if is_tensor(bound):
        return binary(name, x, bound)
    dtype = x._dtype
    if dtype.category == 1:  # torch checks an integer bound as it checks a fill value
        fill_scalar(bound, dtype)
    out = _empty(x._shape, dtype, x._storage.device, x)
    _backend(x).binary_scalar(name, out, x, scalar_in(bound, dtype))
    return out


@differentiable(writes=0)
def clamp_(self, min=None, max=None):
    res = clamp.raw(self, min, max)
    check_castable(res._dtype, self._dtype, C_NAMES)  # torch's clamp_ prints C names
    return copy_into(self, res)


def fill_untracked(t, value):
    """t.fill_(value) where autograd records nothing: value a numpy scalar of t's dtype
    (fill_scalar's). Filling an expanded view is fine: every alias gets the one value."""
    check_writable(t)
    _backend(t).fill_(t, value)
    t._storage._version += 1
    return t


@differentiable(writes=0)
def copy_into(dst, src):
    """Write src (broadcast) into dst through its view; the in-place tail of many ops."""
    if not isinstance(src, T.Tensor):
        check_writable(dst)
        _backend(dst).fill_(dst, fill_scalar(src, dst._dtype))
        dst._storage._version += 1
        return dst
    if src._storage.device != dst._storage.device:
        src = T.transfer_raw(src, dst._storage.device)
    shape = broadcast_shapes(dst._shape, src._shape)
    if shape != tuple(dst._shape):
        raise RuntimeError(f"output with shape {list(dst._shape)} doesn't match the broadcast shape {list(shape)}")
    check_no_internal_overlap(dst)
    _check_no_partial_overlap(dst, src)
    src = _separate(dst, _expand_to(src, shape))
    _backend(dst).copy_(dst, src)
    dst._storage._version += 1
    return dst


# ops whose public function takes out= (the others go through unary and binary)
_OUT_OPS = frozenset("""logit nan_to_num square lerp addcmul addcdiv heaviside bitwise_left_shift
    bitwise_right_shift""".split())


_SCALARS = (int, float)


def inplace_untracked(name, self, other):
    """self.op_(other) for op in _SAME_FLOAT where autograd records nothing and no rule can
    refuse it: a contiguous float self, and other a Python number (add, sub, mul, div), or
    a contiguous tensor of self's dtype, shape and device that is self or shares none of
    its memory. The in-place call of an update loop, in ~1.5 us instead of ~9 (a.add_(b)
    at 2^10); None where `inplace` must decide."""
    shape = self._shape
    layout = _LAYOUTS.get(shape) or T.contiguous_layout(shape)
    if self._stride != layout[0] or not self._dtype.is_floating_point or self._storage.read_only:
        return None  # `inplace` decides, or refuses
    dev = self._storage.device
    if type(other) is _TENSOR:
        if (other._dtype is not self._dtype or other._shape != shape or other._stride != layout[0]
                or other._storage.device is not dev or name not in _SAME_FLOAT
                or other._storage is self._storage and other._offset != self._offset):
            return None
        (_LOADED.get(dev.type) or T.backends.get(dev.type)).binary(name, self, self, other)
    elif type(other) in _SCALARS and name in _SCALAR_IN_PLACE:
        value = scalar_in(other, self._dtype)
        (_LOADED.get(dev.type) or T.backends.get(dev.type)).binary_scalar(name, self, self, value)
    else:
        return None
    self._storage._version += 1
    return self


_SCALAR_IN_PLACE = frozenset("add sub mul div".split())


@differentiable(writes=1)
def inplace(name, self, *args, **kw):
    """self.op_(*args): the result is written into self's view; PyTorch's checks first."""
    if name in _OUT_OPS:
        globals()[name].raw(self, *args, out=self, **kw)
        self._storage._version += 1
        return self
    other = args[0] if args else None
    if name == "div":
        name = _rounded_div(kw.get("rounding_mode"))
    alpha = kw.get("alpha", 1)
    if name in ("add", "sub") and (alpha != 1 or alpha is True):
        if name == "sub":
            _check_sub(self, other)
        other = _scaled(self, other, alpha)
    if other is None:
        unary(name, self, out=self)
    else:
        binary(name, self, other, out=self)
    self._storage._version += 1
    return self



# Every other public op of the catalog takes its operands and nothing else: its function is
# made here, from its name and arity.
for _op in catalog.OPS.values():
    if _op.public and _op.name not in globals():
        if _op.arity > 2:
            raise RuntimeError(f"catalog op {_op.name} takes {_op.arity} operands: write its "
                               "function (names, keywords, checks) in ops/elementwise.py")
        globals()[_op.name] = (_unary_op if _op.arity == 1 else _binary_op)(_op.name)
