"""default_collate and default_convert (tensorrt_mini/utils/data/collate.py) on nested
samples, against torch's."""
from collections import namedtuple

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.utils import data as D
from oracle import needs_torch

Point = namedtuple("Point", "x y")


def plain(obj, lib):
    """obj with tensors as (dtype name, shape, values): comparable across libraries."""
    if isinstance(obj, lib.Tensor):
        return ("tensor", str(obj.dtype).split(".")[-1], tuple(obj.shape), obj.tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: plain(v, lib) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [plain(v, lib) for v in obj])
    return obj


def samples(lib):
    return [{"img": lib.arange(6.0).reshape(2, 3) + i, "label": i, "w": 0.5 * i, "ok": i > 0,
             "name": f"s{i}", "arr": np.arange(3, dtype=np.int32) * i,
             "pair": (np.float32(i), [i, 2 * i]), "pt": Point(i, np.float64(i))}
            for i in range(3)]


def test_nested_batches_match_torch():
    torch = needs_torch()
    ours = D.default_collate(samples(tm))
    theirs = torch.utils.data.default_collate(samples(torch))
    assert plain(ours, tm) == plain(theirs, torch)
    assert type(ours["pt"]) is Point and isinstance(ours["pair"], list)  # a tuple -> a list


def test_stacking_views_of_one_storage_and_of_several():
    x = tm.arange(24.0).reshape(4, 6)
    rows = [x[3], x[0], x[2]]  # one storage, one layout: read in one gather
    assert D.default_collate(rows).tolist() == [x[3].tolist(), x[0].tolist(), x[2].tolist()]
    cols = [x[:, 1], x[:, 4]]  # strided views
    assert D.default_collate(cols).tolist() == [x[:, 1].tolist(), x[:, 4].tolist()]
    mixed = [tm.ones(2, 3), x[:2, :3], x.t()[:2, :3]]  # several storages and layouts
    assert D.default_collate(mixed).tolist() == [m.tolist() for m in mixed]
    assert tm.stack([x[1], x[2]], 1).tolist() == [[6.0, 12.0], [7.0, 13.0], [8.0, 14.0],
                                                  [9.0, 15.0], [10.0, 16.0], [11.0, 17.0]]


def test_collate_errors_match_torch():
    torch = needs_torch()
    for batch in ([[1, 2], [3]], [object(), object()], [np.array(["a"]), np.array(["b"])]):
        with pytest.raises(Exception) as theirs:
            torch.utils.data.default_collate(batch)
        with pytest.raises(theirs.type) as ours:
            D.default_collate(batch)
        if theirs.type is RuntimeError:
            assert str(ours.value) == str(theirs.value)
        else:
            assert str(ours.value).split(";")[0] == str(theirs.value).split(";")[0]


def test_default_convert_matches_torch():
    torch = needs_torch()
    sample = {"a": np.arange(3), "b": (np.float32(2.5), "s"), "c": [np.ones(2), 4],
              "d": Point(np.int64(1), 2.0), "s": np.array(["x"])}
    ours, theirs = D.default_convert(sample), torch.utils.data.default_convert(sample)
    assert ours["s"] is sample["s"]  # string arrays stay numpy arrays
    del ours["s"], theirs["s"]
    assert plain(ours, tm) == plain(theirs, torch)
