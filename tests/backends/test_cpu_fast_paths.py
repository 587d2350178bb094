"""The cpu backend's fast paths: numpy's ufuncs for the catalog's host math, one gather for
a single tensor index (indexing, index_select, embedding), and numpy's strided copies for
flip and roll. Each against torch: values, special values, strides, errors, and no
warning where torch gives none."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import close_to_torch, needs_torch, same_as_torch
from tensorrt_mini.backends import cpu
from tensorrt_mini.kernels import catalog

HOST_MATH = sorted(op.name for op in catalog.OPS.values() if op.ufunc is not None)
UNARY = [name for name in HOST_MATH if catalog.OPS[name].arity == 1]
BINARY = [name for name in HOST_MATH if catalog.OPS[name].arity == 2]
SPECIAL = "[0., -0., 0.5, -0.5, 1., -1., 3., -3., 1e30, -1e30, 1e-30, float('inf'), " \
          "-float('inf'), float('nan')]"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", UNARY)
def test_unary_host_math_as_torch_without_warnings(name, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns of no overflow or invalid value
        close_to_torch(f"lib.{name}(lib.tensor({SPECIAL}, dtype=lib.{dtype}))", rtol=2e-6,
                       atol=1e-30)


@pytest.mark.parametrize("name", BINARY)
def test_binary_host_math_as_torch_without_warnings(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close_to_torch(f"lib.{name}(lib.tensor({SPECIAL}), lib.tensor({SPECIAL}).flip(0))",
                       rtol=2e-6, atol=1e-30)


@pytest.mark.parametrize("name", UNARY)
def test_contiguous_and_strided_tensors_agree(name):
    x = tm.from_numpy(np.random.default_rng(0).uniform(0.1, 0.9, (64, 64)).astype(np.float32))
    fn = getattr(tm, name)
    np.testing.assert_allclose(np.asarray(fn(x.t())), np.asarray(fn(x.t().contiguous())),
                               rtol=4e-6)


@pytest.mark.parametrize("expr", [
    "lib.arange(12.).view(3, 4)[lib.tensor([2, -1, 0, 0])]",
    "lib.arange(12.).view(3, 4)[:, lib.tensor([[3, -4], [1, 1]])]",
    "lib.arange(12.).view(3, 4).t()[lib.tensor([1, 2])]",
    "lib.arange(12.).view(3, 4)[lib.tensor([3])]",
    "lib.arange(12.).view(3, 4)[:, lib.tensor([-5])]",
    "lib.zeros(2, 3, 4)[lib.tensor([0]), :, lib.tensor([9])]",
    "lib.zeros(2, 3, 4)[:, lib.tensor([0]), lib.tensor([-9])]",
    "lib.arange(12.).view(3, 4)[lib.tensor([], dtype=lib.int64)]",
    "lib.ones(0, 4)[lib.tensor([0])]",
    "lib.ones(0, 4)[lib.tensor([], dtype=lib.int64)]",
    "lib.ones(2, 0)[lib.tensor([5])]",
    "lib.arange(6)[lib.tensor([True, False, True, True, False, True])]",
    "lib.index_select(lib.arange(12.).view(3, 4), 1, lib.tensor([3, 0, 3]))",
    "lib.index_select(lib.arange(12.).view(3, 4).t(), 0, lib.tensor([1], dtype=lib.int32))",
    "lib.nn.functional.embedding(lib.tensor([[2, 0], [1, 2]]), lib.arange(6.).view(3, 2))",
    "lib.nn.functional.embedding(lib.tensor([3]), lib.arange(6.).view(3, 2))",
])
def test_single_index_gathers_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", [
    "lib.flip(lib.arange(12.).view(3, 4), (0,))",
    "lib.flip(lib.arange(12.).view(3, 4).t(), (0, 1))",
    "lib.flip(lib.arange(24).view(2, 3, 4)[:, ::2], (-1,))",
    "lib.flip(lib.tensor(3.), (0,))",
    "lib.flip(lib.ones(0, 3), (1,))",
    "lib.roll(lib.arange(12.).view(3, 4), 1, 0)",
    "lib.roll(lib.arange(12.).view(3, 4).t(), (-1, 5), (0, 1))",
    "lib.roll(lib.arange(12.).view(3, 4), 3, 0)",
    "lib.roll(lib.arange(12.).view(3, 4), 2)",
])
def test_flip_and_roll_as_torch(expr):
    same_as_torch(expr)


def test_flip_roll_and_index_select_still_differentiate():
    def fn(lib):
        x = lib.arange(12.).view(3, 4).requires_grad_()
        y = lib.flip(x, (1,)) * lib.roll(x, 1, 0) + lib.index_select(x, 0, lib.tensor([2, 2, 0]))
        (y * lib.arange(12.).view(3, 4)).sum().backward()
        return x.grad
    same_as_torch(fn)


def test_backend_refuses_outputs_that_do_not_fit():
    x = tm.ones(3, 4)
    with pytest.raises(RuntimeError, match="size"):
        cpu.take_along(tm.empty(2, 4), x, 0, tm.tensor([0, 1, 2]))
    with pytest.raises(IndexError):
        cpu.take_along(tm.empty(1, 1), tm.ones(1, 0), 1, tm.tensor([0]))
    with pytest.raises(RuntimeError, match="size"):
        cpu.flip(tm.empty(4, 3), x, (0,))
    with pytest.raises(RuntimeError, match="size"):
        cpu.roll(tm.empty(4, 3), x, (1,), (0,))


def test_host_math_entries_are_numpy_ufuncs_with_float_compute_dtypes():
    assert HOST_MATH
    for name in HOST_MATH:
        ufunc, dtypes = catalog.OPS[name].ufunc
        assert isinstance(ufunc, np.ufunc) and dtypes, name
        assert set(dtypes) | set(dtypes.values()) <= {"float32", "float64"}, name


DOMAINS = {"log": (1e-3, 100), "log2": (1e-3, 100), "log10": (1e-3, 100), "log1p": (-0.9, 10),
           "asin": (-1, 1), "acos": (-1, 1), "atanh": (-0.99, 0.99), "tan": (-1.5, 1.5)}


@pytest.mark.parametrize("name", HOST_MATH)
def test_host_math_prints_torchs_digits(name):
    """At least 98% of random results equal torch's to the last bit, in every dtype the
    entry serves (numpy's own float32 loops reach 54-98%: the reason for the float64
    compute)."""
    torch = needs_torch()
    rng = np.random.default_rng(5)
    op = catalog.OPS[name]
    for dtype in op.ufunc[1]:
        args = [rng.uniform(*DOMAINS.get(name, (-5, 5)), 4096).astype(dtype)
                for _ in range(op.arity)]
        mine = np.asarray(getattr(tm, name)(*map(tm.from_numpy, args)))
        theirs = getattr(torch, name)(*map(torch.from_numpy, args)).numpy()
        assert np.mean(mine == theirs) >= 0.98, (name, dtype, np.mean(mine == theirs))
