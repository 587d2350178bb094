"""What the sweep runs: one `SweepOp` per op and variant, registered where it is defined.

tensorrt_mini and torch share one spelling, so an op is one builder, `build(xp, *arrays)`
-> the zero-argument callable that is timed, used with `xp` = tensorrt_mini and `xp` =
torch alike. `inputs(rng, shape, dtype)` gives its host arrays for one shape.

The elementwise catalog's ops join by themselves (bench.sweep.catalog_ops reads
kernels.catalog); every other op joins with `@register(...)` beside its builder, in the
family module that holds it.
"""
from dataclasses import dataclass

import numpy as np

FORMS = ("1d", "2d")  # a vector of n elements, or a square of n elements
FLOAT32 = ("float32",)


@dataclass(frozen=True)
class SweepOp:
    name: str             # the table's label: a call as a user writes it
    family: str
    build: object         # build(xp, *device_arrays) -> callable to time
    inputs: object        # inputs(rng, shape, dtype, domain) -> tuple of host arrays
    forms: tuple = FORMS
    dtypes: tuple = FLOAT32
    transposed: bool = False  # also run 2-D with every tensor input but the first as b.t()
    check: bool = True        # compare results with torch's (not for random fills)
    tol: float = 1e-3
    min_exp: int = 0          # skip sizes below 2^min_exp elements
    max_exp: int = 99         # and above 2^max_exp (matmul's cube grows fast)
    # value ranges to try in turn: the first where torch's result is finite is used
    domains: tuple = ((-3.0, 3.0),)
    covers: str = ""          # the catalog op a hand-written registration sweeps


OPS = {}


def register(name, family, inputs=None, **options):
    """Decorator: register `build` as the sweep op `name`. Without `inputs`, the op reads
    one random tensor of the shape."""
    def decorate(build):
        if name in OPS:
            raise ValueError(f"sweep op {name!r} is registered twice")
        OPS[name] = SweepOp(name, family, build, inputs or floats(1), **options)
        return build
    return decorate


def floats(count):
    """inputs(): `count` random arrays of the shape, uniform over the domain (integers: 1
    to 9, so divisions and remainders stay defined)."""
    def inputs(rng, shape, dtype, domain=(-3.0, 3.0)):
        return tuple(uniform(rng, shape, dtype, domain) for _ in range(count))
    return inputs


def uniform(rng, shape, dtype, domain=(-3.0, 3.0)):
    lo, hi = domain
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        return rng.integers(1, 10, shape).astype(dtype)
    return rng.uniform(lo, hi, shape).astype(dtype)


def all_ops():
    """Every registered op, the family modules imported first."""
    from . import catalog_ops, families  # noqa: F401  (they register on import)
    catalog_ops.register_catalog()
    return dict(OPS)
