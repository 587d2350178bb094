"""Turning a list of samples into a batch (`default_collate`) and converting one sample
(`default_convert`, for a DataLoader without batching), as torch's functions of those names.

Tensors are stacked; numpy arrays become tensors (then stacked); Python floats become a
float64 tensor, ints (and bools) an int64 (bool) tensor; strings stay a list. Mappings,
namedtuples and sequences are collated field by field, keeping their type where it can be
rebuilt from the collated fields (a tuple becomes a list, as in torch).
"""
import collections.abc
import copy
import re

import numpy as np

from ... import dtypes as D
from ..._tensor import Tensor
from ...creation import as_tensor, tensor
from ...ops.joining import stack

# numpy dtypes that hold no numbers: bytes, str, unicode, objects
_NOT_NUMBERS = re.compile(r"[SaUO]")

ERROR_FORMAT = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                "lists; found {}")


def collate_tensor_fn(batch, *, collate_fn_map=None):
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    if _NOT_NUMBERS.search(batch[0].dtype.str) is not None:
        raise TypeError(ERROR_FORMAT.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return as_tensor(np.array(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=D.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


# type -> how a batch of that type is collated; an exact type match first, then the first
# key the element is an instance of (bool goes to int's: tensor() makes it a bool tensor)
default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def _rebuild(elem, fields, items):
    """elem's type made of the collated fields where it allows that, else a plain dict or
    list: a mutable container is copied and refilled (keeping its extra state)."""
    plain = dict(zip(fields, items)) if fields is not None else list(items)
    try:
        if isinstance(elem, (collections.abc.MutableMapping, collections.abc.MutableSequence)):
            clone = copy.copy(elem)
            if fields is not None:
                clone.update(plain)
            else:
                for i, item in enumerate(plain):
                    clone[i] = item
            return clone
        return type(elem)(plain)
    except TypeError:
        return plain


def collate(batch, *, collate_fn_map=None):
    """Collate batch (a list of samples): by collate_fn_map for the types it names, else
    through containers, field by field."""
    elem = batch[0]
    if collate_fn_map is not None:
        fn = collate_fn_map.get(type(elem))
        if fn is None:
            fn = next((f for t, f in collate_fn_map.items() if isinstance(elem, t)), None)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        keys = list(elem)
        return _rebuild(elem, keys, [collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                                     for k in keys])
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(collate(list(s), collate_fn_map=collate_fn_map)
                            for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(list(s), collate_fn_map=collate_fn_map) for s in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild(elem, None, fields)
    raise TypeError(ERROR_FORMAT.format(type(elem)))


def default_collate(batch):
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """One sample with its numpy arrays (and numpy scalars) made tensors, through the same
    containers as default_collate."""
    kind = type(data)
    if isinstance(data, Tensor):
        return data
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "bytes_", "string_"):
        if kind is np.ndarray and _NOT_NUMBERS.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        keys = list(data)
        return _rebuild(data, keys, [default_convert(data[k]) for k in keys])
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild(data, None, [default_convert(d) for d in data])
    return data
