"""nn.functional.flash_attention on cuda (the simulator in CI): values and gradients against
torch's scaled_dot_product_attention on the cpu in float64, causal with L != S, broadcast
batch dims, non-contiguous inputs, empty sizes, the one autograd node, the refusals, and
the 16-bit dtypes where tm has them."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from tensorrt_mini.backends import cuda_runtime

pytestmark = pytest.mark.cuda  # every test here runs on device="cuda"
RNG = np.random.default_rng(3)


@pytest.fixture(scope="module", autouse=True)
def cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")


def _cuda(a, dtype=tm.float32, requires_grad=True):
    return tm.tensor(a, dtype=dtype, device="cuda", requires_grad=requires_grad)


def _host(t):
    return t.detach().float().cpu().numpy().astype(np.float64)  # (numpy has no bfloat16)


def _torch_reference(torch, arrays, grad, **kwargs):
    """torch's out and gradients in float64 on the cpu."""
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = torch.nn.functional.scaled_dot_product_attention(*xs, **kwargs)
    out.backward(torch.tensor(grad))
    return out.detach().numpy(), [x.grad.numpy() for x in xs]


def _check_against_torch(arrays, tensors=None, dtype=tm.float32, tol=2e-5, **kwargs):
    torch = pytest.importorskip("torch")
    tensors = tensors or [_cuda(a, dtype) for a in arrays]
    out = F.flash_attention(*tensors, **kwargs)
    grad = RNG.standard_normal(tuple(out.shape))
    want, grads = _torch_reference(torch, arrays, grad, **kwargs)
    assert out.dtype is dtype and tuple(out.shape) == want.shape
    np.testing.assert_allclose(_host(out), want, rtol=tol, atol=tol)
    out.backward(_cuda(grad, dtype, requires_grad=False))
    for x, g in zip(tensors, grads):
        if x.is_leaf:  # (a view's gradient lands on its base: the caller checks that)
            np.testing.assert_allclose(_host(x.grad), g, rtol=tol, atol=tol)
    return grads


@pytest.mark.parametrize("shapes,kwargs", [
    (((2, 3, 5, 6), (2, 3, 9, 6), (2, 3, 9, 4)), {}),
    (((2, 5, 6), (2, 8, 6), (2, 8, 3)), {"is_causal": True}),        # L < S
    (((1, 7, 6), (1, 4, 6), (1, 4, 5)), {"is_causal": True}),        # L > S, batch of 1
    (((2, 1, 4, 5), (1, 3, 6, 5), (3, 6, 2)), {"scale": 0.3}),        # broadcast batch dims
    (((5, 7), (6, 7), (6, 3)), {"is_causal": True, "scale": 1.7}),   # no batch dims
])
def test_matches_torch(shapes, kwargs):
    _check_against_torch([RNG.standard_normal(s) for s in shapes], **kwargs)


def test_non_contiguous_inputs():
    q = RNG.standard_normal((2, 6, 5))  # used as (2, 5, 6): its transpose
    k, v = RNG.standard_normal((2, 7, 6)), RNG.standard_normal((2, 7, 3))
    tq, tk = _cuda(q), _cuda(np.repeat(k, 2, axis=1))  # key: every other row of this
    tensors = [tq.transpose(-1, -2), tk[:, ::2], _cuda(v)]
    dq, dk, _ = _check_against_torch([np.swapaxes(q, -1, -2), k, v], tensors, is_causal=True)
    np.testing.assert_allclose(_host(tq.grad), np.swapaxes(dq, -1, -2), rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(_host(tk.grad)[:, ::2], dk, rtol=2e-5, atol=2e-5)
    assert not _host(tk.grad)[:, 1::2].any()


@pytest.mark.parametrize("shapes", [
    ((0, 3, 4), (0, 5, 4), (0, 5, 2)),  # no heads
    ((2, 0, 4), (2, 5, 4), (2, 5, 2)),  # no queries
    ((2, 3, 4), (2, 0, 4), (2, 0, 2)),  # no keys: torch gives zeros
])
def test_empty_sizes(shapes):
    _check_against_torch([RNG.standard_normal(s) for s in shapes])


def test_records_one_node_with_gradients_where_asked():
    q, k, v = (_cuda(RNG.standard_normal((2, 3, 4)), requires_grad=rg) for rg in
               (False, False, True))
    out = F.flash_attention(q, k, v)
    assert type(out.grad_fn).__name__ == "ScaledDotProductFlashAttentionBackward0"
    out.sum().backward()
    assert q.grad is None and k.grad is None and tuple(v.grad.shape) == (2, 3, 4)
    with tm.no_grad():
        assert F.flash_attention(q, k, v).grad_fn is None
    assert F.flash_attention(q.detach(), k, v.detach()).grad_fn is None


def test_refuses_a_graph_of_the_gradient():
    q = _cuda(RNG.standard_normal((1, 3, 4)))
    out = F.flash_attention(q, q, q)
    assert type(out.grad_fn.next_functions[0][0]).__name__ == "AccumulateGrad"  # no copies
    with pytest.raises(NotImplementedError, match=r"flash_attention's gradient \(create_graph"):
        tm.autograd.grad(out.sum(), q, create_graph=True)


def _qkv(e=4, ev=4, dtype=tm.float32, device="cuda"):
    return [tm.zeros(2, 3, n, dtype=dtype, device=device) for n in (e, e, ev)]


@pytest.mark.parametrize("make,kwargs,message", [
    (_qkv, {"attn_mask": tm.zeros(3, 3)}, "does not take an attn_mask"),
    (_qkv, {"dropout_p": 0.1}, r"does not apply dropout \(dropout_p=0.1\)"),
    (lambda: _qkv(device="cpu"), {}, "runs on cuda tensors only"),
    (lambda: _qkv()[:2] + [tm.zeros(2, 3, 4)], {}, "value on cpu"),
    (lambda: _qkv(dtype=tm.float64), {}, r"takes float32, float16, bfloat16, got \w+\.float64"),
    (lambda: _qkv(e=129), {}, r"head dims 1 to 128, got 129 \(query and key\)"),
    (lambda: _qkv(ev=130), {}, r"got 4 \(query and key\) and 130 \(value\)"),
    (lambda: [tm.zeros(2, 3, 4, device="cuda"), tm.zeros(2, 3, 5, device="cuda"),
              tm.zeros(2, 3, 4, device="cuda")], {}, r"key of size \[2, 3, 5\]"),
    (lambda: [tm.zeros(2, 3, 4, device="cuda"), tm.zeros(2, 3, 4, device="cuda"),
              tm.zeros(2, 2, 4, device="cuda")], {}, r"value of size \[2, 2, 4\]"),
])
def test_refuses_what_the_kernels_do_not_cover(make, kwargs, message):
    with pytest.raises(RuntimeError, match=message):
        F.flash_attention(*make(), **kwargs)


def test_dim_and_dtype_errors_read_as_torchs():
    torch = pytest.importorskip("torch")
    cases = [((4,), (3, 4), (3, 5), tm.float32), ((3, 4), (3, 4), (3, 5), tm.float64)]
    for qs, ks, vs, vdtype in cases:
        arrays = [np.zeros(s) for s in (qs, ks, vs)]
        with pytest.raises(RuntimeError) as want:
            torch.nn.functional.scaled_dot_product_attention(
                *[torch.tensor(a, dtype=torch.float32) for a in arrays[:2]],
                torch.tensor(arrays[2], dtype=getattr(torch, vdtype.name)))
        with pytest.raises(RuntimeError) as got:
            F.flash_attention(_cuda(arrays[0]), _cuda(arrays[1]), _cuda(arrays[2], vdtype))
        assert str(got.value) == str(want.value)


@pytest.mark.parametrize("name,tol", [("float16", 4e-3), ("bfloat16", 3e-2)])
def test_half_dtypes(name, tol):
    dtype = getattr(tm, name, None)
    if dtype is None:
        pytest.skip(f"tm has no {name} yet")
    torch = pytest.importorskip("torch")
    shapes = ((2, 5, 6), (2, 7, 6), (2, 7, 3))
    # the 16-bit values, as float64 for torch's reference
    arrays = [torch.tensor(RNG.standard_normal(s)).to(getattr(torch, name)).double().numpy()
              for s in shapes]
    _check_against_torch(arrays, dtype=dtype, tol=tol, is_causal=True)
