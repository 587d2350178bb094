"""nn.functional's losses against torch: one table of (loss, keyword arguments, inputs),
each run with every reduction, comparing values and the float64 gradients of the inputs
torch differentiates; then torch's errors and warnings, and one tiny cuda case a loss."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch, same_as_torch
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(7)


def normal(*shape):
    return RNG.standard_normal(shape)


def uniform(low, high, *shape):
    return RNG.uniform(low, high, shape)


def signs(*shape):
    return RNG.choice([-1.0, 1.0], shape)


class Grad(np.ndarray):
    """An input array that the case differentiates (requires_grad in both libraries)."""


def grad(a):
    return np.asarray(a, dtype=np.float64).view(Grad)


def longs(*values):
    return np.array(values, dtype=np.int64)


X34 = normal(3, 4)
CLASSES = longs(0, 3, 1)
IGNORED = longs(2, -100, 3)
SPATIAL = normal(2, 3, 2, 2)
SPATIAL_TARGET = RNG.integers(0, 3, (2, 2, 2))
SPATIAL_TARGET[0, 1, 0] = -100
W4, W3 = uniform(0.5, 2, 4), uniform(0.5, 2, 3)
PROBS = RNG.dirichlet(np.ones(4), 3)

# name: (loss name in F, inputs, keyword arguments, [a view of the first input])
CASES = {
    "l1": ("l1_loss", (grad(X34), grad(normal(3, 4))), {}),
    "l1-weight": ("l1_loss", (grad(X34), grad(normal(3, 4))), {"weight": uniform(0.5, 2, 3, 4)}),
    "mse": ("mse_loss", (grad(X34), grad(normal(3, 4))), {}),
    "mse-transposed": ("mse_loss", (grad(normal(4, 3)), grad(normal(3, 4))), {},
                       lambda x: x.t()),
    "mse-weight": ("mse_loss", (grad(X34), grad(normal(3, 4))), {"weight": uniform(0.5, 2, 3, 4)}),
    "smooth_l1": ("smooth_l1_loss", (grad(X34), grad(normal(3, 4))), {"beta": 0.7}),
    "smooth_l1-beta0": ("smooth_l1_loss", (grad(X34), grad(normal(3, 4))), {"beta": 0.0}),
    "huber": ("huber_loss", (grad(X34), grad(normal(3, 4))), {"delta": 0.6}),
    "huber-weight": ("huber_loss", (grad(X34), grad(normal(3, 4))),
                     {"delta": 0.6, "weight": uniform(0.5, 2, 3, 4)}),
    "bce": ("binary_cross_entropy", (grad(uniform(0.05, 0.95, 3, 4)),
                                     grad(uniform(0, 1, 3, 4)), W4), {}),
    "bce-saturated": ("binary_cross_entropy", (grad([[0.0, 1.0, 0.5], [1.0, 0.0, 1e-50]]),
                                               np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]])),
                      {}),
    "bce_logits": ("binary_cross_entropy_with_logits",
                   (grad(X34 * 30), grad(uniform(0, 1, 3, 4))), {}),
    "bce_logits-weights": ("binary_cross_entropy_with_logits",
                           (grad(X34), grad(uniform(0, 1, 3, 4)), uniform(0.5, 2, 3, 1)),
                           {"pos_weight": W4}),
    "bce_logits-stepped": ("binary_cross_entropy_with_logits",
                           (grad(normal(6, 4)), grad(uniform(0, 1, 3, 4))), {},
                           lambda x: x[::2]),
    "ce": ("cross_entropy", (grad(X34), CLASSES), {}),
    "ce-batch-of-1": ("cross_entropy", (grad(normal(1, 4)), longs(2)), {"label_smoothing": 0.1}),
    "ce-transposed": ("cross_entropy", (grad(normal(4, 3)), CLASSES), {}, lambda x: x.t()),
    "ce-weight-ignore": ("cross_entropy", (grad(X34), IGNORED), {"weight": W4}),
    "ce-smoothing": ("cross_entropy", (grad(X34), IGNORED),
                     {"weight": W4, "label_smoothing": 0.2}),
    "ce-smoothing-unweighted": ("cross_entropy", (grad(X34), IGNORED),
                                {"label_smoothing": 0.3}),
    "ce-spatial": ("cross_entropy", (grad(SPATIAL), SPATIAL_TARGET),
                   {"weight": W3, "label_smoothing": 0.1}),
    "ce-1d": ("cross_entropy", (grad(X34[0]), np.array(2)), {}),
    "ce-byte-target": ("cross_entropy", (grad(X34), CLASSES.astype(np.uint8)), {}),
    "ce-probs": ("cross_entropy", (grad(X34), grad(PROBS)), {"weight": W4}),
    "ce-probs-smoothing": ("cross_entropy", (grad(SPATIAL), grad(RNG.dirichlet(
        np.ones(3), (2, 2, 2)).transpose(0, 3, 1, 2))), {"label_smoothing": 0.25}),
    "nll": ("nll_loss", (grad(X34), IGNORED), {"weight": W4}),
    "nll-3d": ("nll_loss", (grad(SPATIAL[:, :, 0]), SPATIAL_TARGET[:, 0]), {"weight": W3}),
    "nll-4d": ("nll_loss", (grad(SPATIAL), SPATIAL_TARGET), {}),
    "nll-1d": ("nll_loss", (grad(X34[1]), np.array(1)), {}),
    "kl_div": ("kl_div", (grad(np.log(PROBS)), grad(RNG.dirichlet(np.ones(4), 3))), {}),
    "kl_div-log_target": ("kl_div", (grad(np.log(PROBS)), grad(np.log(RNG.dirichlet(
        np.ones(4), 3)))), {"log_target": True}),
    "poisson": ("poisson_nll_loss", (grad(X34), grad(uniform(0, 3, 3, 4))), {}),
    "poisson-rates-full": ("poisson_nll_loss", (grad(uniform(0.1, 3, 3, 4)),
                                                RNG.integers(0, 5, (3, 4)) * 1.0),
                           {"log_input": False, "full": True, "eps": 1e-3}),
    "gaussian": ("gaussian_nll_loss", (grad(X34), grad(normal(3, 4)),
                                       grad(uniform(0.1, 2, 3, 4))), {}),
    "gaussian-one-per-item": ("gaussian_nll_loss", (grad(X34), grad(normal(3, 4)),
                                                    grad(uniform(0.1, 2, 3))), {"full": True}),
    "gaussian-clamped": ("gaussian_nll_loss", (grad(X34), grad(normal(3, 4)),
                                               grad([[0.5], [1e-9], [0.0]])), {"eps": 1e-3}),
    "cosine_embedding": ("cosine_embedding_loss", (grad(X34), grad(normal(3, 4)),
                                                   np.array([1.0, -1.0, -1.0])),
                         {"margin": -0.5}),
    "cosine_embedding-single": ("cosine_embedding_loss", (grad(X34[0]), grad(X34[1]),
                                                          np.array(1.0)), {}),
    "margin_ranking": ("margin_ranking_loss", (grad(normal(5)), grad(normal(5)), signs(5)),
                       {"margin": 0.3}),
    "triplet": ("triplet_margin_loss", (grad(X34), grad(normal(3, 4)), grad(normal(3, 4))),
                {"margin": 2.0}),
    "triplet-p1-swap": ("triplet_margin_loss", (grad(X34), grad(normal(3, 4)),
                                                grad(normal(3, 4))),
                        {"margin": 3.0, "p": 1, "swap": True}),
    "multilabel_soft_margin": ("multilabel_soft_margin_loss",
                               (grad(X34), grad(RNG.integers(0, 2, (3, 4)) * 1.0)),
                               {"weight": W4}),
    "triplet_with_distance": ("triplet_margin_with_distance_loss",
                              (grad(X34), grad(normal(3, 4)), grad(normal(3, 4))),
                              {"margin": 2.5}),
    "triplet_with_distance-cosine-swap": (
        "triplet_margin_with_distance_loss", (grad(X34), grad(normal(3, 4)), grad(normal(3, 4))),
        {"distance_function": "cosine", "margin": 0.5, "swap": True}),
    "soft_margin": ("soft_margin_loss", (grad(X34 * 20), signs(3, 4)), {}),
    "soft_margin-stepped": ("soft_margin_loss", (grad(normal(6, 4)), signs(3, 4)), {},
                            lambda x: x[::2]),
    "hinge_embedding": ("hinge_embedding_loss", (grad(X34), np.array([[1.0, -1.0, 0.5, -1.0]] * 3)),
                        {"margin": 0.8}),
    "multi_margin": ("multi_margin_loss", (grad(X34), CLASSES), {}),
    "multi_margin-p2-weight": ("multi_margin_loss", (grad(X34), CLASSES),
                               {"p": 2, "margin": 1.5, "weight": W4}),
    "multi_margin-transposed": ("multi_margin_loss", (grad(normal(4, 3)), CLASSES),
                                {"margin": 0.5}, lambda x: x.t()),
    "multi_margin-1d": ("multi_margin_loss", (grad(X34[0]), np.array(2)), {}),
    "multilabel_margin": ("multilabel_margin_loss",
                          (grad(X34), longs(3, 0, -1, 1, 1, 2, 0, -1, 2, 3, 0, 1).reshape(3, 4)),
                          {}),
    "multilabel_margin-1d": ("multilabel_margin_loss", (grad(X34[1]), longs(2, -1, 0, 3)), {}),
}
REDUCTIONS = ("none", "mean", "sum")


def run_case(lib, name, reduction, device="cpu", dtype="float64"):
    """The loss and the gradients of sum(loss * (1, 2, ...)) for the case's differentiable
    inputs (None for the others), as numpy arrays."""
    fn, arrays, kwargs, *view = CASES[name]
    dt = getattr(lib, dtype)
    leaves = []
    for a in arrays:
        if isinstance(a, Grad):
            leaves.append(lib.tensor(np.asarray(a), dtype=dt, device=device, requires_grad=True))
        else:
            leaves.append(lib.tensor(a, dtype=dt if a.dtype.kind == "f" else None,
                                     device=device))
    kwargs = {k: lib.tensor(v, dtype=dt, device=device) if isinstance(v, np.ndarray) else v
              for k, v in kwargs.items()}
    if kwargs.get("distance_function") == "cosine":
        kwargs["distance_function"] = lambda a, b: 1 - lib.nn.functional.cosine_similarity(a, b)
    args = [view[0](leaves[0]) if view else leaves[0]] + leaves[1:]
    loss_fn = getattr(lib.nn.functional, fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warns; its warning has its test
        out = loss_fn(*args, **kwargs, reduction=reduction)
    weights = lib.arange(1.0, out.numel() + 1, dtype=dt, device=device).reshape(out.shape)
    (out * weights).sum().backward()
    grads = [None if t.grad is None else np.asarray(t.grad.cpu().tolist()) for t in leaves]
    return np.asarray(out.detach().cpu().tolist()), grads


def assert_same(mine, theirs, rtol, atol):
    (out, grads), (want, want_grads) = mine, theirs
    np.testing.assert_allclose(out, want, rtol=rtol, atol=atol, equal_nan=True)
    for got, expected in zip(grads, want_grads):
        assert (got is None) == (expected is None)
        if got is not None:
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_and_its_gradients_match_torch(name, reduction):
    torch = needs_torch()
    assert_same(run_case(tm, name, reduction), run_case(torch, name, reduction),
                rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["kl_div", "kl_div-log_target"])
def test_kl_div_batchmean_divides_by_the_batch_only(name):
    torch = needs_torch()
    assert_same(run_case(tm, name, "batchmean"), run_case(torch, name, "batchmean"),
                rtol=1e-9, atol=1e-12)


# one case a loss, small enough for the simulator
CUDA_CASES = ["l1", "mse", "smooth_l1", "huber", "bce", "bce_logits-weights", "ce-smoothing",
              "ce-probs", "nll-3d", "kl_div", "poisson", "gaussian-one-per-item",
              "cosine_embedding", "margin_ranking", "triplet", "multilabel_soft_margin",
              "triplet_with_distance", "soft_margin", "hinge_embedding", "multi_margin-p2-weight",
              "multilabel_margin"]


@pytest.mark.parametrize("name", CUDA_CASES)
def test_cuda_matches_torch(name):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    torch = needs_torch()
    assert_same(run_case(tm, name, "mean", "cuda", "float32"),
                run_case(torch, name, "mean", "cpu", "float32"), rtol=1e-4, atol=1e-5)


def test_cpu_float32_matches_torch():
    torch = needs_torch()
    for name in ("ce-weight-ignore", "bce_logits-weights", "bce"):
        assert_same(run_case(tm, name, "mean", dtype="float32"),
                    run_case(torch, name, "mean", dtype="float32"), rtol=1e-5, atol=1e-6)


def test_empty_batches_as_torch():
    for expr in ["F.cross_entropy(lib.ones(0, 3), lib.zeros(0, dtype=lib.int64))",
                 "F.cross_entropy(lib.ones(0, 3), lib.zeros(0, dtype=lib.int64), "
                 "reduction='sum')",
                 "F.nll_loss(lib.ones(2, 3), lib.tensor([-100, -100]))",
                 "F.l1_loss(lib.ones(0), lib.ones(0))",
                 "F.binary_cross_entropy(lib.ones(0), lib.ones(0))",
                 "F.mse_loss(lib.ones(0, 2), lib.ones(0, 2), reduction='none')",
                 "F.multi_margin_loss(lib.ones(0, 3), lib.ones(0).long(), reduction='none')",
                 "F.soft_margin_loss(lib.ones(0, 3), lib.ones(0, 3))"]:
        same_as_torch(lambda lib: eval(expr, {"lib": lib, "F": lib.nn.functional}))


ERRORS = [
    "F.l1_loss(L.ones(2, 3), L.ones(4))",
    "F.l1_loss(L.ones(2), L.ones(2), reduction='bad')",
    "F.l1_loss(L.ones(2), L.ones(2), weight=L.ones(3))",
    "F.mse_loss(L.ones(2), L.ones(2), reduction='bad')",
    "F.mse_loss(L.ones(2, dtype=L.int32), L.ones(2, dtype=L.int32), reduction='none')",
    "F.mse_loss(L.ones(2, dtype=L.bool), L.ones(2, dtype=L.bool))",
    "F.smooth_l1_loss(L.ones(2), L.ones(2), beta=-1)",
    "F.huber_loss(L.ones(2), L.ones(2), delta=0)",
    "F.binary_cross_entropy(L.ones(2, 1) / 2, L.ones(2))",
    "F.binary_cross_entropy(L.ones(2) * 2, L.ones(2))",
    "F.binary_cross_entropy(L.ones(2) / 2, L.ones(2) * 2)",
    "F.binary_cross_entropy(L.ones(2) / 2, L.ones(2, dtype=L.float64))",
    "F.binary_cross_entropy(L.ones(2) / 2, L.ones(2), reduction='bad')",
    "F.binary_cross_entropy_with_logits(L.ones(2, 1), L.ones(2))",
    "F.binary_cross_entropy_with_logits(L.ones(2), L.ones(2), pos_weight=L.ones(3))",
    "F.cross_entropy(L.ones(2, 3), L.ones(2, 3), reduction='bad')",
    "F.cross_entropy(L.ones(3, 4), L.tensor([0, 1, 5]))",
    "F.cross_entropy(L.ones(3, 4), L.tensor([0, 1]))",
    "F.cross_entropy(L.ones(3, 4), L.tensor([0.0, 1.0, 2.0]))",
    "F.cross_entropy(L.ones(2, 3), L.ones(2, 4))",
    "F.cross_entropy(L.ones(2, 3), L.ones(2, 3).long())",
    "F.cross_entropy(L.ones(2, 3), L.ones(2, 3), ignore_index=1)",
    "F.cross_entropy(L.ones(2, 3), L.tensor([0, 1]), label_smoothing=1.5)",
    "F.cross_entropy(L.ones(2, 3), L.ones(2, 3), label_smoothing=-0.5)",
    "F.cross_entropy(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(4))",
    "F.cross_entropy(L.ones(2, 3), L.ones(2, 3), weight=L.ones(4))",
    "F.cross_entropy(L.ones(2, 3).long(), L.tensor([0, 1]))",
    "F.cross_entropy(L.ones(2, 3, 4), L.tensor([[0, 1, 2, 3], [0, 1, 2, 0]]))",
    "F.nll_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(2))",
    "F.nll_loss(L.ones(2, 3, 4), L.tensor([0, 1]))",
    "F.nll_loss(L.ones(2, 3, 4), L.zeros(2, 5, dtype=L.int64))",
    "F.nll_loss(L.ones(2, 3, 4, 5), L.zeros(2, 4, 4, dtype=L.int64))",
    "F.nll_loss(L.ones(2, 3, 4, 5), L.zeros(2, 4, dtype=L.int64))",
    "F.nll_loss(L.ones(2, 3, 4), L.zeros(2, 4, dtype=L.int64) + 3)",
    "F.nll_loss(L.ones(2, 3), L.tensor([0, -1]))",
    "F.nll_loss(L.ones(3), L.tensor(5))",
    "F.nll_loss(L.ones(2, 3), L.tensor([[0, 1]]))",
    "F.nll_loss(L.ones(()), L.tensor(0))",
    "F.nll_loss(L.ones(2, 3), L.tensor([0, 1]).int())",
    "F.nll_loss(L.ones(2, 3, 4), L.zeros(2, 4, dtype=L.int32))",
    "F.cross_entropy(L.ones(2, 3, 4), L.zeros(2, 4, dtype=L.uint8))",
    "F.nll_loss(L.ones(2, 3, 4, 4), L.zeros(2, 4, 4, dtype=L.uint8))",
    "F.nll_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(3, dtype=L.float64))",
    "F.kl_div(L.ones(2), L.ones(3))",
    "F.kl_div(L.ones(2), L.ones(2), reduction='bad')",
    "F.poisson_nll_loss(L.ones(2), L.ones(2), reduction='bad')",
    "F.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 2))",
    "F.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3))",
    "F.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), -L.ones(2, 3))",
    "F.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), -1.0)",
    "F.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3), reduction='bad')",
    "F.gaussian_nll_loss(L.ones(2, 3), L.ones(3, 3), L.ones(2, 3))",
    "F.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3))",
    "F.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 4), L.ones(2))",
    "F.cosine_embedding_loss(L.ones(2, 3, 1), L.ones(2, 3, 1), L.ones(2))",
    "F.cosine_embedding_loss(L.ones(3), L.ones(3), L.ones(1))",
    "F.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 1))",
    "F.margin_ranking_loss(L.ones(2), L.ones(3), L.ones(2))",
    "F.margin_ranking_loss(L.ones(2), L.ones(2), L.ones(2, 2))",
    "F.triplet_margin_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 4))",
    "F.triplet_margin_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3))",
    "F.triplet_margin_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3), margin=0)",
    "F.cross_entropy(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(3, requires_grad=True))",
    "F.binary_cross_entropy(L.ones(2) / 2, L.ones(2), weight=L.ones(2, requires_grad=True))",
    "F.binary_cross_entropy_with_logits(L.ones(2), L.ones(2), "
    "pos_weight=L.ones(2, requires_grad=True))",
    "F.multilabel_soft_margin_loss(L.ones(2, 3), L.ones(2, 4))",
    "F.multilabel_soft_margin_loss(L.ones(2, 3), L.ones(2, 3), weight=L.ones(2))",
    "F.multilabel_soft_margin_loss(L.ones(2, 3), L.ones(2, 3), reduction='bad')",
    "F.triplet_margin_with_distance_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3))",
    "F.triplet_margin_with_distance_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3), margin=0)",
    "F.triplet_margin_with_distance_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3), "
    "reduction='bad')",
    "F.soft_margin_loss(L.ones(2, 3), L.ones(2, 3), reduction='bad')",
    "F.soft_margin_loss(L.ones(2, 3), L.ones(2, 4))",
    "F.soft_margin_loss(L.ones(2, 3), L.ones(2, 3, requires_grad=True))",
    "F.hinge_embedding_loss(L.ones(2, 3), L.ones(2, 4))",
    "F.hinge_embedding_loss(L.ones(2, 3), L.ones(2, 3), reduction='bad')",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), p=3)",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0, 3]))",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0, -1]))",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1, 2]))",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([[0, 1]]))",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(2))",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(1, 3))",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), reduction='bad')",
    "F.multi_margin_loss(L.ones(2, 3, 1), L.tensor([0, 1]))",
    "F.multi_margin_loss(L.ones(2, 0), L.tensor([0, 1]))",
    "F.multi_margin_loss(L.ones(2, 3), L.tensor([0.0, 1.0]))",
    "F.multi_margin_loss(L.ones(3), L.tensor([1]), reduction='none')",
    "F.multilabel_margin_loss(L.ones(2, 3), L.tensor([0, 1]))",
    "F.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, 3, -1], [0, 1, -1]]))",
    "F.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, -2, -1], [0, 1, -1]]))",
    "F.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, 0, -1], [2, -1, 5]]))",
    "F.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, 1, -1], [0, 1, -1]]).int())",
    "F.multilabel_margin_loss(L.ones(2, 3, 1), L.tensor([[0, 1, -1], [0, 1, -1]]))",
    "F.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, 1, -1], [0, 1, -1]]), "
    "reduction='bad')",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_as_torch(expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_as_torch(lambda lib: eval(expr, {"L": lib, "F": lib.nn.functional}))


@pytest.mark.parametrize("expr", [
    "F.multilabel_margin_loss(L.tensor([[0.3, -0.2, 0.5]] * 2), L.tensor([[0, 0, -1], [2, 2, 2]]), "
    "reduction='none')",
    "F.multi_margin_loss(L.ones(1, 3), L.tensor(1), reduction='none')",
    "F.multi_margin_loss(L.ones(3), L.tensor([1]), reduction='none')",
    "F.multi_margin_loss(L.tensor(1.0), L.tensor(0), reduction='none')",
    "F.multilabel_margin_loss(L.tensor(1.0), L.tensor(0), reduction='none')",
])
def test_margin_losses_repeated_targets_and_shapes_as_torch(expr):
    same_as_torch(lambda lib: eval(expr, {"L": lib, "F": lib.nn.functional}))


def warnings_of(lib, expr):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eval(expr, {"L": lib, "F": lib.nn.functional})
    return [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.parametrize("expr", [
    "F.l1_loss(L.ones(2, 1), L.ones(2))",
    "F.mse_loss(L.ones(2, 1), L.ones(2))",
    "F.smooth_l1_loss(L.ones(2), L.ones(2, 2))",
    "F.huber_loss(L.ones(2, 1), L.ones(2))",
    "F.kl_div(L.ones(2, 3), L.ones(2, 3))",
    "F.kl_div(L.ones(2, 3), L.ones(2, 3), reduction='batchmean')",
    "F.l1_loss(L.ones(2), L.ones(2))",
    "F.l1_loss(L.ones(2), L.ones(2), size_average=False)",
    "F.mse_loss(L.ones(2), L.ones(2), reduce=False)",
    "F.cross_entropy(L.ones(2, 3), L.tensor([0, 1]), size_average=True, reduce=True)",
    "F.nll_loss(L.ones(2, 3), L.tensor([0, 1]), reduce=False, size_average=True)",
    "F.kl_div(L.ones(2, 3), L.ones(2, 3), size_average=False)",
    "F.binary_cross_entropy_with_logits(L.ones(2), L.ones(2), size_average=False)",
])
def test_warnings_as_torch(expr):
    torch = needs_torch()
    assert warnings_of(tm, expr) == warnings_of(torch, expr)


@pytest.mark.parametrize("expr", [
    "F.l1_loss(x, y, size_average=False)",
    "F.mse_loss(x, y, reduce=False)",
    "F.smooth_l1_loss(x, y, size_average=True, reduce=False)",
    "F.binary_cross_entropy(x.sigmoid(), y.sigmoid(), reduce=True, size_average=False)",
    "F.poisson_nll_loss(x, y.abs(), size_average=False)",
    "F.kl_div(x, y.abs(), reduce=False)",
    "F.margin_ranking_loss(x[0], y[0], x[1].sign(), size_average=False)",
    "F.triplet_margin_loss(x, y, x + 1, reduce=False)",
])
def test_legacy_size_average_and_reduce_pick_torchs_reduction(expr):
    torch = needs_torch()

    def outcome(lib):
        x = lib.tensor(X34[:2])
        y = lib.tensor(X34[1:])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(eval(expr, {"F": lib.nn.functional, "x": x, "y": y}).tolist())
    np.testing.assert_allclose(outcome(tm), outcome(torch), rtol=1e-6)


def test_hot_losses_record_one_node():
    x = tm.randn(3, 4, requires_grad=True)
    y = tm.rand(3, 4)
    F = tm.nn.functional
    assert type(F.mse_loss(x, y).grad_fn).__name__ == "MseLossBackward0"
    assert type(F.binary_cross_entropy_with_logits(x, y).grad_fn).__name__ == \
        "BinaryCrossEntropyWithLogitsBackward0"
    assert type(F.binary_cross_entropy(x.sigmoid(), y).grad_fn).__name__ == \
        "BinaryCrossEntropyBackward0"
    loss = F.cross_entropy(x, tm.tensor([0, 1, 3]))  # torch's two nodes
    assert type(loss.grad_fn).__name__ == "NllLossBackward0"
    assert [type(n).__name__ for n, _ in loss.grad_fn.next_functions] == ["LogSoftmaxBackward0"]


def test_bce_with_logits_is_stable_for_huge_logits():
    x = tm.tensor([1000.0, -1000.0, 1000.0], requires_grad=True)
    loss = tm.nn.functional.binary_cross_entropy_with_logits(
        x, tm.tensor([1.0, 0.0, 0.0]), reduction="none")
    assert loss.tolist() == [0.0, 0.0, 1000.0]
    loss.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_gradients_of_gradients_as_torch():
    torch = needs_torch()

    def second(lib):
        F = lib.nn.functional
        x = lib.tensor(X34, requires_grad=True)
        t = lib.tensor(PROBS)
        out = []
        for loss in (F.mse_loss(x, t), F.binary_cross_entropy_with_logits(x, t),
                     F.binary_cross_entropy(x.sigmoid(), t)):
            (g,) = lib.autograd.grad(loss, x, create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), x)
            out.append(np.asarray(gg.tolist()))
        return out
    for a, b in zip(second(tm), second(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# --- ctc_loss: (targets, input_lengths, target_lengths, keyword arguments) -----------------
LOGITS = normal(6, 3, 5)
CTC_CASES = {
    "padded": (lambda L: L.tensor([[1, 2, 2], [3, 1, 0], [4, 4, 4]]), (6, 5, 6), (3, 2, 2), {}),
    "concatenated-tensor-lengths": (lambda L: L.tensor([1, 2, 2, 3, 1, 4, 4], dtype=L.int32),
                                    lambda L: L.tensor([6, 6, 4]),
                                    lambda L: L.tensor([3, 2, 2]), {}),
    "empty-target-and-blank-4": (lambda L: L.tensor([[1, 2, 2], [3, 1, 0], [0, 0, 1]]),
                                 (6, 5, 3), (3, 0, 3), {"blank": 4}),
    "impossible": (lambda L: L.tensor([[1, 2, 2], [3, 1, 0], [0, 0, 1]]), (6, 2, 3), (3, 2, 3),
                   {}),
    "impossible-zero_infinity": (lambda L: L.tensor([[1, 2, 2], [3, 1, 0], [0, 0, 1]]),
                                 (6, 2, 3), (3, 2, 3), {"zero_infinity": True}),
}


def run_ctc(lib, name, reduction, device="cpu", dtype="float64"):
    targets, input_lengths, target_lengths, kwargs = CTC_CASES[name]
    lengths = [n(lib) if callable(n) else n for n in (input_lengths, target_lengths)]
    logits = lib.tensor(LOGITS, dtype=getattr(lib, dtype), device=device,
                        requires_grad=True)
    log_probs = logits.log_softmax(-1)
    out = lib.nn.functional.ctc_loss(log_probs, targets(lib).to(device), *lengths,
                                     reduction=reduction, **kwargs)
    weights = lib.arange(1.0, out.numel() + 1, dtype=out.dtype, device=device)
    (out * weights.reshape(out.shape)).sum().backward()
    return np.asarray(out.detach().cpu().tolist()), [np.asarray(logits.grad.cpu().tolist())]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CTC_CASES))
def test_ctc_loss_and_its_gradient_match_torch(name, reduction):
    torch = needs_torch()
    assert_same(run_ctc(tm, name, reduction), run_ctc(torch, name, reduction), rtol=1e-9,
                atol=1e-12)


def test_ctc_loss_of_one_unbatched_sequence_as_torch():
    torch = needs_torch()

    def run(lib):
        logits = lib.tensor(LOGITS[:, 0], requires_grad=True)
        out = lib.nn.functional.ctc_loss(logits.log_softmax(-1), lib.tensor([1, 3]),
                                         lib.tensor(5), lib.tensor(2), reduction="none")
        out.backward()
        return np.asarray(out.detach().tolist()), [np.asarray(logits.grad.tolist())]
    assert_same(run(tm), run(torch), rtol=1e-5, atol=1e-6)


def test_ctc_loss_on_cuda_matches_torch():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    torch = needs_torch()
    assert_same(run_ctc(tm, "padded", "mean", "cuda", "float32"),
                run_ctc(torch, "padded", "mean", "cpu", "float32"), rtol=1e-4, atol=1e-5)


LP = "L.zeros(5, 2, 4).log_softmax(2)"
CTC_ERRORS = [f"F.ctc_loss({LP}, {args})" for args in [
    "L.tensor([[1, 2], [3, 3]]), (6, 5), (2, 2)",
    "L.tensor([[1, 2], [3, 3]]), (-1, 5), (2, 2)",
    "L.tensor([[1, 2], [3, 3]]), (5,), (2, 2)",
    "L.tensor([[1, 2], [3, 3]]), (5, 5), (2,)",
    "L.tensor([[1, 2], [3, 3]]), (5, 5), (3, 2)",
    "L.tensor([[1, 2], [3, 3]]), (5, 5), (-1, 2)",
    "L.tensor([[1, 2]]), (5, 5), (2, 2)",
    "L.tensor([1, 2, 3]), (5, 5), (2, 2)",
    "L.tensor([[1, 2], [3, 3]]), (5, 5), (2, 2), blank=4",
    "L.tensor([[1, 2], [3, 3]]), (5, 5), (2, 2), reduction='bad'",
    "L.tensor([[1, 2], [3, 3]]), L.tensor([5.0, 5.0]), L.tensor([2, 2])",
]] + ["F.ctc_loss(L.zeros(5, 2, 4, dtype=L.int64), L.tensor([[1, 2], [3, 3]]), (5, 5), (2, 2))"]


@pytest.mark.parametrize("expr", CTC_ERRORS)
def test_ctc_errors_as_torch(expr):
    same_as_torch(lambda lib: eval(expr, {"L": lib, "F": lib.nn.functional}))


def test_ctc_refuses_labels_outside_the_classes():
    with pytest.raises(RuntimeError, match=r"target labels must lie in \[0, 4\), got 5"):
        tm.nn.functional.ctc_loss(tm.zeros(5, 1, 4), tm.tensor([[1, 5]]), (5,), (2,))


def test_ctc_gradient_refuses_a_second_derivative_as_torch():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tm, torch):
        lp = lib.tensor(np.random.default_rng(3).standard_normal((5, 2, 4))).log_softmax(2)
        lp = lp.detach().requires_grad_()
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor([[1, 2], [1, 1]]), lib.tensor([5, 5]),
                                          lib.tensor([2, 2]), reduction="sum")
        grad, = lib.autograd.grad(loss, lp, create_graph=True)
        with pytest.raises(RuntimeError) as e:
            grad.sum().backward()
        outcomes.append((grad.grad_fn.name(), str(e.value), grad.detach().numpy().round(12)
                         .tolist()))
    assert outcomes[0] == outcomes[1]
