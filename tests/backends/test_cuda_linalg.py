"""tm.linalg on the cuda device against the cpu: values and layouts of every backend
routine (cuSOLVER through CuPy on a GPU, numpy under the simulator), torch's errors for
refused matrices, NaN inputs, inputs without elements, and gradients. No hypothesis here: the GPU
check (bench/gpu_check.sh) runs this file."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from linalg_inputs import matrices, spd

L = tm.linalg

pytestmark = pytest.mark.skipif(not cuda_runtime.is_available(),
                                reason=f"cuda unavailable: {cuda_runtime.unavailable()}")


def _results(inputs, device, dtype):
    x, y, z = (tm.tensor(v, device=device, dtype=dtype) for v in inputs)
    u, sv, vh = L.svd(z, full_matrices=False)
    q, r = L.qr(z)
    values, vectors = L.eigh(y)
    return [L.inv(x), L.det(x), L.solve(x, y), L.solve(x, y[..., 0]), L.cholesky(y),
            L.cholesky(y, upper=True), values, (vectors * vectors).sum(-2), sv,
            (u * sv.unsqueeze(-2)) @ vh, q @ r, r.abs(), L.svdvals(z), L.pinv(z),
            L.matrix_norm(z, 2), L.lstsq(z, z[..., :2]).solution, L.matrix_power(x, -2),
            L.slogdet(x).logabsdet, L.slogdet(x).sign, L.eigvalsh(y, UPLO="U")]


@pytest.mark.parametrize("dtype, rtol", [(tm.float64, 1e-10), (tm.float32, 2e-4)])
def test_on_cuda_as_on_cpu(dtype, rtol):
    inputs = matrices(2, 3, 3) + 3 * np.eye(3), spd(2, 3), matrices(2, 4, 3)
    expected, got = _results(inputs, "cpu", dtype), _results(inputs, "cuda", dtype)
    for k, (g, e) in enumerate(zip(got, expected)):
        assert (g.dtype, g.shape, g.stride()) == (e.dtype, e.shape, e.stride()), k
        np.testing.assert_allclose(np.asarray(g.cpu()), np.asarray(e), rtol=rtol, atol=rtol,
                                   err_msg=str(k))


def test_refused_matrices_raise_torch_s_errors_on_cuda():
    with pytest.raises(L.LinAlgError, match=r"\(Batch element 1\): The diagonal element 2"):
        L.inv(tm.stack([tm.eye(2), tm.ones(2, 2)]).to("cuda"))
    with pytest.raises(L.LinAlgError, match="solver failed because the input matrix is singular"):
        L.solve(tm.zeros(2, 2, device="cuda"), tm.ones(2, device="cuda"))
    with pytest.raises(L.LinAlgError, match="leading minor of order 1"):
        L.cholesky(-tm.eye(2, device="cuda"))
    with pytest.raises(L.LinAlgError, match=r"\(Batch element 0\): The algorithm failed"):
        L.svdvals(tm.full((1, 2, 2), float("nan"), device="cuda"))


def test_nan_and_empty_inputs_on_cuda():
    nan = tm.tensor([[float("nan"), 1.0], [1.0, 1.0]], device="cuda")
    assert np.isnan(np.asarray(L.inv(nan).cpu())).all()
    assert np.isnan(L.det(nan).item())
    assert L.det(tm.ones(2, 0, 0, device="cuda")).tolist() == [1.0, 1.0]
    assert tuple(L.inv(tm.ones(0, 3, 3, device="cuda")).shape) == (0, 3, 3)
    u, s, vh = L.svd(tm.ones(3, 0, device="cuda"))
    assert u.tolist() == np.eye(3).tolist() and tuple(s.shape) == (0,)


def _sym(a):
    return a + a.transpose(-1, -2)


GRADIENTS = {  # each with a loss that a sign change of a singular or eigenvector leaves alone
    "det": lambda a: L.det(a).sum(),
    "solve": lambda a: L.solve(a + 3 * tm.eye(3, dtype=a.dtype, device=a.device), a).sum(),
    "cholesky": lambda a: L.cholesky(a @ a.mT + tm.eye(3, dtype=a.dtype, device=a.device)).sum(),
    "qr": lambda a: sum(t.sum() for t in L.qr(a)),
    "svd": lambda a: ((lambda u, s, vh: s.sum() + ((u * s.unsqueeze(-2)) @ vh).exp().sum())
                      (*L.svd(a, full_matrices=False))),
    "eigh": lambda a: ((lambda w, v: w.sum() + (v * v * w.unsqueeze(-2)).exp().sum())
                       (*L.eigh(_sym(a)))),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_on_cuda_as_on_cpu(name):
    a = matrices(2, 3, 3)
    grads = []
    for device in ("cpu", "cuda"):
        x = tm.tensor(a, device=device, requires_grad=True)
        GRADIENTS[name](x).backward()
        grads.append(np.asarray(x.grad.cpu()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-9, atol=1e-12)
