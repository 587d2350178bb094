"""Module.state_dict and Module.load_state_dict: torch's recursion, keys, metadata and hooks.

Saving walks the tree as torch does: per module its state-dict pre-hooks, its own entries
(`_save_to_state_dict`), its children, then its post-hooks; the dict carries `_metadata`
(each module's `_version`), so a subclass's `_load_from_state_dict` can convert an old
layout.

Loading also follows torch's order (per module: load pre-hooks and `_load_from_state_dict`,
then the children, then the post-hooks), with one difference: torch copies every entry it
can and raises afterwards, leaving a model half-loaded. Here, when nothing in the tree can
rewrite the dict while it loads (no load pre-hook, no overridden `_load_from_state_dict`), a
dry pass finds the errors first and raises before any tensor is written; missing and
unexpected keys count there too unless a post-hook may forgive them.
"""
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

from .. import _tensor as T
from ..autograd.grad_mode import no_grad
from .parameter import Parameter

EXTRA_STATE = "_extra_state"
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


# --- saving ---------------------------------------------------------------------------

def save(module, destination, prefix, keep_vars):
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    local_metadata = dict(version=module._version)
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = local_metadata
    for hook in module._state_dict_pre_hooks.values():
        hook(module, prefix, keep_vars)
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            child.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
    for hook in module._state_dict_hooks.values():
        result = hook(module, destination, prefix, local_metadata)
        if getattr(hook, "_from_public_api", False):
            if result is not None:
                raise RuntimeError("state_dict post-hook must return None")
        elif result is not None:  # the private hook's old contract: a new dict
            destination = result
    return destination


def own_entries(module):
    """name -> tensor for the module's parameters and persistent buffers, in torch's order."""
    entries = {k: p for k, p in module._parameters.items() if p is not None}
    entries.update((k, b) for k, b in module._buffers.items()
                   if b is not None and k not in module._non_persistent_buffers_set)
    return entries


def save_own(module, destination, prefix, keep_vars, extra_state):
    """The module's own entries (`_save_to_state_dict`); extra_state: whether its class
    overrides get_extra_state."""
    for name, t in own_entries(module).items():
        destination[prefix + name] = t if keep_vars else t.detach()
    if extra_state:
        destination[prefix + EXTRA_STATE] = module.get_extra_state()


# --- loading --------------------------------------------------------------------------

def load(module, state_dict, strict, assign, rewrites):
    """rewrites(m): whether module m may change the dict while it loads (a load pre-hook,
    or its own `_load_from_state_dict`)."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata
    tree = list(module.modules())
    if not any(rewrites(m) for m in tree):
        forgiving = any(m._load_state_dict_post_hooks for m in tree)
        missing, unexpected, errors = [], [], []
        _walk(module, state_dict, "", metadata, assign, missing, unexpected, errors, dry=True)
        _raise_if_any(module, strict and not forgiving, missing, unexpected, errors)
    missing, unexpected, errors = [], [], []
    _walk(module, state_dict, "", metadata, assign, missing, unexpected, errors, dry=False)
    _raise_if_any(module, strict, missing, unexpected, errors)
    return IncompatibleKeys(missing, unexpected)


def _walk(module, state_dict, prefix, metadata, assign, missing, unexpected, errors, dry):
    local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
    if assign:
        local_metadata["assign_to_params_buffers"] = assign
    if dry:
        module._load_own(state_dict, prefix, local_metadata, missing, unexpected, errors,
                         write=False)
    else:  # always strict, as torch: the keys are counted whatever `strict` says
        module._load_from_state_dict(state_dict, prefix, local_metadata, True, missing,
                                     unexpected, errors)
    for name, child in module._modules.items():
        if child is not None:
            child_prefix = prefix + name + "."
            _walk(child, {k: v for k, v in state_dict.items() if k.startswith(child_prefix)},
                  child_prefix, metadata, assign, missing, unexpected, errors, dry)
    if not dry:
        keys = IncompatibleKeys(missing, unexpected)
        for hook in module._load_state_dict_post_hooks.values():
            if hook(module, keys) is not None:
                raise AssertionError(
                    "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                    "expected to return new values, if incompatible_keys need to be modified, "
                    "it should be done inplace.")


def load_own(module, state_dict, prefix, local_metadata, missing, unexpected, errors, write,
             extra_state):
    """The module's own entries from state_dict (the body of `_load_from_state_dict`, after
    its pre-hooks): copied into place, or with write=False only checked; extra_state:
    whether its class overrides set_extra_state."""
    local = own_entries(module)
    assign = local_metadata.get("assign_to_params_buffers", False)
    for name, param in local.items():
        key = prefix + name
        if key not in state_dict:
            missing.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, T.Tensor):
            errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                          f"Tensor-like object from checkpoint but received {type(value)}")
            continue
        if param.dim() == 0 and value.dim() == 1 and value.shape[0] == 1:
            value = value[0]  # a 0-d entry saved as one element, before torch 0.4
        if tuple(value.shape) != tuple(param.shape):
            errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                          f"from checkpoint, the shape in current model is {param.shape}.")
            continue
        if write:
            with no_grad():
                if assign:
                    _assign(module, name, param, value)
                else:
                    param.copy_(value)
    extra = prefix + EXTRA_STATE
    if extra_state:
        if extra in state_dict:
            if write:
                module.set_extra_state(state_dict[extra])
        else:
            missing.append(extra)
    elif extra in state_dict:
        unexpected.append(extra)
    for key in state_dict:
        if key.startswith(prefix) and key != extra:
            head = key[len(prefix):].split(".", 1)
            if (head[0] not in module._modules) if len(head) > 1 else (head[0] not in local):
                unexpected.append(key)


def _assign(module, name, old, new):
    """assign=True: keep the checkpoint's tensor itself (a parameter stays a Parameter, with
    the old one's requires_grad)."""
    if name in module._parameters:
        if isinstance(new, Parameter):
            new.requires_grad_(old.requires_grad)
        else:
            new = Parameter(new, old.requires_grad)
        module._parameters[name] = new
    else:
        module._buffers[name] = new


def _raise_if_any(module, strict, missing, unexpected, errors):
    errors = list(errors)
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(errors))
