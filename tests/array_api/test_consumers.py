"""Libraries that take arrays through the standard: array-api-compat finds tm's namespace,
and scikit-learn's Array API dispatch fits and transforms tm tensors, matching its numpy
results."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.array_api as xp
from tensorrt_mini.backends import cuda_runtime


def test_array_api_compat_finds_the_namespace():
    compat = pytest.importorskip("array_api_compat")
    t = tm.ones(2)
    assert compat.array_namespace(t) is xp
    assert compat.array_namespace(t, tm.zeros(1, dtype=tm.int8)) is xp
    assert compat.device(t) == tm.device("cpu")


def _estimators():
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    return {
        "StandardScaler": lambda X, y, labels: StandardScaler().fit(X).transform(X),
        "MinMaxScaler": lambda X, y, labels: MinMaxScaler().fit(X).transform(X),
        "PCA": lambda X, y, labels: PCA(n_components=2, svd_solver="full").fit(X).transform(X),
        "Ridge": lambda X, y, labels: Ridge(solver="svd").fit(X, y).predict(X),
        "LinearDiscriminantAnalysis":
            lambda X, y, labels: LinearDiscriminantAnalysis().fit(X, labels).predict(X),
    }


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def test_scikit_learn_fits_tm_tensors(device, monkeypatch):
    sklearn = pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    if device == "cuda" and not cuda_runtime.is_available():
        pytest.skip("no cuda device (nor the simulator)")
    # scikit-learn's dispatch asks for SciPy's Array API switch; these estimators call no
    # SciPy function on the arrays, so it matters only to that check
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(12)
    labels = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    on_device = [tm.tensor(a, device=device) for a in (X, y, labels)]
    for name, run in _estimators().items():
        expected = run(X, y, labels)
        with sklearn.config_context(array_api_dispatch=True):
            got = run(*on_device)
        assert isinstance(got, tm.Tensor) and got.device.type == device, name
        np.testing.assert_allclose(got.cpu().numpy(), expected, rtol=1e-7, atol=1e-9,
                                   err_msg=f"{name} on {device}")
