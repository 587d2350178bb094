"""Pin down backends/cpu.py behaviour that a mutation audit found untested."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cpu

GRAIN = 32768  # torch's grain size: from this many elements on, kernels run in parallel


@pytest.fixture
def variants(monkeypatch):
    """The kernel variant (contig, strided, tiled_par...) of each launch, in order."""
    launched = []
    plan_kernel = cpu._kernel

    def spy(plan, *args):
        launched.append(plan.variant)
        return plan_kernel(plan, *args)
    monkeypatch.setattr(cpu, "_kernel", spy)
    return launched


def test_strided_ops_run_in_parallel_from_torchs_grain_size_on(variants):
    x = tm.ones(256, 256)[:, ::2]  # GRAIN elements, not contiguous
    assert x.numel() == GRAIN
    x * 2
    x[:, 1:] * 2
    assert variants == ["strided_par", "strided"]


def test_only_large_transposed_operands_take_the_tiled_kernel(variants):
    # tiles keep both access patterns in cache; small calls must not wake the thread pool
    big, small = tm.ones(300, 300), tm.ones(3, 3)
    big + big.t()
    big.t().contiguous()
    small + small.t()
    assert variants == ["tiled_par", "tiled_par", "strided"]


def test_a_user_reduction_of_torchs_grain_size_runs_in_parallel(monkeypatch):
    started = []
    start_threads = cpu._start_threads

    def spy():
        started.append(True)
        start_threads()
    monkeypatch.setattr(cpu, "_start_threads", spy)
    total = tm.reduction(lambda x: x, lambda a, b: a + b, 0.0, name="total")
    assert total(tm.ones(GRAIN - 1)).item() == GRAIN - 1 and not started
    assert total(tm.ones(GRAIN)).item() == GRAIN and started


def test_a_direct_binary_call_refuses_one_operand_of_another_shape():
    # the backend's last check before a kernel walks every operand by the output's shape
    with pytest.raises(RuntimeError, match=r"add: an operand of size \[4\] for an output of size \[8\]"):
        cpu.binary("add", tm.empty(8), tm.ones(4), tm.ones(8))
