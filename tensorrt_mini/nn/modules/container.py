"""Containers: Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict.

Entries are registered under their index ("0", "1", ...) or key, so state_dict keys and
reprs are PyTorch's.
"""
import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ... import _tensor as T
from ..module import Module, _indent
from ..parameter import Parameter


def _index(idx, n):
    """idx as a non-negative position in a container of n (PyTorch's IndexError)."""
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range")
    return idx % n


class _Indexed(Module):
    """The list behaviour shared by Sequential and ModuleList: children named 0..n-1."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(*self._slice_args(list(self._modules.values())[idx]))
        return self._modules[str(_index(idx, len(self)))]

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self))), module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        for key in (keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(keys))]]):
            del self._modules[key]
        self._renumber(list(self._modules.values()))

    def _renumber(self, modules):
        # keep the keys numbered 0..n-1, as PyTorch does
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        if not isinstance(modules, Iterable) or isinstance(modules, Module) \
                and not isinstance(modules, _Indexed):
            raise TypeError(f"{type(self).__name__}.extend should be called with an iterable, but "
                            f"got {type(modules).__name__}")
        for m in list(modules):
            self.append(m)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, key):
        m = self[key]
        del self[key]
        return m

    def __iadd__(self, other):
        return self.extend(other)

    def __add__(self, other):
        return type(self)(*self._slice_args(list(self) + list(other)))


class Sequential(_Indexed):
    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    @staticmethod
    def _slice_args(modules):
        return modules

    def __getitem__(self, idx):
        if isinstance(idx, slice):  # a slice keeps the original names
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return super().__getitem__(idx)

    def __setitem__(self, idx, module):
        self.add_module(list(self._modules)[_index(idx, len(self))], module)

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input


class ModuleList(_Indexed):
    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @staticmethod
    def _slice_args(modules):
        return (modules,)

    def __repr__(self):
        """Runs of children with the same repr print once, as "(0-2): 3 x ReLU()"."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        lines, start = [], 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                text = _indent(reprs[start], 2)
                lines.append(f"({start}): {text}" if i - start == 1
                             else f"({start}-{i - 1}): {i - start} x {text}")
                start = i
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        self._modules.clear()

    def pop(self, key):
        m = self[key]
        del self[key]
        return m

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        for key, m in _pairs(self, modules):
            self[key] = m


class ParameterList(Module):
    """Tensors become Parameters; other values are kept as they are."""

    def __init__(self, values=None):
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_index(idx, len(self))))

    def __setitem__(self, idx, param):
        setattr(self, str(_index(idx, len(self))), _as_parameter(param))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        object.__setattr__(self, "_size", self._size + 1)
        self[self._size - 1] = value
        return self

    def extend(self, values):
        if not isinstance(values, Iterable) or isinstance(values, T.Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(f"  ({i}): {_describe(p, getattr(p, 'dtype', None))}"
                         for i, p in enumerate(self))


class ParameterDict(Module):
    """A dict of Parameters (tensors are wrapped) and other values, by string key."""

    def __init__(self, parameters=None):
        super().__init__()
        object.__setattr__(self, "_keys", {})  # insertion-ordered key set
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key, value):
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self[k] for k in self._keys]

    def items(self):
        return [(k, self[k]) for k in self._keys]

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def popitem(self):
        if not self._keys:
            raise KeyError("popitem(): dictionary is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        return ParameterDict(OrderedDict(self.items()))

    def update(self, parameters):
        # a plain mapping is read in sorted key order, as PyTorch does
        if isinstance(parameters, Mapping) and not isinstance(parameters, (OrderedDict,
                                                                           ParameterDict)):
            parameters = sorted(parameters.items())
        for key, value in _pairs(self, parameters):
            self[key] = value

    def extra_repr(self):
        return "\n".join(f"  ({k}): {_describe(p, p.type() if isinstance(p, T.Tensor) else None)}"
                         for k, p in self.items())


def _pairs(container, pairs):
    """(key, value) pairs from a mapping or an iterable of pairs (PyTorch's errors)."""
    name = type(container).__name__
    if isinstance(pairs, (Mapping, ParameterDict, ModuleDict)):
        return list(pairs.items())
    if not isinstance(pairs, Iterable):
        raise TypeError(f"{name}.update should be called with an iterable of key/value pairs, but "
                        f"got {type(pairs).__name__}")
    out = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, Iterable):
            raise TypeError(f"{name} update sequence element #{i} should be Iterable; is "
                            f"{type(pair).__name__}")
        pair = tuple(pair)
        if len(pair) != 2:
            raise ValueError(f"{name} update sequence element #{i} has length {len(pair)}; 2 is "
                             "required")
        out.append(pair)
    return out


def _as_parameter(value):
    if isinstance(value, T.Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(value, type_text):
    """One entry of a parameter container's repr, as PyTorch prints it."""
    if not isinstance(value, T.Tensor):
        return f"Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    size = "x".join(str(n) for n in value.shape)
    device = f" ({value.device})" if value.device.type != "cpu" else ""
    return f"{kind} containing: [{type_text} of size {size}{device}]"
