"""nn.functional.scaled_dot_product_attention: values and gradients (query, key, value and
a float mask) against torch across masks, causal, grouped heads, scale and layouts; the
one graph node; fully masked rows; dropout; torch's errors; the cuda device."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import after_seed, needs_torch, same_as_torch
from tensorrt_mini.autograd import gradcheck
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape)


def bool_mask(*shape, dead_row=None):
    """About a third masked out; `dead_row` (an index into the rows) masks one row entirely."""
    m = RNG.random(shape) > 0.35
    if dead_row is not None:
        m[..., dead_row, :] = False
    return m


def float_mask(*shape):
    m = normal(*shape)
    m[..., 1, 2] = -math.inf  # one score masked out
    return m


def _mha(x):
    """(B, L, H, E) as (B, H, L, E): the transposed view MultiheadAttention produces."""
    return x.transpose(1, 2)


# name -> (arrays, grad flags, call(F, *tensors)); the mask, if any, is the fourth array
CASES = {
    "4d": ((normal(2, 3, 4, 8), normal(2, 3, 5, 8), normal(2, 3, 5, 6)), (1, 1, 1),
           lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
    "3d-scale": ((normal(2, 4, 8), normal(2, 5, 8), normal(2, 5, 3)), (1, 1, 1),
                 lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v, scale=0.7)),
    "3d-only-value-grad": ((normal(2, 4, 8), normal(2, 5, 8), normal(2, 5, 3)), (0, 0, 1),
                           lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
    "2d-causal-L<S": ((normal(3, 4), normal(5, 4), normal(5, 2)), (1, 1, 1),
                      lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v,
                                                                          is_causal=True)),
    "5d-causal-L>S": ((normal(2, 1, 2, 6, 4), normal(2, 1, 2, 3, 4), normal(2, 1, 2, 3, 5)),
                      (1, 1, 1), lambda F_, q, k, v: F_.scaled_dot_product_attention(
                          q, k, v, is_causal=True)),
    "bool-mask-dead-row": ((normal(2, 2, 4, 8), normal(2, 2, 5, 8), normal(2, 2, 5, 6),
                            bool_mask(4, 5, dead_row=1)), (1, 1, 1, 0),
                           lambda F_, q, k, v, m: F_.scaled_dot_product_attention(q, k, v, m)),
    "bool-mask-broadcast-heads": ((normal(2, 3, 4, 8), normal(2, 3, 5, 8), normal(2, 3, 5, 6),
                                   bool_mask(2, 1, 4, 5)), (1, 1, 1, 0),
                                  lambda F_, q, k, v, m: F_.scaled_dot_product_attention(
                                      q, k, v, attn_mask=m)),
    "float-mask-grad": ((normal(2, 3, 4, 8), normal(2, 3, 5, 8), normal(2, 3, 5, 6),
                         float_mask(3, 4, 5)), (1, 1, 1, 1),
                        lambda F_, q, k, v, m: F_.scaled_dot_product_attention(q, k, v, m)),
    "float-mask-key-padding-grad": ((normal(2, 3, 4, 8), normal(2, 3, 5, 8), normal(2, 3, 5, 6),
                                     normal(2, 1, 1, 5)), (1, 1, 1, 1),
                                    lambda F_, q, k, v, m: F_.scaled_dot_product_attention(
                                        q, k, v, m)),
    "float-mask-dead-row-only-mask-grad": (
        (normal(1, 2, 3, 4), normal(1, 2, 3, 4), normal(1, 2, 3, 4),
         np.where(bool_mask(3, 3, dead_row=0), 0.0, -math.inf)), (0, 0, 0, 1),
        lambda F_, q, k, v, m: F_.scaled_dot_product_attention(q, k, v, m)),
    "gqa": ((normal(2, 6, 4, 8), normal(2, 2, 5, 8), normal(2, 3, 5, 6)), (1, 1, 1),
            lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v, enable_gqa=True)),
    "gqa-3d-causal": ((normal(4, 3, 8), normal(2, 5, 8), normal(2, 5, 6)), (1, 1, 1),
                      lambda F_, q, k, v: F_.scaled_dot_product_attention(
                          q, k, v, is_causal=True, enable_gqa=True)),
    "mha-transposed": ((normal(2, 4, 3, 8), normal(2, 5, 3, 8), normal(2, 5, 3, 6)), (1, 1, 1),
                       lambda F_, q, k, v: F_.scaled_dot_product_attention(
                           _mha(q), _mha(k), _mha(v))),
    "stepped-key": ((normal(2, 3, 4, 8), normal(2, 3, 10, 8), normal(2, 3, 5, 6)), (1, 1, 1),
                    lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k[:, :, ::2], v)),
    "broadcast-batch": ((normal(1, 3, 4, 8), normal(2, 3, 5, 8), normal(3, 5, 6)), (1, 1, 1),
                        lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
    "value-broadcast-wider": ((normal(3, 4, 8), normal(3, 5, 8), normal(2, 3, 5, 6)), (1, 1, 1),
                              lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
    "self-attention-one-tensor": ((normal(2, 3, 5, 4),), (1,),
                                  lambda F_, x: F_.scaled_dot_product_attention(
                                      x, x, x, is_causal=True)),
    "batch-of-1": ((normal(1, 1, 4, 8), normal(1, 1, 5, 8), normal(1, 1, 5, 6)), (1, 1, 1),
                   lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
    "large-enough-to-spread-the-gemms": (
        (normal(2, 4, 128, 64), normal(2, 4, 128, 64), normal(2, 4, 128, 64),
         bool_mask(128, 128)), (1, 1, 1, 0),
        lambda F_, q, k, v, m: F_.scaled_dot_product_attention(q, k, v, m)),
    "no-keys": ((normal(2, 4, 8), normal(2, 0, 8), normal(2, 0, 6)), (1, 1, 1),
                lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
    "no-keys-query-batch-not-broadcast": (
        (normal(1, 4, 8), normal(2, 0, 8), normal(2, 0, 6)), (1, 1, 1),
        lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
    "no-head-dim": ((normal(2, 4, 0), normal(2, 5, 0), normal(2, 5, 3)), (1, 1, 1),
                    lambda F_, q, k, v: F_.scaled_dot_product_attention(q, k, v)),
}


def _run(lib, fn, arrays, flags, dtype_name):
    dtype = getattr(lib, dtype_name)
    xs = [lib.tensor(a, dtype=lib.bool if a.dtype == bool else dtype, requires_grad=bool(f))
          for a, f in zip(arrays, flags + (0,) * (len(arrays) - len(flags)))]
    out = fn(lib.nn.functional, *xs)
    return out, xs


@pytest.mark.parametrize("name", CASES)
def test_values_and_grads_match_torch(name):
    torch = needs_torch()
    arrays, flags, fn = CASES[name]
    for dtype_name, tol in (("float32", 1e-5), ("float64", 1e-10)):
        mine, my_inputs = _run(tm, fn, arrays, flags, dtype_name)
        theirs, their_inputs = _run(torch, fn, arrays, flags, dtype_name)
        assert tuple(mine.shape) == tuple(theirs.shape) and mine.stride() == theirs.stride()
        assert str(mine.dtype) == str(theirs.dtype)
        np.testing.assert_allclose(np.asarray(mine.detach()), theirs.detach().numpy(),
                                   rtol=tol, atol=tol, err_msg=name)
        if dtype_name == "float32":
            continue
        weights = normal(*theirs.shape)  # distinct weights: every element's gradient shows
        (mine * tm.tensor(weights)).sum().backward()
        (theirs * torch.tensor(weights)).sum().backward()
        for m, t in zip(my_inputs, their_inputs):
            if t.grad is None:
                assert m.grad is None
            else:
                assert m.grad.shape == t.grad.shape and m.grad.dtype is m.dtype
                np.testing.assert_allclose(np.asarray(m.grad), t.grad.numpy(), rtol=1e-9,
                                           atol=1e-10, err_msg=name)


@st.composite
def attention_inputs(draw):
    """Random batch dims (each side may broadcast), heads that group, sequence and head
    sizes (0 included), and a mask: none, causal, bool or float, of a broadcastable shape."""
    batch = draw(st.lists(st.integers(1, 2), max_size=2))
    k_heads = draw(st.integers(1, 2))
    heads = k_heads * draw(st.integers(1, 2))
    gqa = heads != k_heads
    n_q, n_k, e, ev = (draw(st.integers(0 if i else 1, 4)) for i in range(4))
    shapes = [batch + [heads, n_q, e], batch + [k_heads, n_k, e], batch + [k_heads, n_k, ev]]
    for s in shapes:
        if draw(st.booleans()) and s[:-3]:
            s[0] = 1  # broadcast along the first batch dim
    kind = draw(st.sampled_from(["none", "causal", "bool", "float"]))
    mask_shape = [draw(st.sampled_from([1, heads])), n_q, draw(st.sampled_from([1, n_k]))]
    return [tuple(s) for s in shapes], gqa, kind, tuple(mask_shape)


@settings(max_examples=15, deadline=None)
@given(attention_inputs(), st.integers(0, 2**31 - 1))
def test_random_shapes_and_masks_match_torch(case, seed):
    torch = needs_torch()
    shapes, gqa, kind, mask_shape = case
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    mask = rng.random(mask_shape) > 0.3 if kind == "bool" else \
        np.where(rng.random(mask_shape) > 0.3, rng.standard_normal(mask_shape), -math.inf)
    results = []
    for lib in (tm, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        m = None if kind in ("none", "causal") else lib.tensor(mask)
        out = lib.nn.functional.scaled_dot_product_attention(
            *xs, attn_mask=m, is_causal=kind == "causal", enable_gqa=gqa)
        (out * lib.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape))).sum().backward()
        results.append([np.asarray(t.detach()) for t in (out, *(x.grad for x in xs))])
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-10)


def test_fully_masked_rows_give_zeros_as_torch_on_cpu():
    """torch 2.13's cpu answer for a row with nothing to attend to is 0, not the NaN of a
    plain softmax over a row of -inf, and so is its gradient (both of its cpu paths, the
    flash kernel and the math path, checked; the cases above compare with torch)."""
    mask = tm.ones(3, 4, dtype=tm.bool)
    mask[1] = False
    q, k, v = (tm.tensor(normal(1, n, 2), requires_grad=True) for n in (3, 4, 4))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    values = np.asarray(out.detach())
    assert np.array_equal(values[0, 1], [0.0, 0.0]) and np.isfinite(values).all()
    out.sum().backward()
    assert np.array_equal(np.asarray(q.grad)[0, 1], [0.0, 0.0])
    assert np.isfinite(np.asarray(k.grad)).all() and np.isfinite(np.asarray(v.grad)).all()


def test_one_node_with_torchs_name_and_no_double_backward():
    q, k, v = (tm.tensor(normal(2, 3, 4), requires_grad=True) for _ in range(3))
    m = tm.tensor(normal(3, 3), requires_grad=True)
    out = F.scaled_dot_product_attention(q, k, v, m)
    assert type(out.grad_fn).__name__ == "ScaledDotProductFlashAttentionForCpuBackward0"
    assert [type(n).__name__ for n, _ in out.grad_fn.next_functions] == ["AccumulateGrad"] * 4
    with pytest.raises(NotImplementedError, match="create_graph"):
        tm.autograd.grad(out.sum(), q, create_graph=True)
    with tm.no_grad():
        assert F.scaled_dot_product_attention(q, k, v).grad_fn is None


def test_gradcheck_float64_with_mask_and_groups():
    q = tm.tensor(normal(1, 4, 3, 2), requires_grad=True)
    k = tm.tensor(normal(1, 2, 3, 2), requires_grad=True)
    v = tm.tensor(normal(1, 1, 3, 2), requires_grad=True)
    m = tm.tensor(normal(4, 3, 3), requires_grad=True)
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(
        q, k, v, m, scale=0.9, enable_gqa=True), (q, k, v, m))


def test_saved_output_modified_in_place_raises():
    q, k, v = (tm.tensor(normal(2, 3, 4), requires_grad=True) for _ in range(3))
    out = F.scaled_dot_product_attention(q, k, v)
    y = out * 1
    out.detach().add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# --- dropout --------------------------------------------------------------------------

def test_dropout_draws_torchs_mask():
    """The weights' dropout mask is drawn as torch's math path draws it (bernoulli_ over
    the weights' shape from the seeded generator), so seeded runs agree, values and
    gradients."""
    arrays = (normal(2, 3, 4, 8), normal(2, 3, 5, 8), normal(2, 3, 5, 6))

    def run(lib):
        xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        out = lib.nn.functional.scaled_dot_product_attention(*xs, dropout_p=0.4)
        out.sum().backward()
        return [np.asarray(t.detach()) for t in (out, *(x.grad for x in xs))]
    mine, theirs = after_seed(5, run)
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m, t, rtol=1e-10, atol=1e-12)


def test_dropout_statistics_and_structure():
    """With v the identity, the output rows are the dropped weights: each weight is 0 or
    its softmax value / (1 - p), about p of them 0; p = 1 gives zeros."""
    n, p = 64, 0.25
    q = tm.zeros(8, n, 4)  # equal scores: every weight is 1 / n
    v = tm.eye(n).expand(8, n, n)
    w = np.asarray(F.scaled_dot_product_attention(q, q, v, dropout_p=p))
    kept = w != 0
    assert np.allclose(w[kept], 1 / n / (1 - p))
    assert abs(1 - kept.mean() - p) < 0.03  # 32768 draws: 5 standard deviations is 0.012
    assert not np.asarray(F.scaled_dot_product_attention(q, q, v, dropout_p=1.0)).any()
    assert np.allclose(np.asarray(F.scaled_dot_product_attention(q, q, v, dropout_p=-0.5)),
                       1 / n)  # (a p <= 0 drops nothing, as torch's)


# --- errors ---------------------------------------------------------------------------

SDPA = "lib.nn.functional.scaled_dot_product_attention"
R = "lib.ones"


@pytest.mark.parametrize("expr", [
    f"{SDPA}({R}(8), {R}(8), {R}(8))",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8, dtype=lib.float64), {R}(2, 5, 6))",
    f"{SDPA}({R}(2, 4, 8, dtype=lib.int64), {R}(2, 5, 8, dtype=lib.int64), "
    f"{R}(2, 5, 6, dtype=lib.int64))",
    f"{SDPA}({R}(4, 8, dtype=lib.int32), {R}(5, 8, dtype=lib.int32), {R}(5, 6, dtype=lib.int32))",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8), {R}(2, 5, 6), {R}(4, 5, dtype=lib.int64))",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8), {R}(2, 5, 6), {R}(4, 5, dtype=lib.float64))",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8), {R}(2, 5, 6), {R}(4, 5), is_causal=True)",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 7), {R}(2, 5, 6))",
    f"{SDPA}({R}(2, 3, 4, 8), {R}(2, 3, 5, 8), {R}(2, 3, 6, 6))",
    f"{SDPA}({R}(2, 3, 4, 8), {R}(3, 3, 5, 8), {R}(3, 3, 5, 6))",
    f"{SDPA}({R}(2, 3, 4, 8), {R}(2, 3, 5, 8), {R}(2, 3, 5, 6), {R}(4, 7))",
    f"{SDPA}({R}(2, 3, 4, 8), {R}(2, 3, 5, 8), {R}(2, 3, 5, 6), {R}(1, 2, 3, 4, 5))",
    f"{SDPA}({R}(2, 3, 4, 8), {R}(2, 3, 5, 8), {R}(2, 3, 5, 6), {R}(5))",
    f"{SDPA}({R}(2, 3, 4, 8), {R}(2, 3, 5, 8), {R}(2, 3, 5, 6), {R}(()))",
    f"{SDPA}({R}(2, 6, 4, 8), {R}(2, 4, 5, 8), {R}(2, 4, 5, 6), enable_gqa=True)",
    f"{SDPA}({R}(2, 6, 4, 8), {R}(2, 2, 5, 8), {R}(2, 2, 5, 6))",
    f"{SDPA}({R}(4, 8), {R}(5, 8), {R}(5, 6), enable_gqa=True)",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8), {R}(2, 5, 6), dropout_p=1.5)",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 7), {R}(2, 5, 6), dropout_p=1.5)",  # (torch's order)
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8), {R}(2, 6, 6), dropout_p=1.5)",
    f"{SDPA}({R}(2, 6, 4, 8), {R}(2, 4, 5, 8), {R}(2, 4, 5, 6), {R}(5), enable_gqa=True)",
    f"{SDPA}([1.0], {R}(2, 5, 8), {R}(2, 5, 6))",
    # a value with no elements: zeros of the query's batch shape, before the other checks
    f"{SDPA}({R}(1, 3, 2), {R}(2, 4, 2), {R}(2, 4, 0))",
    f"{SDPA}({R}(2, 6, 3, 2), {R}(2, 4, 4, 2), {R}(2, 4, 4, 0), dropout_p=1.5, enable_gqa=True)",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8), {R}(2, 5, 6), is_causal=1)",
    f"{SDPA}({R}(2, 4, 8), {R}(2, 5, 8), {R}(2, 5, 6), scale='a')",
])
def test_errors_match_torch(expr):
    same_as_torch(expr)


# --- cuda (tiny, under the simulator) -----------------------------------------------------

def test_cuda_matches_cpu():
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device")
    arrays = (normal(1, 2, 3, 4), normal(1, 1, 4, 4), normal(1, 1, 4, 2), float_mask(3, 4))
    results = []
    for device in ("cpu", "cuda"):
        q, k, v, m = (tm.tensor(a, device=device, requires_grad=True) for a in arrays)
        out = F.scaled_dot_product_attention(q, k, v, m, enable_gqa=True)
        out.sum().backward()
        results.append([np.asarray(t.detach().cpu()) for t in (out, q.grad, k.grad, v.grad,
                                                                 m.grad)])
    assert type(out.grad_fn).__name__ == "ScaledDotProductEfficientAttentionBackward0"
    for c, g in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-6)


def test_cuda_causal_dead_row_and_dropout():
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device")
    q, k, v = (normal(2, 3, 2) for _ in range(3))
    mask = bool_mask(3, 3, dead_row=2)
    outs = [np.asarray(F.scaled_dot_product_attention(
        *(tm.tensor(a, device=d) for a in (q, k, v)), attn_mask=tm.tensor(mask, device=d)).cpu())
        for d in ("cpu", "cuda")]
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)
    assert not outs[1][:, 2].any()
    eye = tm.eye(3, device="cuda").expand(2, 3, 3)  # the output rows are the dropped weights
    w = np.asarray(F.scaled_dot_product_attention(tm.zeros(2, 3, 2, device="cuda"),
                                                  tm.zeros(2, 3, 2, device="cuda"), eye,
                                                  dropout_p=0.5).cpu())
    assert np.isin(w, [0.0, np.float32(1 / 3 / 0.5)]).all()
    causal = [np.asarray(F.scaled_dot_product_attention(
        *(tm.tensor(a, device=d) for a in (q, k, v)), is_causal=True).cpu())
        for d in ("cpu", "cuda")]
    np.testing.assert_allclose(causal[1], causal[0], rtol=1e-5, atol=1e-6)
