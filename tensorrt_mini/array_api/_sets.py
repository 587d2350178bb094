"""The standard's set functions. Their output sizes depend on the data, so they run on
the host with numpy (NaNs stay distinct, as the standard asks) and return to x's device."""
from collections import namedtuple

import numpy as np

from .. import creation as C
from .. import dtypes as D

UniqueAllResult = namedtuple("UniqueAllResult", "values indices inverse_indices counts")
UniqueCountsResult = namedtuple("UniqueCountsResult", "values counts")
UniqueInverseResult = namedtuple("UniqueInverseResult", "values inverse_indices")


def _unique(x):
    flat = np.asarray(x.reshape(-1).cpu().numpy())
    values, index, inverse, counts = np.unique(flat, return_index=True, return_inverse=True,
                                               return_counts=True, equal_nan=False)

    def back(a, dtype):
        return C.tensor(a, dtype=dtype, device=x.device)

    return (back(values, x.dtype), back(index, D.int64),
            back(inverse.reshape(tuple(x.shape)), D.int64), back(counts, D.int64))


def unique_all(x, /):
    return UniqueAllResult(*_unique(x))


def unique_counts(x, /):
    values, _, _, counts = _unique(x)
    return UniqueCountsResult(values, counts)


def unique_inverse(x, /):
    values, _, inverse, _ = _unique(x)
    return UniqueInverseResult(values, inverse)


def unique_values(x, /):
    return _unique(x)[0]
