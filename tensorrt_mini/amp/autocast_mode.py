"""tm.autocast: mixed precision regions, as a context manager and as a decorator.

    with tm.autocast("cuda"):               # float16 matmuls, float32 softmax and losses
        loss = loss_fn(model(x), y)

The state is per thread and lives in ops/autocast.py, where the ops read it; this module
holds the user-facing switches. Nesting restores the outer region's state on exit, and
leaving the outermost region (of any device type) drops the weight cache.
"""
import functools
import warnings

from ..backends import cuda_runtime
from ..names import NAMESPACE
from ..ops import autocast as A

_SUPPORTED = ("bfloat16", "float16")


def is_autocast_available(device_type):
    """Whether tm can autocast on this device type (cpu and cuda)."""
    return device_type in A.Autocast.enabled


def is_autocast_enabled(device_type="cuda"):
    A.check_device_type(device_type)
    return A.Autocast.enabled[device_type]


def set_autocast_enabled(device_type, enabled):
    A.set_enabled(device_type, enabled)


def get_autocast_dtype(device_type):
    return A.low_precision_dtype(device_type)


def set_autocast_dtype(device_type, dtype):
    A.check_device_type(device_type)
    A.Autocast.dtype[device_type] = dtype


def is_autocast_cache_enabled():
    return A.Autocast.cache_enabled


def set_autocast_cache_enabled(enabled):
    A.Autocast.cache_enabled = bool(enabled)


def clear_autocast_cache():
    A.clear_cache()


def autocast_increment_nesting():
    A.Autocast.nesting += 1
    return A.Autocast.nesting


def autocast_decrement_nesting():
    A.Autocast.nesting -= 1
    return A.Autocast.nesting


class autocast:
    """Runs the region's ops on `device_type` tensors in mixed precision: `dtype`
    (default float16 for cuda, bfloat16 for cpu) where torch's lists allow it, float32
    where they ask for it. enabled=False turns autocast off inside an enabled region;
    cache_enabled (default: the thread's setting, True) keeps parameters' casts for the
    region."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{_torch_type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None \
            else cache_enabled
        if enabled and device_type == "cuda" and not cuda_runtime.is_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                          stacklevel=2)
            enabled = False
        elif enabled and device_type != "cuda" and \
                getattr(self.fast_dtype, "name", None) not in _SUPPORTED:
            name = device_type.upper()
            warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling "
                          f"autocast.\n{name} Autocast only supports dtypes of {NAMESPACE}.bfloat16, "
                          f"{NAMESPACE}.float16 currently.", stacklevel=2)
            enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.__dict__.setdefault("_prevs", []).append(
            (is_autocast_cache_enabled(), is_autocast_enabled(self.device),
             get_autocast_dtype(self.device)))
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        # the cache lives as long as the outermost region
        if autocast_decrement_nesting() == 0:
            clear_autocast_cache()
        cache_enabled, enabled, dtype = self._prevs.pop()
        set_autocast_enabled(self.device, enabled)
        set_autocast_dtype(self.device, dtype)
        set_autocast_cache_enabled(cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                f"Did you mean to use autocast as a context manager? For example:\n"
                f"    with torch.autocast(device_type=...):\n"
                f"        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def _torch_type(value):
    """type(value) as torch's message prints it (tm's device is torch.device there)."""
    kind = type(value)
    if kind.__module__.startswith("tensorrt_mini"):
        return f"<class 'torch.{kind.__name__}'>"
    return kind
