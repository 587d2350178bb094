"""Inputs for gradient tests: float64 leaves laid out as random views of larger tensors."""
import numpy as np
import pytest

import tensorrt_mini as tm

LAYOUTS = ("contiguous", "transposed", "stepped", "offset")


def make_view(shape, layout, rng, low=-2.0, high=2.0, avoid=None):
    """A float64 leaf requiring grad with `shape`, whose memory is laid out per `layout`.
    `avoid` keeps values at least that far from zero (for 1/x, log, relu kinks...)."""
    shape = tuple(shape)
    values = rng.uniform(low, high, size=shape)
    if avoid is not None:
        values = np.where(np.abs(values) < avoid, np.sign(values + 1e-12) * avoid, values)
    nd = len(shape)
    if layout == "transposed" and nd >= 2:
        t = tm.tensor(np.ascontiguousarray(values.transpose())).permute(*range(nd - 1, -1, -1))
    elif layout == "stepped" and nd >= 1:
        wide = np.zeros(shape[:-1] + (2 * shape[-1],))
        wide[..., ::2] = values
        t = tm.tensor(wide)[..., ::2]
    elif layout == "offset":
        flat = np.concatenate([np.zeros(3), values.ravel()])
        t = tm.tensor(flat)[3:].view(shape)
    else:
        t = tm.tensor(values)
    assert t.shape == shape
    return t.detach().requires_grad_()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(params=LAYOUTS)
def layout(request):
    return request.param


@pytest.fixture
def view(rng, layout):
    """view(shape, **kw) -> a float64 leaf in this test's layout."""
    return lambda shape, **kw: make_view(shape, layout, rng, **kw)


@pytest.fixture
def leaf(rng):
    """leaf(shape) -> a contiguous float64 leaf (for ops whose meaning depends on storage)."""
    return lambda shape, **kw: make_view(shape, "contiguous", rng, **kw)
