"""How worker results travel (tensorrt_mini/utils/data/transport.py): values, dtypes,
shapes and requires_grad kept; a view sent compacted, not with its whole storage."""
import pickle

import pytest

import tensorrt_mini as tm
from tensorrt_mini.utils.data import transport


def test_a_view_travels_as_its_own_values():
    big = tm.arange(10000, dtype=tm.int16).reshape(100, 100)
    row, col = big[3], big[:, 7]
    small = len(transport.dumps(row))
    assert small < 1000 < len(pickle.dumps(row))  # plain pickle keeps the whole storage
    back = pickle.loads(transport.dumps({"row": row, "col": col, "whole": tm.ones(2, 3).t()}))
    assert back["row"].tolist() == row.tolist() and back["row"].dtype is tm.int16
    assert back["col"].tolist() == col.tolist() and back["col"].stride() == (1,)
    assert back["whole"].stride() == (1, 3)  # a tensor over its whole storage keeps its layout


def test_leaves_keep_requires_grad_and_non_leaves_are_refused():
    w = tm.ones(3, requires_grad=True)
    assert pickle.loads(transport.dumps(w)).requires_grad
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        transport.dumps(w * 2)
