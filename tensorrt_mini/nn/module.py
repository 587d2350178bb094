"""Module: the base of every layer. Holds parameters, buffers and submodules by name."""
import functools
from collections import OrderedDict

from .. import _tensor as T
from .. import dtypes as D
from ..autograd.api import zero_grads
from ..autograd.grad_mode import no_grad
from ..autograd.hooks import RemovableHandle
from .backward_hooks import call_with_backward_hooks
from . import state_dict as state_io
from .parameter import Parameter

_STATE_HOOK_TABLES = ("_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
                      "_load_state_dict_post_hooks")


class Module:
    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_hooks_with_kwargs", {})  # hook id -> True
        for name in _STATE_HOOK_TABLES:
            object.__setattr__(self, name, OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                                  'function')

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks \
                or self._backward_pre_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def __setstate__(self, state):
        # a module pickled before forward hooks existed has no hook tables
        self.__dict__.update(state)
        for name in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks",
                     "_backward_pre_hooks") + _STATE_HOOK_TABLES:
            self.__dict__.setdefault(name, OrderedDict())
        self.__dict__.setdefault("_hooks_with_kwargs", {})
        self.__dict__.setdefault("_non_persistent_buffers_set", set())

    # --- forward hooks ----------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) -> None or new args (a tuple, or one value); with_kwargs:
        hook(module, args, kwargs) -> None or (new args, new kwargs). Runs before forward."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args, output) -> None or a new output; with_kwargs:
        hook(module, args, kwargs, output). Runs after forward."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    # --- backward hooks (nn/backward_hooks.py) -------------------------------------
    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output) -> None or new grad_input: runs once the
        gradients of the module's tensor inputs are computed."""
        return self._add_hook(self._backward_hooks, hook, prepend, False)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output) -> None or new grad_output: runs once the gradients
        of the module's outputs are computed, before those of its inputs."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend, False)

    def _add_hook(self, table, hook, prepend, with_kwargs):
        handle = RemovableHandle(table, self._hooks_with_kwargs)
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        if with_kwargs:
            self._hooks_with_kwargs[handle.id] = True
        return handle

    def _call_with_hooks(self, args, kwargs):
        with_kwargs = self._hooks_with_kwargs
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if self._backward_hooks or self._backward_pre_hooks:
            output = call_with_backward_hooks(self, self.forward, args, kwargs)
        else:
            output = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            result = (hook(self, args, kwargs, output) if key in with_kwargs
                      else hook(self, args, output))
            if result is not None:
                output = result
        return output

    # --- registration through attributes ---------------------------------------------
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, params)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_type_name(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, T.Tensor):
                raise TypeError(f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep=None):
        """Drop `name` from every store but `keep`, where a re-registration keeps its
        place (PyTorch's order of parameters, buffers and children)."""
        for store in (self.__dict__, self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        self._forget(name, self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor saved with the module and moved by `to`; a non-persistent one is left
        out of state_dict (derived values, caches)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, T.Tensor):
            raise TypeError(f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._forget(name, self._buffers)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        self._forget(name, self._modules)
        self._modules[name] = module

    def _check_new_name(self, kind, name, store):
        """PyTorch's checks: a dotted name would break state_dict keys and get_submodule,
        and a name that shadows a method or plain attribute would hide it."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."'
                           + (f", got: {name}" if kind == "module" else ""))
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if name not in store and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists")

    register_module = add_module

    # --- traversal --------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate:
                if id(m) in memo:
                    continue
                memo.add(id(m))
            yield name, m
            children = [(name + ("." if name else "") + k, c) for k, c in m._modules.items()
                        if c is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named(self, store, prefix, recurse, remove_duplicate):
        seen = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_name, m in mods:
            for name, t in getattr(m, store).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield mod_name + ("." if mod_name else "") + name, t

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        """The module at dotted path `target` ("" is self)."""
        m = self
        for name in target.split(".") if target else ():
            if name not in m._modules:
                raise AttributeError(f"{m._get_name()} has no attribute `{name}`"
                                     if not hasattr(m, name) else f"`{name}` is not an nn.Module")
            m = m._modules[name]
        return m

    def set_submodule(self, target, module):
        if not target:
            raise ValueError("Cannot set the submodule without a target name!")
        path, _, name = target.rpartition(".")
        parent = self.get_submodule(path)
        if hasattr(parent, name) and name not in parent._modules:
            raise AttributeError(f"`{name}` is not an nn.Module")
        parent.add_module(name, module)

    def get_parameter(self, target):
        return self._get_tensor(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target):
        return self._get_tensor(target, "_buffers", "a buffer")

    def _get_tensor(self, target, store, what):
        path, _, name = target.rpartition(".")
        m = self.get_submodule(path)
        if not hasattr(m, name):
            raise AttributeError(f"{m._get_name()} has no attribute `{name}`")
        if name not in getattr(m, store):
            raise AttributeError(f"`{name}` is not {what}")
        return getattr(m, store)[name]

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- modes and gradients ----------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        zero_grads(self.parameters(), set_to_none)

    # --- device and dtype -------------------------------------------------------------
    def to(self, *args, device=None, dtype=None, non_blocking=False):
        """Move parameters and buffers in place: the Parameter objects stay the same, so an
        optimizer built before the move still updates them. A dtype applies to floating
        point tensors only, as in PyTorch."""
        for a in args:
            if isinstance(a, T.Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, D.dtype):
                dtype = a
            else:
                device = a

        def convert(t):
            return t.to(device=device, dtype=dtype if t.is_floating_point() else None)
        with no_grad():
            for m in self.modules():
                for p in m._parameters.values():
                    if p is not None:
                        _swap(p, convert(p))
                        if p.grad is not None:
                            p.grad = convert(p.grad)
                for name, b in m._buffers.items():
                    if b is not None:
                        m._buffers[name] = convert(b)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def bfloat16(self):
        return self.to(D.bfloat16)

    # --- state (nn/state_dict.py) ---------------------------------------------------
    _version = 1  # saved in the state dict's metadata; bump it when a layout changes

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters, persistent buffers and extra state of each module, before its
        children's (PyTorch's order and keys), with `_metadata`."""
        return state_io.save(self, destination, prefix, keep_vars)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        state_io.save_own(self, destination, prefix, keep_vars,
                          type(self).get_extra_state is not Module.get_extra_state)

    def get_extra_state(self):
        """Override (with set_extra_state) to save a picklable value beside the tensors."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be "
                           "called.")

    def set_extra_state(self, state):
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be "
                           "called.")

    def load_state_dict(self, state_dict, strict=True, assign=False):
        return state_io.load(self, state_dict, strict, assign, _rewrites_while_loading)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)
        self._load_own(state_dict, prefix, local_metadata, missing_keys, unexpected_keys,
                       error_msgs)

    def _load_own(self, state_dict, prefix, local_metadata, missing_keys, unexpected_keys,
                  error_msgs, write=True):
        state_io.load_own(self, state_dict, prefix, local_metadata, missing_keys,
                          unexpected_keys, error_msgs, write,
                          type(self).set_extra_state is not Module.set_extra_state)

    # --- state hooks -----------------------------------------------------------------
    def register_state_dict_pre_hook(self, hook):
        """hook(module, prefix, keep_vars) -> None: runs before the module's entries are
        saved."""
        return self._add_hook(self._state_dict_pre_hooks, hook, False, False)

    def register_state_dict_post_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata) -> None: runs after the module and
        its children are saved; it may change state_dict in place."""
        hook._from_public_api = True
        return self._add_hook(self._state_dict_hooks, hook, False, False)

    def _register_state_dict_hook(self, hook):
        """The older post-hook: it may return a new dict (respected at the root only)."""
        if getattr(hook, "_from_public_api", False):
            raise RuntimeError("Cannot register the same function as the state dict post hook "
                               "that was previously registered via "
                               "register_state_dict_post_hook")
        return self._add_hook(self._state_dict_hooks, hook, False, False)

    def register_load_state_dict_pre_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs) -> None: runs before the module's entries load."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        if with_module:
            hook = functools.partial(hook, self)
        return self._add_hook(self._load_state_dict_pre_hooks, hook, False, False)

    def register_load_state_dict_post_hook(self, hook):
        """hook(module, incompatible_keys) -> None: runs once the module and its children are
        loaded; clearing incompatible_keys' lists in place forgives them under strict=True."""
        return self._add_hook(self._load_state_dict_post_hooks, hook, False, False)

    # --- printing ---------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            child = _indent(repr(m), 2)
            lines.append(f"({name}): {child}")
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self):
        keys = set(dir(type(self))) | set(self.__dict__) | set(self._parameters) | \
            set(self._buffers) | set(self._modules)
        return sorted(k for k in keys if not k[0].isdigit())


def _indent(text, n):
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * n + line for line in lines[1:]])


def _type_name(x):
    return f"{type(x).__module__}.{type(x).__name__}" if not isinstance(x, (int, float, str)) \
        else type(x).__name__


def _swap(p, new):
    """Point parameter p at new's memory (p keeps its identity and requires_grad)."""
    if new is p:
        return
    p._storage = new._storage
    p._shape = new._shape
    p._stride = new._stride
    p._offset = new._offset
    p._dtype = new._dtype


def _rewrites_while_loading(module):
    """Whether loading `module` may change the state dict as it goes: then its errors can
    only be known once loaded, as in torch (see nn/state_dict.py)."""
    return bool(module._load_state_dict_pre_hooks) or \
        type(module)._load_from_state_dict is not Module._load_from_state_dict
