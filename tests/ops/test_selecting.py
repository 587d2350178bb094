"""masked_fill, index_select, gather, flip, roll, tril and triu against torch: values, dtypes,
errors, and gradients (they differentiate through where and indexing)."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch, same_as_torch
from tensorrt_mini.backends import cuda_runtime

X = "lib.arange(12.).reshape(3, 4)"
MASK = "lib.tensor([True, False, True, False])"


@pytest.mark.parametrize("expr", [
    f"{X}.masked_fill({MASK}, -1.5)",
    f"{X}.t().masked_fill({MASK}[:3], 7)",
    f"{X}.masked_fill({MASK}[None, None], 2.)",  # the mask broadcasts input up
    f"lib.masked_fill(lib.arange(4), {MASK}, 1.5)",  # cast to input's dtype
    f"{X}.masked_fill({MASK}, lib.tensor(3.))",
    f"{X}.masked_fill(lib.tensor([1, 0, 1, 0]), 1.)",
    f"{X}.masked_fill({MASK}, lib.tensor([1.]))",
    f"lib.arange(4, dtype=lib.uint8).masked_fill({MASK}, 300)",
    f"{X}.masked_fill(lib.tensor([True, False]), 1.)",
    f"{X}.index_select(1, lib.tensor([3, 0, 3]))",
    f"{X}.t().index_select(0, lib.tensor(2))",
    f"lib.index_select({X}, -2, lib.tensor([2, 1], dtype=lib.int32))",
    f"{X}.index_select(1, lib.tensor([[1]]))",
    f"{X}.index_select(1, lib.tensor([1.]))",
    f"{X}.index_select(1, lib.tensor([7]))",
    f"{X}.index_select(1, lib.tensor([-1]))",
    f"{X}.index_select(2, lib.tensor([0]))",
    f"{X}.gather(1, lib.tensor([[0, 3], [1, 1], [2, 0]]))",
    f"{X}.t().gather(0, lib.tensor([[2, 0, 1, 1]]))",
    f"lib.gather({X}, 1, lib.tensor([[0, 1]], dtype=lib.int32))",
    f"{X}.gather(1, lib.tensor([0, 3]))",
    f"{X}.gather(1, lib.tensor([[0, 5]]))",
    f"{X}.gather(1, lib.tensor([[-1]]))",
    f"{X}.gather(0, lib.tensor([[0, 1, 2, 0, 1]]))",
    f"{X}.tril()", f"{X}.triu(1)", f"{X}.t().tril(-1)", f"lib.triu({X}[None].expand(2, 3, 4), 2)",
    "lib.ones(2, 3, dtype=lib.bool).triu()", "lib.arange(3).tril()",
    "lib.gather(lib.tensor(5.), 0, lib.tensor(0))", "lib.gather(lib.tensor(5.), 0, lib.tensor(1))",
    f"{X}.flip(0)", f"{X}.t().flip((0, 1))", f"lib.flip({X}, [-1])", f"{X}.flip([])",
    f"{X}.flip((0, 0))", f"{X}.flip(2)", "lib.flip(lib.tensor(3.), (0,))",
    f"{X}.roll(1)", f"{X}.t().roll(1, 0)", f"lib.roll({X}, (1, -2), (0, 1))", f"{X}.roll(5, 1)",
    f"{X}.roll(1, (0, 1))", "lib.roll(lib.tensor(3.), 1)", f"{X}.roll(-13)",
    f"{X}.clamp_min(3)", f"{X}.clamp_max(3.5)",
])
def test_matches_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("op", [
    lambda lib, x: x.masked_fill(x > 0.5, 0.0),
    lambda lib, x: x.index_select(1, lib.tensor([2, 0, 2])),
    lambda lib, x: x.gather(0, lib.tensor([[1, 0, 1], [0, 0, 1]])),
    lambda lib, x: x.tril(),
    lambda lib, x: x.flip((0, 1)),
    lambda lib, x: x.roll((1, 2), (0, 1)),
    lambda lib, x: x.t().triu(-1),
])
def test_gradients_match_torch(op):
    torch = needs_torch()
    values = np.random.default_rng(0).uniform(size=(2, 3))
    grads = []
    for lib in (tm, torch):
        x = lib.tensor(values, requires_grad=True)
        y = op(lib, x)
        (y * lib.arange(y.numel(), dtype=lib.float64).reshape(y.shape)).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    results = []
    for device in ("cpu", "cuda"):
        x = tm.arange(12.0, device=device).reshape(3, 4)
        idx = tm.tensor([[0, 3], [1, 1], [2, 0]], device=device)
        results.append([t.tolist() for t in (x.masked_fill(x > 5, -1), x.index_select(1, idx[0]),
                                              x.gather(1, idx), x.tril(), x.triu(1),
                                              x.flip((0, 1)), x.roll((1, -1), (0, 1)))])
    assert results[0] == results[1]


@pytest.mark.parametrize("expr", [
    "lib.tensor([1., 2.]).index_select(0, lib.tensor([5]))",
    "lib.tensor([1., 2.]).index_select(0, lib.tensor([-1]))",
    "lib.ones(3, 0).index_select(0, lib.tensor([9]))",
    "lib.ones(2, 3, 4).index_select(2, lib.tensor([9]))",
    "lib.tensor(1.).index_select(0, lib.tensor([0]))",
    "lib.tensor(1.).index_select(0, lib.tensor([1]))",
    "lib.tensor(1.).index_select(0, lib.tensor([0, 0]))",
    "lib.arange(12.).reshape(3, 4).t().flip(0)",  # flip keeps the input's memory order
    "lib.arange(24.).reshape(2, 3, 4).permute(2, 0, 1).flip(1)",
    "lib.arange(12.).reshape(3, 4).t()[::2].flip(0)",
    "lib.ones(3).expand(2, 3).flip(0)",
    "lib.arange(6.).reshape(2, 3).flip(0, 1)",
])
def test_selecting_regressions_match_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", ["lib.tensor(1.).roll(1, 0)", "lib.tensor(1.).roll(-3, -1)",
                                  "lib.tensor(1.).roll(1)"])
def test_roll_of_a_0d_tensor_as_torch(expr):
    same_as_torch(expr)


ROTATIONS_EXPRESSIONS = [
    'L.rot90(L.arange(6).view(2, 3))',
    'L.rot90(L.arange(6).view(2, 3), 2).stride()',
    'L.rot90(L.arange(6).view(2, 3), -1, [0, 1])',
    'L.rot90(L.arange(6).view(2, 3), 1).stride()',
    'L.rot90(L.arange(24).view(2, 3, 4), 1, [2, 0]).shape',
    'L.fliplr(L.arange(4).view(2, 2))',
    'L.flipud(L.arange(4).view(2, 2))',
    'L.rot90(L.ones(3))',
    'L.rot90(L.ones(2, 2), 1, [0, 0])',
    'L.fliplr(L.ones(3))',
    'L.flipud(L.ones(()))',
]


@pytest.mark.parametrize("expr", ROTATIONS_EXPRESSIONS)
def test_rotations_match_torch(expr):
    """Results (values, shapes, strides) and errors, as torch gives them."""
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


