"""Libraries that take arrays through the standard: array-api-compat finds tm's namespace,
and scikit-learn's Array API dispatch fits and transforms tm tensors, matching its numpy
results."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.array_api as xp
from tensorrt_mini.backends import cuda_runtime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# scipy reads SCIPY_ARRAY_API once, on import, and scikit-learn's dispatch needs it: the
# estimators run in a fresh interpreter, which saves what they give for the test to check
SKLEARN_RUN = textwrap.dedent("""
    import json, sys
    import numpy as np
    import sklearn
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    import tensorrt_mini as tm

    out = sys.argv[1]
    X, y, labels = (np.load(out + name + ".npy") for name in ("X", "y", "labels"))
    devices = {}
    for device in sys.argv[2:]:
        Xt, yt, lt = (tm.tensor(a, device=device) for a in (X, y, labels))
        runs = {
            "StandardScaler": lambda: StandardScaler().fit(Xt).transform(Xt),
            "MinMaxScaler": lambda: MinMaxScaler().fit(Xt).transform(Xt),
            "PCA": lambda: PCA(n_components=2, svd_solver="full").fit(Xt).transform(Xt),
            "Ridge": lambda: Ridge(solver="svd").fit(Xt, yt).predict(Xt),
            "LinearDiscriminantAnalysis":
                lambda: LinearDiscriminantAnalysis().fit(Xt, lt).predict(Xt),
        }
        with sklearn.config_context(array_api_dispatch=True):
            for name, run in runs.items():
                result = run()
                devices[device + " " + name] = str(result.device)
                np.save(out + device + name + ".npy", result.cpu().numpy())
    print(json.dumps(devices))
""")


def test_array_api_compat_finds_the_namespace():
    compat = pytest.importorskip("array_api_compat")
    t = tm.ones(2)
    assert compat.array_namespace(t) is xp
    assert compat.array_namespace(t, tm.zeros(1, dtype=tm.int8)) is xp
    assert compat.device(t) == tm.device("cpu")


def _reference():
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(12)
    labels = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    expected = {
        "StandardScaler": StandardScaler().fit(X).transform(X),
        "MinMaxScaler": MinMaxScaler().fit(X).transform(X),
        "PCA": PCA(n_components=2, svd_solver="full").fit(X).transform(X),
        "Ridge": Ridge(solver="svd").fit(X, y).predict(X),
        "LinearDiscriminantAnalysis": LinearDiscriminantAnalysis().fit(X, labels).predict(X),
    }
    return X, y, labels, expected


@pytest.mark.cuda
def test_scikit_learn_fits_tm_tensors(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    # one interpreter for both devices: importing scikit-learn is most of the time
    devices = ["cpu", "cuda"] if cuda_runtime.is_available() else ["cpu"]
    X, y, labels, expected = _reference()
    out = str(tmp_path) + os.sep
    for name, a in (("X", X), ("y", y), ("labels", labels)):
        np.save(out + name + ".npy", a)
    env = dict(os.environ, SCIPY_ARRAY_API="1",
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    env.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    done = subprocess.run([sys.executable, "-c", SKLEARN_RUN, out, *devices], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result_devices = json.loads(done.stdout.strip().splitlines()[-1])
    for device in devices:
        for name, want in expected.items():
            # the results stay on the device of the inputs
            assert result_devices[device + " " + name].startswith(device), name
            np.testing.assert_allclose(np.load(out + device + name + ".npy"), want,
                                       rtol=1e-7, atol=1e-9, err_msg=f"{name} on {device}")
