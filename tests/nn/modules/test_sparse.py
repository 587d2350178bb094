"""nn.Embedding and F.embedding against torch: padding_idx, max_norm (rows renormalised in
place), scale_grad_by_freq, from_pretrained, reprs and errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.nn import functional as F

WEIGHT = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32) * 2
IDS = np.array([[1, 4, 1], [0, 4, 1]])


def _devices():
    return ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
        not cuda_runtime.is_available(), reason="no CUDA"))]


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize("options", [
    {"padding_idx": 4},
    {"padding_idx": -2, "scale_grad_by_freq": True},
    {"max_norm": 1.5},
    {"max_norm": 2.0, "norm_type": 1.0, "padding_idx": 0},
])
def test_embedding_matches_torch(device, options):
    torch = pytest.importorskip("torch")
    w, tw = tm.tensor(WEIGHT, device=device, requires_grad=True), \
        torch.tensor(WEIGHT, requires_grad=True)
    ids = tm.tensor(IDS, device=device).t()  # a transposed (non-contiguous) id tensor
    gout = np.arange(18, dtype=np.float32).reshape(3, 2, 3)
    out = F.embedding(ids, w, **options)
    expected = torch.nn.functional.embedding(torch.tensor(IDS).t(), tw, **options)
    (out * tm.tensor(gout, device=device)).sum().backward()
    (expected * torch.tensor(gout)).sum().backward()
    np.testing.assert_allclose(out.cpu().detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    # max_norm rewrote the looked-up rows of the weight itself, as torch's did
    np.testing.assert_allclose(w.cpu().detach().numpy(), tw.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(w.grad.cpu().numpy(), tw.grad.numpy(), rtol=1e-6)


def test_max_norm_leaves_short_and_unused_rows_alone():
    w = tm.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    F.embedding(tm.tensor([0, 1]), w, max_norm=1.0)
    np.testing.assert_allclose(w.numpy(), [[0.6, 0.8], [0.3, 0.4], [6.0, 8.0]], rtol=1e-6)


def test_module_passes_its_options_and_prints_them():
    torch = pytest.importorskip("torch")
    kwargs = {"padding_idx": 1, "max_norm": 1.0, "norm_type": 1.0, "scale_grad_by_freq": True}
    emb, temb = nn.Embedding(6, 3, **kwargs), torch.nn.Embedding(6, 3, **kwargs)
    assert repr(emb) == repr(temb)
    assert repr(nn.Embedding(6, 3, sparse=True)) == repr(torch.nn.Embedding(6, 3, sparse=True))
    emb.weight.data = tm.tensor(WEIGHT)
    temb.weight.data = torch.tensor(WEIGHT)
    emb(tm.tensor(IDS)).sum().backward()
    temb(torch.tensor(IDS)).sum().backward()
    np.testing.assert_allclose(emb.weight.detach().numpy(), temb.weight.detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(emb.weight.grad.numpy(), temb.weight.grad.numpy(), rtol=1e-6)


def test_from_pretrained_freezes_by_default_and_keeps_the_padding_row():
    weights = tm.tensor(WEIGHT)
    emb = nn.Embedding.from_pretrained(weights, padding_idx=2)
    assert not emb.weight.requires_grad and emb.padding_idx == 2
    assert emb.weight[2].tolist() == tm.tensor(WEIGHT[2]).tolist()  # not zeroed
    assert repr(emb) == "Embedding(6, 3, padding_idx=2)"
    trainable = nn.Embedding.from_pretrained(weights, freeze=False)
    trainable(tm.tensor([3, 3])).sum().backward()
    assert trainable.weight.grad[3].tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.embedding(tm.tensor([0]), tm.tensor(WEIGHT), padding_idx=6), AssertionError,
     "Padding_idx must be within num_embeddings"),
    (lambda: F.embedding(tm.tensor([0]), tm.tensor(WEIGHT), padding_idx=-7), AssertionError,
     "Padding_idx must be within num_embeddings"),
    (lambda: nn.Embedding.from_pretrained(tm.ones(3)), AssertionError,
     "Embeddings parameter is expected to be 2-dimensional"),
    (lambda: nn.Embedding(3, 2, _weight=tm.ones(2, 2)), AssertionError,
     "Shape of weight does not match num_embeddings and embedding_dim"),
    (lambda: F.embedding(tm.tensor([0]), tm.tensor(WEIGHT), sparse=True), NotImplementedError,
     "sparse"),
])
def test_embedding_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.skipif(not cuda_runtime.is_available(), reason="no CUDA")
@pytest.mark.parametrize("weight_on, ids_on", [("cpu", "cuda"), ("cuda", "cpu")])
def test_ids_on_another_device_than_the_weight_raise_torchs_error(weight_on, ids_on):
    emb = tm.nn.Embedding(4, 2).to(weight_on)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        emb(tm.tensor([1, 2], device=ids_on))
