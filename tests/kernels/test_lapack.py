"""kernels/lapack.py's diagnosis of refused matrices: the pivot LAPACK's getrf stops at
and the leading minor potrf stops at, against torch's messages (which report LAPACK's
info) and against numpy's verdict."""
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tensorrt_mini.kernels import lapack
from oracle import needs_torch


@st.composite
def small_integer_matrices(draw):
    """Matrices of -1, 0, 1 (singular often, with ties between pivots)."""
    n = draw(st.integers(1, 4))
    return np.array(draw(st.lists(st.integers(-1, 1), min_size=n * n, max_size=n * n)),
                    dtype=np.float64).reshape(n, n)


@settings(max_examples=150, deadline=None)
@given(small_integer_matrices())
def test_lu_info_is_torch_s_zero_pivot(a):
    torch = needs_torch()
    try:
        torch.linalg.inv(torch.tensor(a))
        expected = 0
    except torch.linalg.LinAlgError as e:
        expected = int(re.search(r"diagonal element (\d+)", str(e)).group(1))
    assert lapack.lu_info(a) == expected


@settings(max_examples=150, deadline=None)
@given(small_integer_matrices())
def test_cholesky_info_is_torch_s_leading_minor(a):
    torch = needs_torch()
    s = a + a.T
    try:
        torch.linalg.cholesky(torch.tensor(s))
        expected = 0
    except torch.linalg.LinAlgError as e:
        expected = int(re.search(r"leading minor of order (\d+)", str(e)).group(1))
    assert lapack.cholesky_info(s) == expected


def test_float32_pivots_round_as_float32():
    a = np.array([[1.0, 1.0], [1.0, 1.0 + 2.0 ** -30]])
    assert lapack.lu_info(a) == 0  # float64 keeps the difference
    assert lapack.lu_info(a.astype(np.float32)) == 2  # float32 rounds it away


def test_a_failure_the_diagnosis_does_not_reproduce_is_still_reported(monkeypatch):
    def refuse(xp, a, uplo):
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    monkeypatch.setitem(lapack.ROUTINES, "eigh", refuse)
    with pytest.raises(lapack.Failed) as info:
        lapack.compute(np, np.asarray, "eigh", [np.eye(3)], ("L",))
    assert (info.value.batch_index, info.value.info) == (0, 3)


def test_non_finite_matrices_give_nan_where_numpy_calls_them_singular():
    a = np.stack([np.eye(2), [[np.nan, 1.0], [1.0, 1.0]]])
    (inverse,) = lapack.compute(np, np.asarray, "inv", [a], ())
    np.testing.assert_array_equal(inverse[0], np.eye(2))
    assert np.isnan(inverse[1]).all()
