"""nn.MultiheadAttention against torch, with torch's weights loaded: outputs, attention
weights (averaged or per head) and gradients, across projections (packed, kdim/vdim),
bias_kv, zero_attn, bool and float masks, batch_first both ways, unbatched inputs, the
SDPA path (need_weights=False), reprs and state_dict keys."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(0)
E, HEADS, L, S, N = 8, 2, 3, 4, 2


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def pair(torch, kwargs, device="cpu"):
    """A torch layer and a tm layer holding the same weights."""
    theirs = torch.nn.MultiheadAttention(E, HEADS, **kwargs)
    mine = nn.MultiheadAttention(E, HEADS, **kwargs)
    mine.load_state_dict({k: tm.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return theirs, mine.to(device)


def to_torch(torch, x):
    return None if x is None else torch.tensor(x)


def to_tm(x, device="cpu"):
    return None if x is None else tm.tensor(x, device=device)


PADDING = np.array([[False, False, True, False], [False, False, False, True]])
CAUSAL = np.triu(np.full((L, L), -np.inf, dtype=np.float32), 1)

# name -> (layer kwargs, query/key/value shapes, forward kwargs as numpy)
CASES = {
    "self-bool-masks": ({}, "self", {"attn_mask": RNG.random((L, L)) > 0.7,
                                     "key_padding_mask": PADDING[:, :L]}),
    "self-batch_first-sdpa": ({"batch_first": True}, "self",
                              {"need_weights": False, "key_padding_mask": PADDING[:, :L]}),
    "cross-kdim-vdim-per-head": ({"kdim": 5, "vdim": 3}, "cross",
                                 {"average_attn_weights": False,
                                  "attn_mask": normal(N * HEADS, L, S)}),
    "cross-bias_kv-zero_attn-float-padding": (
        {"add_bias_kv": True, "add_zero_attn": True}, "cross",
        {"key_padding_mask": np.where(PADDING, -1e4, 0).astype(np.float32),
         "attn_mask": normal(L, S)}),
    "cross-no-bias-sdpa-3d-mask": ({"bias": False, "batch_first": True}, "cross",
                                   {"need_weights": False, "attn_mask": normal(N * HEADS, L, S)}),
    "causal-hint-sdpa": ({}, "self", {"need_weights": False, "attn_mask": CAUSAL,
                                      "is_causal": True}),
    "unbatched-bool-mask": ({}, "unbatched", {"attn_mask": RNG.random((L, S)) > 0.7,
                                              "key_padding_mask": PADDING[0]}),
}


def inputs(kind, kwargs):
    kdim, vdim = kwargs.get("kdim", E), kwargs.get("vdim", E)
    if kind == "self":
        x = normal(N, L, E) if kwargs.get("batch_first") else normal(L, N, E)
        return (x,)
    if kind == "unbatched":
        return normal(L, E), normal(S, E), normal(S, E)
    if kwargs.get("batch_first"):
        return normal(N, L, E), normal(N, S, kdim), normal(N, S, vdim)
    return normal(L, N, E), normal(S, N, kdim), normal(S, N, vdim)


def run(lib, layer, arrays, forward, device=None):
    """(output, weights, input tensors); self-attention passes ONE tensor three times."""
    tensors = [lib.tensor(a, requires_grad=True) if device is None
               else lib.tensor(a, device=device, requires_grad=True) for a in arrays]
    q, k, v = tensors * 3 if len(tensors) == 1 else tensors
    out, weights = layer(q, k, v, **forward)
    return out, weights, tensors


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_with_the_same_weights(name):
    torch = pytest.importorskip("torch")
    kwargs, kind, forward = CASES[name]
    theirs, mine = pair(torch, kwargs)
    arrays = inputs(kind, kwargs)
    t_out, t_w, t_in = run(torch, theirs, arrays, {k: to_torch(torch, v) if isinstance(
        v, np.ndarray) else v for k, v in forward.items()})
    m_out, m_w, m_in = run(tm, mine, arrays, {k: to_tm(v) if isinstance(v, np.ndarray) else v
                                              for k, v in forward.items()})
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    if t_w is None:
        assert m_w is None
    else:
        np.testing.assert_allclose(m_w.detach().numpy(), t_w.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    gout = normal(*t_out.shape)
    (t_out * torch.tensor(gout)).sum().backward()
    (m_out * tm.tensor(gout)).sum().backward()
    for a, b in zip(m_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)
    theirs_params = dict(theirs.named_parameters())
    for key, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[key].grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=key)


@pytest.mark.parametrize("kwargs", [{}, {"kdim": 5, "vdim": 3, "bias": False},
                                    {"add_bias_kv": True, "batch_first": True}])
def test_repr_parameters_and_state_dict_keys_as_torch(kwargs):
    torch = pytest.importorskip("torch")
    theirs, mine = torch.nn.MultiheadAttention(E, HEADS, **kwargs), \
        nn.MultiheadAttention(E, HEADS, **kwargs)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [(k, tuple(p.shape)) for k, p in mine.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    for name in ("in_proj_weight", "in_proj_bias", "q_proj_weight", "bias_k"):
        assert (getattr(mine, name) is None) == (getattr(theirs, name) is None)


def test_eval_inference_and_odd_inputs_match_torch():
    """Eval mode ignores dropout (torch takes its fused path there); a transposed query, a
    batch of one and an empty batch."""
    torch = pytest.importorskip("torch")
    theirs, mine = pair(torch, {"dropout": 0.5, "batch_first": True})
    theirs.eval(), mine.eval()
    x = normal(1, L, E)
    with torch.no_grad(), tm.no_grad():
        expected = theirs(*(torch.tensor(x),) * 3, need_weights=False)[0]
        got = mine(*(tm.tensor(x),) * 3, need_weights=False)[0]
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
        xt = normal(E, L, N)  # a (N, L, E) view with the embedding dim not innermost
        expected = theirs(*(torch.tensor(xt).permute(2, 1, 0),) * 3)
        got = mine(*(tm.tensor(xt).permute(2, 1, 0),) * 3)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
        empty = mine(*(tm.zeros(0, L, E),) * 3)
        assert tuple(empty[0].shape) == (0, L, E) and tuple(empty[1].shape) == (0, L, L)


def test_a_fully_masked_query_gives_nan_weights_but_zeros_through_sdpa():
    torch = pytest.importorskip("torch")
    theirs, mine = pair(torch, {})
    x, mask = normal(L, 1, E), np.zeros((L, L), dtype=bool)
    mask[1] = True  # query 1 may attend to nothing
    for need_weights in (True, False):
        expected = theirs(*(torch.tensor(x),) * 3, attn_mask=torch.tensor(mask),
                          need_weights=need_weights)[0]
        got = mine(*(tm.tensor(x),) * 3, attn_mask=tm.tensor(mask),
                   need_weights=need_weights)[0]
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_runs_on_cuda():
    if not cuda_runtime.is_available():
        pytest.skip("no CUDA device (nor the simulator)")
    torch = pytest.importorskip("torch")
    theirs, mine = pair(torch, {"batch_first": True}, device="cuda")
    x = normal(1, 2, E)
    for need_weights in (True, False):
        expected = theirs(*(torch.tensor(x),) * 3, need_weights=need_weights)[0]
        got = mine(*(tm.tensor(x, device="cuda"),) * 3, need_weights=need_weights)[0]
        assert got.device.type == "cuda"
        np.testing.assert_allclose(got.detach().cpu().numpy(), expected.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
