"""CosineSimilarity and PairwiseDistance against torch's: signatures, attributes, reprs and
forward values."""
import inspect

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch

RNG = np.random.default_rng(2)
X, Y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))


@pytest.mark.parametrize("name,kwargs", [("CosineSimilarity", {"dim": 0, "eps": 1e-3}),
                                         ("PairwiseDistance", {"p": 1.5, "keepdim": True})])
def test_layer_as_torch(name, kwargs):
    torch = needs_torch()
    mine, theirs = getattr(tm.nn, name), getattr(torch.nn, name)
    assert list(inspect.signature(mine.__init__).parameters) == \
        list(inspect.signature(theirs.__init__).parameters)
    a, b = mine(**kwargs), theirs(**kwargs)
    assert repr(a) == repr(b) and repr(mine()) == repr(theirs())
    assert {k: v for k, v in vars(a).items() if not k.startswith("_")} == \
        {k: v for k, v in vars(b).items() if not k.startswith("_")}
    np.testing.assert_allclose(np.asarray(a(tm.tensor(X), tm.tensor(Y)).tolist()),
                               b(torch.tensor(X), torch.tensor(Y)).numpy(), rtol=1e-12)
