"""The cpu's one-pass nll_loss forward: losses, reductions, weights, ignored targets and
torch's errors, for (N, C) and (C,) inputs."""
import pytest

import tensorrt_mini as tm
from oracle import close_to_torch, same_as_torch
from tensorrt_mini.backends import cpu

LOGP = "lib.log_softmax(lib.arange(20.).view(4, 5).sin() * 3, 1)"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("args", [
    "lib.tensor([0, 4, 2, 2])",
    "lib.tensor([0, -100, 2, -100])",
    "lib.tensor([-100] * 4)",
    "lib.tensor([0, 4, 2, 2]), weight=lib.tensor([1., 2., .5, 0., 3.])",
    "lib.tensor([0, 4, 1, 2]), ignore_index=4",
    "lib.tensor([0, 4, 2, 2], dtype=lib.uint8)",
])
def test_values_as_torch(args, reduction):
    close_to_torch(f"lib.nn.functional.nll_loss({LOGP}, {args}, reduction={reduction!r})")


@pytest.mark.parametrize("args", [
    "lib.tensor([0, 5, 2, 2])",
    "lib.tensor([0, -1, 2, 2])",
    "lib.tensor([0, 4, 2, 2]), weight=lib.ones(5, dtype=lib.float64)",
    "lib.tensor([0, 4, 2]), reduction='none'",
])
def test_errors_as_torch(args):
    same_as_torch(f"lib.nn.functional.nll_loss({LOGP}, {args})")


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.nll_loss(lib.tensor([-1., -2., -3.]), lib.tensor(1))",
    "lib.nn.functional.nll_loss(lib.tensor([-1., -2., -3.]), lib.tensor(3))",
    "lib.nn.functional.cross_entropy(lib.arange(20.).view(4, 5), lib.tensor([0, 4, 2, 2]))",
    "lib.nn.functional.cross_entropy(lib.zeros(0, 5), lib.zeros(0, dtype=lib.int64))",
])
def test_one_dim_and_empty_inputs_as_torch(expr):
    same_as_torch(expr)


def test_gradient_matches_torch():
    def fn(lib):
        x = (lib.arange(20.).view(4, 5).cos() * 2).requires_grad_()
        lib.nn.functional.cross_entropy(x, lib.tensor([0, -100, 3, 1]),
                                        weight=lib.tensor([1., 2., 3., 4., 5.])).backward()
        return x.grad
    close_to_torch(fn)


def test_backend_refuses_outputs_that_do_not_fit():
    logp, target = tm.zeros(4, 5), tm.zeros(4, dtype=tm.int64)
    with pytest.raises(RuntimeError, match="size"):
        cpu.nll_pick(tm.empty(3), tm.empty(3), logp, target, tm.ones(5), -100)
    with pytest.raises(RuntimeError, match="weight"):
        cpu.nll_pick(tm.empty(4), tm.empty(4), logp, target, tm.ones(4), -100)
