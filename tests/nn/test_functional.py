"""nn.functional: values and gradients against PyTorch where importable, and gradcheck of
every hand-written backward in float64."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import same_as_torch
from tensorrt_mini.autograd import gradcheck
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5))
W = RNG.standard_normal((3, 5))
B = RNG.standard_normal(3)
TARGET = np.array([0, 2, 1, 4])


def leaf(a):
    return tm.tensor(a, dtype=tm.float64).requires_grad_()


GRADCHECK = {
    "linear": ((X, W, B), lambda x, w, b: F.linear(x, w, b)),
    "linear-no-bias": ((X, W), lambda x, w: F.linear(x, w)),
    "linear-3d": ((X.reshape(2, 2, 5), W, B), lambda x, w, b: F.linear(x, w, b)),
    "linear-1d": ((X[0], W, B), lambda x, w, b: F.linear(x, w, b)),
    "linear-transposed-input": ((X.T.copy(), W), lambda x, w: F.linear(x.t(), w)),
    # a 3-d view whose rows are not contiguous: folded into one (rows, k) product
    "linear-3d-transposed": ((X.reshape(2, 2, 5), W, B),
                             lambda x, w, b: F.linear(x.transpose(0, 1), w, b)),
    "softmax": ((X,), lambda x: F.softmax(x, dim=1)),
    "softmax-dim0": ((X,), lambda x: F.softmax(x, dim=0)),
    "log_softmax": ((X,), lambda x: F.log_softmax(x, dim=1)),
    "log_softmax-3d": ((X.reshape(2, 2, 5),), lambda x: F.log_softmax(x, dim=-1)),
    "cross_entropy": ((X,), lambda x: F.cross_entropy(x, tm.tensor(TARGET))),
    "cross_entropy-sum": ((X,), lambda x: F.cross_entropy(x, tm.tensor(TARGET), reduction="sum")),
    "cross_entropy-none": ((X,), lambda x: F.cross_entropy(x, tm.tensor(TARGET), reduction="none")),
    "cross_entropy-weight": ((X,), lambda x: F.cross_entropy(
        x, tm.tensor(TARGET), weight=tm.tensor([1.0, 2.0, 0.5, 1.0, 3.0], dtype=tm.float64))),
    "cross_entropy-ignore": ((X,), lambda x: F.cross_entropy(x, tm.tensor([0, -100, 1, 4]))),
    "cross_entropy-probs": ((X, np.abs(X)), lambda x, p: F.cross_entropy(x, p)),
    "cross_entropy-spatial": ((X.reshape(2, 5, 2),),
                              lambda x: F.cross_entropy(x, tm.tensor([[0, 1], [4, 3]]))),
    "nll_loss": ((X,), lambda x: F.nll_loss(x, tm.tensor(TARGET))),
    "mse_loss": ((X, X[::-1].copy()), lambda x, y: F.mse_loss(x, y)),
    "mse_loss-sum": ((X, X[0]), lambda x, y: F.mse_loss(x, y.expand(4, 5), reduction="sum")),
    "mse_loss-none": ((X, X[::-1].copy()), lambda x, y: F.mse_loss(x, y, reduction="none")),
    "gelu": ((X,), lambda x: F.gelu(x)),
    "gelu-tanh": ((X,), lambda x: F.gelu(x, approximate="tanh")),
    "relu": ((X,), lambda x: F.relu(x)),
    "layer_norm": ((X, W[0], B[:1].repeat(5)), lambda x, w, b: F.layer_norm(x, (5,), w, b)),
    "layer_norm-2d-shape": ((X.reshape(2, 2, 5),), lambda x: F.layer_norm(x, (2, 5))),
    "embedding": ((W,), lambda w: F.embedding(tm.tensor([[0, 2], [2, 2]]), w)),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck(name):
    arrays, fn = GRADCHECK[name]
    assert gradcheck(fn, tuple(leaf(a) for a in arrays))


def test_embedding_padding_row_gets_no_gradient():
    w = tm.ones(3, 2, requires_grad=True)
    F.embedding(tm.tensor([0, 1, 1, 2]), w, padding_idx=1).sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("index", [[-1], [3], [[0, -3]], -1])
def test_embedding_refuses_indices_out_of_range_negative_ones_included(index, device):
    if device == "cuda" and not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    w = tm.ones(3, 2, device=device, requires_grad=True)
    with pytest.raises(IndexError, match="^index out of range in self$"):
        F.embedding(tm.tensor(index, device=device), w)
    assert F.embedding(tm.tensor([], dtype=tm.int64, device=device), w).shape == (0, 2)


def test_log_softmax_is_stable_for_huge_logits():
    x = tm.tensor([[1000.0, 0.0], [-1000.0, 1000.0]])
    out = F.log_softmax(x, dim=1)
    assert np.isfinite(np.asarray(out)).all()
    assert F.cross_entropy(x, tm.tensor([0, 1])).item() == 0.0


def test_cross_entropy_errors():
    x = tm.zeros(3, 4)
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.cross_entropy(x, tm.tensor([0, 1, 5]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)."):
        F.cross_entropy(x, tm.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        F.cross_entropy(x, tm.tensor([0.0, 1.0, 2.0]))


def test_dropout_scales_kept_elements_and_respects_training():
    x = tm.ones(1000, requires_grad=True)
    y = F.dropout(x, p=0.25)
    values = np.asarray(y.detach())
    assert np.all((values == 0) | np.isclose(values, 1 / 0.75))
    kept = (y.detach() != 0).sum().item()
    assert 650 < kept < 850
    y.sum().backward()
    assert np.array_equal(np.asarray(x.grad) != 0, np.asarray(y.detach()) != 0)
    assert F.dropout(x, p=0.25, training=False) is x
    assert (F.dropout(x, p=1.0) == 0).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, p=1.5)


def test_no_graph_under_no_grad():
    w = leaf(W)
    with tm.no_grad():
        out = F.linear(tm.tensor(X), w)
    assert not out.requires_grad


TORCH_CASES = {
    "linear": lambda L, F_, x, w, b: F_.linear(x, w, b),
    "softmax": lambda L, F_, x, w, b: F_.softmax(x, dim=1) * L.arange(5.0),
    "log_softmax": lambda L, F_, x, w, b: F_.log_softmax(x, dim=0),
    "cross_entropy": lambda L, F_, x, w, b: F_.cross_entropy(x, L.tensor(TARGET)),
    "cross_entropy-ignore-weight": lambda L, F_, x, w, b: F_.cross_entropy(
        x, L.tensor([0, -100, 1, 4]), weight=L.tensor([1.0, 2.0, 0.5, 1.0, 3.0])),
    "mse_loss": lambda L, F_, x, w, b: F_.mse_loss(F_.linear(x, w, b), L.ones(4, 3)),
    "gelu": lambda L, F_, x, w, b: F_.gelu(x),
    "gelu-tanh": lambda L, F_, x, w, b: F_.gelu(x, approximate="tanh"),
    "layer_norm": lambda L, F_, x, w, b: F_.layer_norm(x, (5,), w[0], w[1]),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    fn = TORCH_CASES[name]

    def run(L, F_):
        xs = [L.tensor(a.astype(np.float32), requires_grad=True) for a in (X, W, B)]
        out = fn(L, F_, *xs)
        out.sum().backward() if out.dim() else out.backward()
        return [np.asarray(out.detach())] + [None if x.grad is None else np.asarray(x.grad)
                                             for x in xs]
    mine = run(tm, F)
    theirs = run(torch, torch.nn.functional)
    for a, b in zip(mine, theirs):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_embedding_gathers_rows_of_a_strided_weight(device):
    if device == "cuda" and not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    base = tm.arange(40, dtype=tm.float32, device=device).reshape(5, 8)
    w = base[1:, 1::2]  # (4, 4): storage offset 9, strides (8, 2)
    rows = np.asarray(w.cpu())
    for index in ([[3, 0], [1, 1]], [2], 1, []):
        idx = tm.tensor(index, dtype=tm.int64, device=device)
        out = F.embedding(idx, w)
        want = rows[np.asarray(index, np.int64)]
        assert out.shape == want.shape and out.device == w.device  # a 0-d index: one row
        np.testing.assert_array_equal(np.asarray(out.cpu()), want)
    idx32 = tm.tensor([0, 3], dtype=tm.int32, device=device)
    np.testing.assert_array_equal(np.asarray(F.embedding(idx32, w).cpu()), rows[[0, 3]])


def test_embedding_on_cuda_reads_its_indices_to_the_host_once(monkeypatch):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    from tensorrt_mini.backends import cuda as backend
    reads = []
    real = backend.to_host
    monkeypatch.setattr(backend, "to_host", lambda t: reads.append(t._shape) or real(t))
    w = tm.ones(5, 3, device="cuda")
    F.embedding(tm.tensor([[4, 0], [2, 2]], device="cuda"), w)
    assert reads == [(2, 2)]  # the bounds check; the gather reads on the device


@pytest.mark.parametrize("expr", [
    "lib.softmax(lib.ones(2, 3, dtype=lib.int64), 0)",
    "lib.softmax(lib.ones(2, 3, dtype=lib.int64), 1)",
    "lib.log_softmax(lib.ones(2, 3, dtype=lib.int32), 0)",
    "lib.softmax(lib.ones(2, 3, dtype=lib.bool), 0)",
    "lib.softmax(lib.tensor(2), 0)",
    "lib.softmax(lib.ones(2, 3, dtype=lib.int64), 0, dtype=lib.float32)",
    "lib.softmax(lib.ones(2, 0), 1)",
    "lib.log_softmax(lib.ones(2, 0), 1)",
    "lib.softmax(lib.ones(0, 3), 0)",
])
def test_softmax_dtypes_and_empty_inputs_as_torch(expr):
    same_as_torch(expr)


def test_dropout_draws_torchs_mask():
    torch = pytest.importorskip("torch")
    for p in (0.1, 0.5, 0.9):
        for shape in ((5,), (40, 30)):
            tm.manual_seed(1)
            torch.manual_seed(1)
            x, tx = tm.randn(*shape), torch.randn(*shape)
            got = [tm.nn.functional.dropout(x, p), tm.nn.Dropout(p)(x)]
            want = [torch.nn.functional.dropout(tx, p), torch.nn.Dropout(p)(tx)]
            for a, b in zip(got, want):
                np.testing.assert_array_equal(np.asarray(a), b.numpy())
