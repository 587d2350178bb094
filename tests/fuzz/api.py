"""Which names the fuzzer may draw: those tm offers and torch has too.

tm's coverage is read off tm itself, so an op or keyword tm adds later is drawn from then
on, and one it lacks is never drawn (missing API is tracked elsewhere).
"""
import functools
import inspect

import torch

import tensorrt_mini as tm


def function(name):
    return hasattr(tm, name) and hasattr(torch, name)


def method(name):
    return hasattr(tm.Tensor, name) and hasattr(torch.Tensor, name)


@functools.cache
def takes(name, keyword):
    """Whether tm.<name> accepts `keyword` (its signature names it)."""
    try:
        params = inspect.signature(getattr(tm, name)).parameters
    except (AttributeError, TypeError, ValueError):
        return False
    return keyword in params


def available(names, form=function):
    return tuple(n for n in names if form(n))
