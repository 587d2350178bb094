"""normalize, cosine_similarity, pairwise_distance and pdist against torch: values and the
float64 gradients of every input (broadcast, stepped and transposed inputs, zero vectors),
torch's errors, and one tiny cuda case a function."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(5)
X = RNG.standard_normal((4, 3))
Y = RNG.standard_normal((4, 3))
WITH_ZERO_ROW = np.vstack([X[:3], np.zeros((1, 3))])
# rows 1 and 2 equal; rows 0 and 3 equal in one column; |differences| tied within pairs
TIED = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5], [1.0, -1.0, 0.5], [2.0, 0.0, -1.0]])

# name: (call of F on the inputs, inputs): every input is differentiated
CASES = {
    "normalize": ("F.normalize(a)", (X,)),
    "normalize-p1-dim0-stepped": ("F.normalize(a[::2], p=1, dim=0)", (X,)),
    "normalize-zero-row-eps": ("F.normalize(a, dim=-1, eps=1e-3)", (WITH_ZERO_ROW,)),
    "normalize-inf-3d": ("F.normalize(a.view(2, 2, 3), p=float('inf'), dim=2)", (X,)),
    "cosine": ("F.cosine_similarity(a, b)", (X, Y)),
    "cosine-broadcast-dim0": ("F.cosine_similarity(a, b[0], dim=0)", (X, Y)),
    "cosine-zero-row": ("F.cosine_similarity(a, b, dim=-1, eps=1e-4)", (WITH_ZERO_ROW, Y)),
    "cosine-transposed-1d": ("F.cosine_similarity(a.t()[0], b[:, 1], dim=0)", (X, Y)),
    "pairwise": ("F.pairwise_distance(a, b)", (X, Y)),
    "pairwise-p1-keepdim": ("F.pairwise_distance(a, b, p=1.0, keepdim=True)", (X, Y)),
    "pairwise-p3-broadcast": ("F.pairwise_distance(a, b[1], p=3, eps=0.1)", (X, Y)),
    "pairwise-equal-points": ("F.pairwise_distance(a, a.detach())", (X,)),
    "pairwise-1d": ("F.pairwise_distance(a[0], b[0])", (X, Y)),
    "pdist": ("F.pdist(a)", (X,)),
    "pdist-p1-transposed": ("F.pdist(a.t(), p=1)", (X,)),
    "pdist-p3": ("F.pdist(a, p=3)", (X,)),
    "pdist-inf": ("F.pdist(a, p=float('inf'))", (X,)),
    "pdist-equal-rows": ("F.pdist(a)", (np.vstack([X[:2], X[:1]]),)),
    "pdist-inf-ties": ("F.pdist(a, p=float('inf'))", (TIED,)),
    "pdist-p0": ("F.pdist(a, p=0)", (TIED,)),
    "pdist-p0.5-equal-rows-and-zero-differences": ("F.pdist(a, p=0.5)", (TIED,)),
    "pdist-p1.5-equal-rows": ("F.pdist(a, p=1.5)", (TIED,)),
}


def run(lib, name, device="cpu", dtype="float64"):
    call, arrays = CASES[name]
    leaves = [lib.tensor(a, dtype=getattr(lib, dtype), device=device, requires_grad=True)
              for a in arrays]
    out = eval(call, {"F": lib.nn.functional, "a": leaves[0], "b": leaves[-1]})
    weights = lib.arange(1.0, out.numel() + 1, dtype=out.dtype, device=device)
    (out * weights.reshape(out.shape)).sum().backward()
    return ([np.asarray(out.detach().cpu().tolist())]
            + [np.asarray(t.grad.cpu().tolist()) for t in leaves])


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name):
    torch = needs_torch()
    for got, want in zip(run(tm, name), run(torch, name), strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_pdist_records_one_node_with_a_second_derivative():
    x = tm.tensor(X, requires_grad=True)
    assert type(tm.nn.functional.pdist(x).grad_fn).__name__ == "PdistBackward0"
    for p in (1.5, 2, 3):
        assert tm.autograd.gradgradcheck(lambda t: tm.nn.functional.pdist(t, p), (x,))


@pytest.mark.parametrize("expr", [
    "F.normalize(L.ones(2, 3).int())",
    "F.normalize(L.ones(3))",
    "F.normalize(L.zeros(2, 3))",
    "F.normalize(L.tensor([[3.0, 4.0]]), out=L.zeros(1, 2))",
    "F.normalize(L.tensor([[3.0, 4.0]], requires_grad=True), out=L.zeros(1, 2))",
    "F.cosine_similarity(L.ones(2, 3), L.ones(2, 4))",
    "F.cosine_similarity(L.ones(2, 3), L.ones(3), dim=2)",
    "F.cosine_similarity(L.ones(2, 3).int(), L.ones(2, 3).int())",
    "F.cosine_similarity(L.ones(2, 3).int(), L.ones(2, 3))",
    "F.cosine_similarity(L.ones(2, 3).double(), L.ones(2, 3))",
    "F.pairwise_distance(L.ones(2, 3), L.ones(2, 4))",
    "F.pairwise_distance(L.ones(2, 3).int(), L.ones(2, 3).int())",
    "F.pairwise_distance(L.tensor(1.0), L.tensor(2.5))",
    "F.pdist(L.ones(2, 3, 1))",
    "F.pdist(L.ones(3, 2), p=-1)",
    "F.pdist(L.ones(3, 2).int())",
    "F.pdist(L.ones(1, 2))",
    "F.pdist(L.ones(0, 2))",
    "F.pdist(L.ones(3, 0))",
])
def test_results_and_errors_as_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr, F=tm.nn.functional) == \
        expr_outcome(torch, expr, F=torch.nn.functional)


@pytest.mark.parametrize("name", ["normalize", "cosine-broadcast-dim0", "pairwise-p1-keepdim",
                                  "pdist"])
def test_cuda_matches_torch(name):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    torch = needs_torch()
    for got, want in zip(run(tm, name, "cuda", "float32"), run(torch, name, dtype="float32"),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
