"""Datasets and random_split (tensorrt_mini/utils/data/dataset.py), against torch's."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.utils import data as D
from oracle import expr_outcome, needs_torch


def test_tensor_dataset_rows_and_size_mismatch():
    x, y = tm.arange(12.0).reshape(4, 3), tm.arange(4)
    ds = D.TensorDataset(x, y)
    assert len(ds) == 4
    row, label = ds[-1]
    assert row.tolist() == [9.0, 10.0, 11.0] and label.item() == 3
    assert row.untyped_storage() is x.untyped_storage()  # a view, as torch's
    with pytest.raises(AssertionError, match="^Size mismatch between tensors$"):
        D.TensorDataset(x, tm.arange(3))


def test_concat_through_add_and_its_errors():
    a, b = D.TensorDataset(tm.arange(3)), D.TensorDataset(tm.arange(10, 12))
    both = a + b
    assert isinstance(both, D.ConcatDataset) and both.cumulative_sizes == [3, 5]
    assert [both[i][0].item() for i in range(-5, 5)] == [0, 1, 2, 10, 11] * 2
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        both[-6]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        D.ConcatDataset([])


class Count(D.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_iterable_datasets_chain_and_refuse_concat():
    chained = Count(2) + Count(3)
    assert isinstance(chained, D.ChainDataset)
    assert list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        D.ConcatDataset([Count(2)])
    with pytest.raises(TypeError, match="abstract"):
        D.IterableDataset()  # __iter__ is abstract, as in torch
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement"):
        D.Dataset()[0]


def test_subset_reads_through_its_indices():
    sub = D.Subset(D.TensorDataset(tm.arange(10) * 10), [7, 2, 5])
    assert len(sub) == 3 and sub[0][0].item() == 70
    assert [s[0].item() for s in sub.__getitems__([2, 0])] == [50, 70]


@pytest.mark.parametrize("lengths", [[0.3, 0.3, 0.4], [0.5, 0.5], [3, 7], [0.33, 0.33, 0.34]])
def test_random_split_matches_torch(lengths):
    torch = needs_torch()
    g, gt = tm.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    ours = D.random_split(range(10), lengths, generator=g)
    theirs = torch.utils.data.random_split(range(10), lengths, generator=gt)
    assert [list(s.indices) for s in ours] == [list(s.indices) for s in theirs]
    tm.manual_seed(3)
    torch.manual_seed(3)  # the default generator, by default
    assert [s.indices for s in D.random_split(range(10), lengths)] == \
        [s.indices for s in torch.utils.data.random_split(range(10), lengths)]


def test_random_split_errors_and_warning_match_torch():
    torch = needs_torch()
    for expr in ("L.utils.data.random_split(range(10), [3, 3])",
                 "L.utils.data.random_split(range(10), [1.5, -0.5])"):
        assert expr_outcome(tm, expr) == expr_outcome(torch, expr)
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        D.random_split(range(2), [1.0, 0.0])
