"""The layers: defaults, reprs as PyTorch prints them, and their behaviour."""
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn

REPRS = [
    (lambda: nn.Linear(2, 3), "Linear(in_features=2, out_features=3, bias=True)"),
    (lambda: nn.ReLU(), "ReLU()"),
    (lambda: nn.ReLU(inplace=True), "ReLU(inplace=True)"),
    (lambda: nn.Sigmoid(), "Sigmoid()"),
    (lambda: nn.Tanh(), "Tanh()"),
    (lambda: nn.GELU(), "GELU(approximate='none')"),
    (lambda: nn.Softmax(dim=1), "Softmax(dim=1)"),
    (lambda: nn.Softmax(), "Softmax(dim=None)"),
    (lambda: nn.Dropout(), "Dropout(p=0.5, inplace=False)"),
    (lambda: nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
    (lambda: nn.Embedding(10, 3), "Embedding(10, 3)"),
    (lambda: nn.Embedding(10, 3, padding_idx=0), "Embedding(10, 3, padding_idx=0)"),
    (lambda: nn.LayerNorm(4), "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"),
    (lambda: nn.MSELoss(), "MSELoss()"),
    (lambda: nn.CrossEntropyLoss(), "CrossEntropyLoss()"),
]


@pytest.mark.parametrize("make,text", REPRS, ids=[t for _, t in REPRS])
def test_repr(make, text):
    assert repr(make()) == text


def test_linear_default_init_bounds():
    tm.manual_seed(0)
    lin = nn.Linear(64, 32)
    bound = 1 / math.sqrt(64)
    w, b = np.asarray(lin.weight.detach()), np.asarray(lin.bias.detach())
    assert w.shape == (32, 64) and b.shape == (32,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    assert nn.Linear(2, 3, bias=False).bias is None


def test_linear_forward():
    lin = nn.Linear(3, 2)
    x = tm.randn(4, 3)
    expected = np.asarray(x) @ np.asarray(lin.weight.detach()).T + np.asarray(lin.bias.detach())
    np.testing.assert_allclose(np.asarray(lin(x).detach()), expected, rtol=1e-6)


def test_activations():
    x = tm.tensor([[-1.0, 0.0, 2.0]])
    assert nn.ReLU()(x).tolist() == [[0.0, 0.0, 2.0]]
    np.testing.assert_allclose(np.asarray(nn.Sigmoid()(x)), 1 / (1 + np.exp([[1.0, 0.0, -2.0]])),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.Tanh()(x)), np.tanh([[-1.0, 0.0, 2.0]]), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.Softmax(dim=1)(x)).sum(1), [1.0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(nn.GELU()(x)), [[-0.158655, 0.0, 1.954500]], rtol=1e-5)
    y = x.clone()
    assert nn.ReLU(inplace=True)(y) is y and y.tolist() == [[0.0, 0.0, 2.0]]


def test_sequential_indexing_and_append():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    assert len(seq) == 2 and isinstance(seq[-1], nn.ReLU)
    assert isinstance(seq[:1], nn.Sequential) and len(seq[:1]) == 1
    seq.append(nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Tanh"]
    del seq[1]
    assert list(seq._modules) == ["0", "1"]


def test_flatten():
    assert nn.Flatten()(tm.zeros(2, 3, 4)).shape == (2, 12)
    assert nn.Flatten(0, 1)(tm.zeros(2, 3, 4)).shape == (6, 4)


def test_dropout_respects_train_and_eval():
    d = nn.Dropout(0.5)
    x = tm.ones(2000)
    assert (d(x) == 0).any()
    d.eval()
    assert d(x) is x


def test_embedding_lookup_and_padding_row():
    emb = nn.Embedding(5, 3, padding_idx=2)
    assert emb.weight[2].tolist() == [0.0, 0.0, 0.0]
    idx = tm.tensor([[1, 2], [4, 1]])
    out = emb(idx)
    assert out.shape == (2, 2, 3)
    assert out[0, 0].tolist() == emb.weight[1].tolist()
    out.sum().backward()
    assert emb.weight.grad[1].tolist() == [2.0, 2.0, 2.0]
    assert emb.weight.grad[2].tolist() == [0.0, 0.0, 0.0]


def test_layer_norm_normalises_the_last_dims():
    ln = nn.LayerNorm(4)
    x = tm.tensor([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 8.0]])
    out = np.asarray(ln(x).detach())
    np.testing.assert_allclose(out.mean(1), [0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(out.var(1), [1.0, 1.0], rtol=1e-4)
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"]


def test_losses():
    x = tm.tensor([[1.0, 2.0], [3.0, 5.0]])
    y = tm.tensor([[1.0, 0.0], [3.0, 2.0]])
    assert nn.MSELoss()(x, y).item() == pytest.approx((4 + 9) / 4)
    assert nn.MSELoss(reduction="sum")(x, y).item() == pytest.approx(13)
    logits = tm.tensor([[2.0, 0.0], [0.0, 3.0]])
    ce = nn.CrossEntropyLoss()(logits, tm.tensor([0, 1]))
    expected = np.mean([np.log(1 + np.exp(-2.0)), np.log(1 + np.exp(-3.0))])
    assert ce.item() == pytest.approx(expected, rel=1e-6)
    assert nn.CrossEntropyLoss(ignore_index=1)(logits, tm.tensor([0, 1])).item() == \
        pytest.approx(np.log(1 + np.exp(-2.0)), rel=1e-6)
