"""Tensor methods and operators that forward to the op modules.

Kept apart from tensor.py so the class body holds only metadata; each line here says
which op a method is.
"""
import copy

import numpy as np

from . import _tensor, creation, pinning
from . import explainer
from .kernels import catalog
from .layout import is_contiguous
from .ops import complex as complex_ops
from .ops import conversion
from .ops import elementwise as E
from . import linalg_spellings
from .ops import comparison, diagonals, factorizations, indexing, joining, linalg, ordering
from .ops import products, reduction, sampling, scans, scattering, selecting, views as V
from ._tensor import Tensor
from .ops.autocast import Autocast
from .ops.dispatch import GradMode

# --- construction, conversion, copies ---------------------------------------------------
Tensor.__new__ = staticmethod(creation.legacy_new)


def _reduce_ex(self, proto):
    # pickle: a view of its storage, which pickle writes once for all the tensors pickled
    # together, so views still share it; like torch, a non-leaf comes back a leaf and .grad
    # is not kept
    return (creation.rebuild_view, (type(self), self._storage, self._offset, self._shape,
                                    self._stride, self._requires_grad))


def _deepcopy(self, memo):
    # as pickling, through `memo`: the copies of views share one new storage; keeps .grad
    if self.grad_fn is not None:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
            "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
            "because of a torch.nn.utils.weight_norm usage, see "
            "https://github.com/pytorch/pytorch/pull/103001")
    out = creation.rebuild_view(type(self), copy.deepcopy(self._storage, memo), self._offset,
                                self._shape, self._stride, self._requires_grad)
    memo[id(self)] = out
    if self._grad is not None:
        out._grad = copy.deepcopy(self._grad, memo)
    return out


Tensor.__reduce_ex__ = _reduce_ex
Tensor.__deepcopy__ = _deepcopy
_tensor._rebuild = creation.rebuild  # where pickles made before it moved to creation look
Tensor.to = conversion.to
Tensor.pin_memory = pinning.pin_memory
Tensor.is_pinned = pinning.is_pinned
Tensor.copy_ = lambda self, src, non_blocking=False: conversion.copy_(self, src)
Tensor.contiguous = lambda self, memory_format=None: (
    self if is_contiguous(self._shape, self._stride) else V.contiguous(self))
Tensor.clone = lambda self, memory_format=None: V.clone(self)


def _new_like(make):
    def method(self, *size, dtype=None, device=None):
        return make(*size, dtype=dtype or self._dtype, device=device or self.device)
    method.__name__ = f"new_{make.__name__}"
    return method


Tensor.new_empty = _new_like(creation.empty)
Tensor.new_zeros = _new_like(creation.zeros)
Tensor.new_ones = _new_like(creation.ones)
Tensor.new_full = lambda self, size, fill_value, dtype=None, device=None: creation.full(
    size, fill_value, dtype=dtype or self._dtype, device=device or self.device)
Tensor.new_tensor = lambda self, data, dtype=None, device=None, requires_grad=False: \
    creation.tensor(data, dtype=dtype or self._dtype, device=device or self.device,
                    requires_grad=requires_grad)

# --- views ----------------------------------------------------------------------------
Tensor.view = V.view
Tensor.view_as = V.view_as
Tensor.reshape = V.reshape
Tensor.reshape_as = V.reshape_as
Tensor.as_strided = V.as_strided
Tensor.t = V.t
Tensor.T = property(V.T_)
Tensor.mT = property(V.mT)
Tensor.transpose = V.transpose
Tensor.swapaxes = V.transpose
Tensor.permute = V.permute
Tensor.movedim = V.movedim
Tensor.expand = V.expand
Tensor.expand_as = V.expand_as
Tensor.squeeze = V.squeeze
Tensor.unsqueeze = V.unsqueeze
Tensor.flatten = V.flatten
Tensor.unflatten = V.unflatten
Tensor.narrow = V.narrow
Tensor.select = V.select
Tensor.unbind = V.unbind
Tensor.split = V.split
Tensor.chunk = V.chunk
Tensor.diagonal = V.diagonal
Tensor.swapdims = V.transpose
Tensor.moveaxis = V.movedim
Tensor.unsqueeze_ = V.unsqueeze_
Tensor.squeeze_ = V.squeeze_
Tensor.t_ = V.t_
Tensor.transpose_ = Tensor.swapaxes_ = Tensor.swapdims_ = V.transpose_
Tensor.as_strided_ = V.as_strided_
Tensor.resize_ = V.resize_
Tensor.resize_as_ = V.resize_as_
Tensor.tensor_split = V.tensor_split
Tensor.hsplit = V.hsplit
Tensor.vsplit = V.vsplit
Tensor.dsplit = V.dsplit
Tensor.broadcast_to = V.broadcast_to
Tensor.rot90 = selecting.rot90
Tensor.fliplr = selecting.fliplr
Tensor.flipud = selecting.flipud
Tensor.__getitem__ = indexing.getitem
Tensor.__setitem__ = indexing.setitem
Tensor.nonzero = indexing.nonzero
Tensor.masked_fill = selecting.masked_fill
Tensor.masked_fill_ = selecting.masked_fill_
Tensor.index_select = selecting.index_select
for _name in ("scatter", "scatter_", "scatter_add", "scatter_add_", "scatter_reduce",
              "scatter_reduce_", "index_add", "index_add_", "index_copy", "index_copy_",
              "index_fill", "index_fill_", "index_put", "index_put_", "masked_scatter",
              "masked_scatter_", "masked_select", "take", "take_along_dim", "put", "put_",
              "argwhere"):
    setattr(Tensor, _name, getattr(scattering, _name))
for _module, _names in ((ordering, ("sort", "argsort", "msort", "topk", "kthvalue", "median",
                                    "mode", "unique", "unique_consecutive", "bincount", "histc")),
                        (scans, ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff")),
                        (comparison, ("isclose", "allclose", "equal", "count_nonzero"))):
    for _name in _names:
        setattr(Tensor, _name, getattr(_module, _name))
Tensor.gather = selecting.gather
Tensor.tril = selecting.tril
Tensor.triu = selecting.triu
Tensor.repeat = joining.repeat
Tensor.tile = joining.tile
Tensor.flip = lambda self, *dims: selecting.flip(self, V._sizes(dims))  # x.flip(0, 1) too
Tensor.roll = selecting.roll
Tensor.clamp_min = lambda self, min: E.clamp(self, min=min)
Tensor.clamp_max = lambda self, max: E.clamp(self, max=max)

# --- elementwise ------------------------------------------------------------------------
# every public op of the catalog is a method (and, where torch has one, an in-place method)
for _op in catalog.OPS.values():
    if _op.public:
        setattr(Tensor, _op.name, getattr(E, _op.name))
Tensor.clamp = E.clamp
Tensor.positive = E.positive
Tensor.negative = E.neg
Tensor.absolute = E.abs
Tensor.multiply = E.mul
Tensor.divide = E.div
Tensor.true_divide = E.div
Tensor.subtract = E.sub
Tensor.clip = E.clamp
Tensor.greater = E.gt
Tensor.less = E.lt
Tensor.greater_equal = E.ge
Tensor.less_equal = E.le
Tensor.not_equal = E.ne
Tensor.where = lambda self, condition, other: E.where(condition, self, other)


def _operator(name, op):
    """`a <op> b`: straight to the elementwise path unless autograd has to record it or
    autocast to cast it (cuda's autocast lists `**`)."""
    binary = E.binary

    def method(self, other):
        try:
            if Autocast.on or GradMode.enabled and (
                    self._requires_grad or getattr(other, "_requires_grad", False)):
                return op(self, other)
            return binary(name, self, other)
        except TypeError:
            return _ndarray_operand(name, op, self, other)
    return method


def _ndarray_operand(name, op, self, other):
    """`t <op> ndarray`, after the op refused the ndarray: `==` compares it as a tensor;
    the others return NotImplemented, so that NumPy's reflected operator computes it and
    wraps the result (interop/numpy_protocols.py), as with torch. Other operands re-raise."""
    if not isinstance(other, np.ndarray):
        raise
    if name == "eq":
        return op(self, creation.tensor(other))
    return NotImplemented


def _reflected(name, op):
    """`scalar <op> a`."""
    binary = E.binary

    def method(self, other):
        try:
            if Autocast.on or GradMode.enabled and self._requires_grad:
                return op(other, self)
            return binary(name, other, self)
        except TypeError:
            if isinstance(other, np.ndarray):
                return NotImplemented  # `ndarray <op> t` is a TypeError, as with torch
            raise
    return method


for _dunder, _name, _op in (("add", "add", E.add), ("sub", "sub", E.sub), ("mul", "mul", E.mul),
                            ("truediv", "div", E.div), ("floordiv", "floor_divide", E.floor_divide),
                            ("mod", "remainder", E.remainder), ("pow", "pow", E.pow)):
    setattr(Tensor, f"__{_dunder}__", _operator(_name, _op))
    setattr(Tensor, f"__r{_dunder}__", _reflected(_name, _op))

Tensor.__neg__ = E.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = E.abs
def _invert(self):
    if self._dtype.is_floating_point:  # torch's operator says so before the op would
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return E.bitwise_not(self)


Tensor.__invert__ = _invert
Tensor.__and__ = E.bitwise_and
Tensor.__rand__ = E.bitwise_and
Tensor.__or__ = E.bitwise_or
Tensor.__ror__ = E.bitwise_or
Tensor.__xor__ = E.bitwise_xor
Tensor.__rxor__ = E.bitwise_xor
Tensor.__lshift__ = E.bitwise_left_shift
Tensor.__rlshift__ = lambda self, other: E.bitwise_left_shift(other, self)
Tensor.__rshift__ = E.bitwise_right_shift
Tensor.__rrshift__ = lambda self, other: E.bitwise_right_shift(other, self)
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(Tensor, f"__{_name}__", _operator(_name, getattr(E, _name)))
def _matmul(self, other):
    if isinstance(other, np.ndarray):
        return NotImplemented  # NumPy computes `t @ ndarray`, as with torch
    return linalg.matmul(self, other)


def _rmatmul(self, other):
    if isinstance(other, np.ndarray):
        return NotImplemented  # `ndarray @ t` is a TypeError, as with torch
    return linalg.matmul(other, self)


Tensor.__matmul__ = _matmul
Tensor.__rmatmul__ = _rmatmul


# --- in place -----------------------------------------------------------------------------
def _inplace(name, augmented=False):
    """t.op_(...), or with `augmented` the operator `t <op>= other`, which returns
    NotImplemented for an ndarray operand: Python then computes `t <op> ndarray` (through
    NumPy) and rebinds t, as with torch."""
    untracked = E.inplace_untracked

    def method(self, *args, **kw):
        try:
            if len(args) == 1 and not kw and not (GradMode.enabled and (
                    self._requires_grad or self._base is not None
                    or getattr(args[0], "_requires_grad", False))):
                done = untracked(name, self, args[0])
                if done is not None:
                    return done
            return E.inplace(name, self, *args, **kw)
        except TypeError:
            if augmented and isinstance(args[0], np.ndarray):
                return NotImplemented
            raise
    method.__name__ = name + "_"
    return method


for _op in catalog.OPS.values():
    if _op.public and _op.inplace:
        setattr(Tensor, _op.name + "_", _inplace(_op.name))
for _name in ("add", "sub"):  # their alpha= is the front end's, not the catalog's
    setattr(Tensor, _name + "_", _inplace(_name))
for _op, _name in (("iadd", "add"), ("isub", "sub"), ("imul", "mul"), ("itruediv", "div"),
                   ("ifloordiv", "floor_divide"), ("imod", "remainder"), ("ipow", "pow"),
                   ("iand", "bitwise_and"), ("ior", "bitwise_or"), ("ixor", "bitwise_xor"),
                   ("ilshift", "bitwise_left_shift"), ("irshift", "bitwise_right_shift")):
    setattr(Tensor, f"__{_op}__", _inplace(_name, augmented=True))
Tensor.clamp_ = E.clamp_
Tensor.clip_ = E.clamp_


def _fill_(self, value):
    if isinstance(value, Tensor):
        if value.dim():
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.dim()} dimensions.")
        value = value.item()
    if GradMode.enabled and (self._requires_grad or self._base is not None):
        return E.copy_into(self, value)  # autograd records it, or may refuse it
    return E.fill_untracked(self, E.fill_scalar(value, self._dtype))


def _zero_(self):
    if GradMode.enabled and (self._requires_grad or self._base is not None):
        return E.copy_into(self, 0)
    return E.fill_untracked(self, self._dtype.np.type(0))


Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
Tensor.uniform_ = creation.uniform_
Tensor.normal_ = creation.normal_

Tensor.random_ = sampling.random_
Tensor.bernoulli_ = sampling.bernoulli_
Tensor.bernoulli = sampling.bernoulli
Tensor.exponential_ = sampling.exponential_
Tensor.multinomial = sampling.multinomial

# --- reductions, products, joining ------------------------------------------------------
for _name in "sum mean prod var std all any amax amin max min argmax argmin".split():
    setattr(Tensor, _name, getattr(reduction, _name))
Tensor.matmul = linalg.matmul
Tensor.mm = linalg.mm
Tensor.bmm = linalg.bmm
Tensor.mv = linalg.mv
Tensor.dot = linalg.dot
Tensor.__contains__ = lambda self, item: bool((self == item).any())


def _softmax(name):
    def method(self, dim=None, dtype=None):
        from .nn import functional as F
        return getattr(F, name)(self, dim, dtype=dtype)
    method.__name__ = name
    return method


# complex tensors' parts (ops/complex.py)
Tensor.is_complex = lambda self: self._dtype.is_complex
Tensor.real = property(complex_ops.real)
Tensor.imag = property(complex_ops.imag)
Tensor.conj = complex_ops.conj
Tensor.is_conj = complex_ops.is_conj
Tensor.resolve_conj = complex_ops.resolve_conj

Tensor.softmax = _softmax("softmax")
Tensor.log_softmax = _softmax("log_softmax")

# contractions and linear algebra (ops/products.py, ops/diagonals.py, ops/factorizations.py)
Tensor.addmm = products.addmm
Tensor.addmv = products.addmv
Tensor.addr = products.addr
Tensor.baddbmm = products.baddbmm
Tensor.outer = products.outer
Tensor.ger = products.ger
Tensor.vdot = products.vdot
Tensor.kron = products.kron
Tensor.cross = products.cross
Tensor.diag = diagonals.diag
Tensor.diag_embed = diagonals.diag_embed
Tensor.diagflat = diagonals.diagflat
Tensor.trace = diagonals.trace
Tensor.det = factorizations.linalg_det
Tensor.norm = linalg_spellings.norm
Tensor.matrix_power = linalg_spellings.matrix_power
Tensor.slogdet = linalg_spellings.slogdet
Tensor.logdet = linalg_spellings.logdet
Tensor.pinverse = linalg_spellings.pinverse
Tensor.addmm_ = linalg_spellings.addmm_
Tensor.addmv_ = linalg_spellings.addmv_
Tensor.addr_ = linalg_spellings.addr_
Tensor.baddbmm_ = linalg_spellings.baddbmm_
Tensor.inverse = factorizations.linalg_inv

# the layout explainer (explainer/): t.explain() is tm.explain(t)
Tensor.explain = explainer.explain
