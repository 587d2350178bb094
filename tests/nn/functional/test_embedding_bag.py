"""embedding_bag against torch: each mode, bags given by offsets or as rows, padding,
per-sample weights, renorm, gradient scaling, empty bags, cuda, and torch's errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import same_as_torch
from tensorrt_mini.backends import cuda_runtime

IDS = [1, 2, 4, 5, 4, 3, 2, 0]
CASES = [  # (offsets or None for IDS as 2 rows of 4, keywords)
    ([0, 2, 2, 5], dict(mode="sum")),
    ([0, 2, 2, 5], dict(mode="mean", padding_idx=2)),
    ([0, 2, 2, 5], dict(mode="max", padding_idx=-4)),
    ([0, 3, 3, 8], dict(mode="mean", include_last_offset=True)),
    (None, dict(mode="max")),
    (None, dict(mode="sum", per_sample_weights=True)),
    ([0, 4, 4], dict(mode="sum", per_sample_weights=True, padding_idx=5)),
    ([0, 0], dict(mode="max")),  # ties in a bag of one repeated id, and an empty bag
]


def _run(lib, offsets, kw, weight_values, upstream, ids=IDS):
    kw = dict(kw)
    w = lib.tensor(weight_values, requires_grad=True)
    inp = lib.tensor(ids if offsets is not None else [ids[:4], ids[4:]])
    psw = None
    if kw.pop("per_sample_weights", False):
        psw = lib.tensor(np.linspace(-1, 2, len(ids)).reshape(tuple(inp.shape)),
                         requires_grad=True)
    out = lib.nn.functional.embedding_bag(inp, w, None if offsets is None else
                                          lib.tensor(offsets), per_sample_weights=psw, **kw)
    (out * lib.tensor(upstream[:out.shape[0]])).sum().backward()
    return (out.detach().numpy(), w.grad.numpy(), None if psw is None else psw.grad.numpy(),
            out.grad_fn.name(), str(out.dtype))


@pytest.mark.parametrize("offsets,kw", CASES, ids=[str(c) for c in CASES])
def test_values_and_gradients_as_torch(offsets, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((6, 3))
    if offsets == [0, 0]:
        weight[4] = weight[5] = 1.5  # rows 4 and 5 tie in every column
    upstream = rng.standard_normal((4, 3))
    got = _run(tm, offsets, kw, weight, upstream,
               ids=[5, 4, 4, 5] * 2 if offsets == [0, 0] else IDS)
    want = _run(torch, offsets, kw, weight, upstream,
                ids=[5, 4, 4, 5] * 2 if offsets == [0, 0] else IDS)
    for g, t in zip(got[:3], want[:3]):
        if t is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, t, rtol=1e-14, atol=1e-15)
    assert got[3:] == want[3:]


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_scale_grad_by_freq_divides_by_each_ids_count_in_the_batch(mode):
    # torch's documented meaning; its cpu kernel (2.13) looks the counts up by row id instead
    # of by id, so its gradients differ wherever those disagree: numpy is the oracle here
    weight = tm.zeros(6, 2, dtype=tm.float64, requires_grad=True)
    upstream = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])
    out = tm.nn.functional.embedding_bag(tm.tensor(IDS), weight, tm.tensor([0, 1, 6]), mode=mode,
                                         scale_grad_by_freq=True)
    (out * tm.tensor(upstream)).sum().backward()
    ids = np.array(IDS)
    bag_of = np.array([0, 1, 1, 1, 1, 1, 2, 2])
    size = np.bincount(bag_of)[bag_of] if mode == "mean" else np.ones(len(ids))
    freq = np.bincount(ids, minlength=6)[ids]
    want = np.zeros((6, 2))
    np.add.at(want, ids, upstream[bag_of] / size[:, None] / freq[:, None])
    np.testing.assert_allclose(weight.grad.numpy(), want, rtol=1e-15)


def test_max_norm_renormalises_the_looked_up_rows_as_torch():
    torch = pytest.importorskip("torch")
    weight = np.random.default_rng(1).standard_normal((6, 3)) * 3
    results = []
    for lib in (tm, torch):
        w = lib.tensor(weight)
        out = lib.nn.functional.embedding_bag(lib.tensor([0, 2, 2, 5]), w, lib.tensor([0, 1]),
                                              max_norm=1.0)
        results.append((out.numpy(), w.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_module_matches_functional_and_torch_reprs():
    torch = pytest.importorskip("torch")
    for make in (lambda lib: lib.nn.EmbeddingBag(10, 3),
                 lambda lib: lib.nn.EmbeddingBag(10, 3, mode="max", padding_idx=-1, max_norm=1.0,
                                                 include_last_offset=True),
                 lambda lib: lib.nn.EmbeddingBag(5, 2, norm_type=1.0, scale_grad_by_freq=True,
                                                 sparse=True),
                 lambda lib: lib.nn.EmbeddingBag.from_pretrained(lib.ones(3, 2), mode="sum",
                                                                 padding_idx=1)):
        mine, theirs = make(tm), make(torch)
        assert repr(mine) == repr(theirs)
        assert mine.weight.requires_grad == theirs.weight.requires_grad
        assert sorted(mine.state_dict()) == sorted(theirs.state_dict())
    bag = tm.nn.EmbeddingBag(6, 3, mode="sum")
    ids, offsets = tm.tensor([0, 5, 5, 1]), tm.tensor([0, 3])
    assert bag(ids, offsets).tolist() == \
        tm.nn.functional.embedding_bag(ids, bag.weight, offsets, mode="sum").tolist()
    assert not isinstance(bag, tm.nn.Embedding)


W = "lib.ones(6, 2)"


@pytest.mark.parametrize("expr", [
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W}, lib.tensor([0]), "
    "per_sample_weights=lib.ones(3))",
    f"lib.nn.functional.embedding_bag(lib.tensor([[1, 2]]), {W}, lib.tensor([0]))",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W})",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W}, lib.tensor([[0]]))",
    f"lib.nn.functional.embedding_bag(lib.ones(2, 2, 2, dtype=lib.int64), {W})",
    "lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(6), lib.tensor([0]))",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W}, lib.tensor([0]), mode='min')",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W}, lib.tensor([0]), mode='max', "
    "scale_grad_by_freq=True)",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W}, lib.tensor([0]), mode='max', "
    "per_sample_weights=lib.ones(2))",
    f"lib.nn.functional.embedding_bag(lib.tensor([1., 2.]), {W}, lib.tensor([0]))",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W}, lib.tensor([0, 3]))",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 7]), {W}, lib.tensor([0]))",
    f"lib.nn.functional.embedding_bag(lib.tensor([1, 2]), {W}, lib.tensor([0]), padding_idx=6)",
    "lib.nn.EmbeddingBag(5, 2, padding_idx=7)",
])
def test_errors_as_torch(expr):
    same_as_torch(expr)


def test_first_offset_must_be_zero():
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        tm.nn.functional.embedding_bag(tm.tensor([1, 2]), tm.ones(6, 2), tm.tensor([1]))


@pytest.mark.cuda
def test_cuda_matches_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    weight = np.random.default_rng(2).standard_normal((6, 3)).astype(np.float32)
    results = []
    for device in ("cpu", "cuda"):
        w = tm.tensor(weight, device=device, requires_grad=True)
        out = tm.nn.functional.embedding_bag(tm.tensor(IDS, device=device), w,
                                             tm.tensor([0, 2, 2, 5], device=device), mode="max")
        out.sum().backward()
        assert out.device.type == device
        results.append((out.detach().cpu().numpy(), w.grad.cpu().numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)
