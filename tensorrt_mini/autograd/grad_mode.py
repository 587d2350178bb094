"""Grad mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode.

Each works as a context manager and as a decorator, like PyTorch's. The flags live in
`GradMode` in ops/dispatch.py, the one place ops read them; they are per thread.
"""
import functools
import inspect

from ..ops.dispatch import GradMode


class _Mode:
    """Sets the thread's grad mode to `self._mode` (and inference mode to
    `self._inference` unless None) inside a `with` block or a decorated function."""

    _mode = None
    _inference = None  # only inference_mode changes it, as in torch

    def _switch(self):
        prev = GradMode.enabled, GradMode.inference
        GradMode.enabled = self._mode
        if self._inference is not None:
            GradMode.inference = self._inference
        return prev

    @staticmethod
    def _restore(prev):
        GradMode.enabled, GradMode.inference = prev

    def __enter__(self):
        # a stack, so that one instance may be entered again inside itself
        self.__dict__.setdefault("_prevs", []).append(self._switch())

    def __exit__(self, *exc):
        self._restore(self._prevs.pop())
        return False

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            raise TypeError("grad mode decorators do not support generator functions")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = self._switch()
            try:
                return fn(*args, **kwargs)
            finally:
                self._restore(prev)
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
        self._mode = bool(mode)
        self._prev = self._switch()

    def __enter__(self):
        self.__dict__.setdefault("_prevs", []).append(self._prev)

    def __call__(self, fn):
        self._restore(self._prev)  # as a decorator it only applies inside fn
        return super().__call__(fn)

    def clone(self):
        return type(self)(self._mode)


class inference_mode(_Mode):
    """no_grad that also reports `is_inference_mode_enabled()`; inference_mode(False)
    turns grad mode on and inference mode off, as torch's does. (tm keeps no separate
    kind of inference tensor: results made inside are plain tensors that do not require
    grad.)"""

    def __init__(self, mode=True):
        self._inference = bool(mode)
        self._mode = not self._inference

    def clone(self):
        return type(self)(self._inference)


def is_grad_enabled():
    return GradMode.enabled


def is_inference_mode_enabled():
    return GradMode.inference
