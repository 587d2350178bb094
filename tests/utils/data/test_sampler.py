"""Samplers (tensorrt_mini/utils/data/sampler.py): lengths, orders and errors as torch's;
the random ones draw torch's sequences under the same seed."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.utils import data as D
from oracle import expr_outcome, needs_torch


def test_sequential_and_batch_samplers():
    seq = D.SequentialSampler(range(5))
    assert list(seq) == [0, 1, 2, 3, 4] and len(seq) == 5
    batches = D.BatchSampler(seq, 2, drop_last=False)
    assert list(batches) == [[0, 1], [2, 3], [4]] and len(batches) == 3
    kept = D.BatchSampler(seq, 2, drop_last=True)
    assert list(kept) == [[0, 1], [2, 3]] and len(kept) == 2


@pytest.mark.parametrize("kwargs", [{}, {"replacement": True}, {"num_samples": 23},
                                    {"replacement": True, "num_samples": 70}])
def test_random_sampler_draws_torchs_order(kwargs):
    torch = needs_torch()
    tm.manual_seed(11)
    torch.manual_seed(11)
    for _ in range(2):  # two epochs differ, and both match
        ours = list(D.RandomSampler(range(10), **kwargs))
        assert ours == list(torch.utils.data.RandomSampler(range(10), **kwargs))
    assert len(D.RandomSampler(range(10), **kwargs)) == len(ours)
    g, gt = tm.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    assert list(D.RandomSampler(range(9), generator=g, **kwargs)) == \
        list(torch.utils.data.RandomSampler(range(9), generator=gt, **kwargs))


def test_subset_and_weighted_samplers_draw_torchs_order():
    torch = needs_torch()
    tm.manual_seed(2)
    torch.manual_seed(2)
    assert list(D.SubsetRandomSampler([10, 20, 30, 40])) == \
        list(torch.utils.data.SubsetRandomSampler([10, 20, 30, 40]))
    weights = [0.1, 0.5, 2.0, 0.0, 1.0]
    for replacement in (True, False):
        g, gt = tm.Generator().manual_seed(8), torch.Generator().manual_seed(8)
        ours = D.WeightedRandomSampler(weights, 4, replacement, generator=g)
        assert list(ours) == list(torch.utils.data.WeightedRandomSampler(
            weights, 4, replacement, generator=gt))
        assert len(ours) == 4


@pytest.mark.parametrize("expr", [
    "L.utils.data.RandomSampler(range(3), replacement=1)",
    "L.utils.data.RandomSampler(range(3), num_samples=0)",
    "L.utils.data.RandomSampler([], num_samples=None)",
    "L.utils.data.WeightedRandomSampler([1.0, 2.0], 0)",
    "L.utils.data.WeightedRandomSampler([1.0, 2.0], 2, replacement=None)",
    "L.utils.data.WeightedRandomSampler([[1.0, 2.0]], 2)",
    "L.utils.data.BatchSampler(range(3), 0, False)",
    "L.utils.data.BatchSampler(range(3), True, False)",
    "L.utils.data.BatchSampler(range(3), 2, 0)",
])
def test_sampler_errors_match_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)
