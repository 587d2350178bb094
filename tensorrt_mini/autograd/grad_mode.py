"""Grad mode switches: no_grad, enable_grad, set_grad_enabled.

Each works as a context manager and as a decorator, like PyTorch's. The flag itself is
`GradMode.enabled` in ops/dispatch.py, the one place ops read it.
"""
import functools
import inspect

from ..ops.dispatch import GradMode


class _Mode:
    """Sets grad mode to `self._mode` inside a `with` block or a decorated function."""

    _mode = None

    def __enter__(self):
        self._prev = GradMode.enabled
        GradMode.enabled = self._mode

    def __exit__(self, *exc):
        GradMode.enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode
        if inspect.isgeneratorfunction(fn):
            raise TypeError("grad mode decorators do not support generator functions")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = GradMode.enabled
            GradMode.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                GradMode.enabled = prev
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    """Ops inside record no graph; their results do not require grad."""
    _mode = False


class enable_grad(_Mode):
    """Turns graph recording back on inside a no_grad region."""
    _mode = True


class set_grad_enabled(_Mode):
    """Sets grad mode on construction (so a plain call switches it for good), and restores
    the previous mode when used as a context manager."""

    def __init__(self, mode):
        self._prev = GradMode.enabled
        self._mode = bool(mode)
        GradMode.enabled = self._mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        GradMode.enabled = self._prev  # as a decorator it only applies inside fn
        return super().__call__(fn)

    def clone(self):
        return type(self)(self._mode)


def is_grad_enabled():
    return GradMode.enabled
