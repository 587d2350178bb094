"""F.multi_head_attention_forward: separate projection weights and static keys/values
against torch, and torch's errors and warnings for shapes, ranks and mask dtypes."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import needs_torch, same_as_torch

RNG = np.random.default_rng(1)


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def test_separate_weights_and_static_keys_match_torch():
    torch = needs_torch()
    e, heads, n = 4, 2, 2
    arrays = {"query": normal(3, n, e), "key": normal(5, n, 6), "value": normal(5, n, 6),
              "q_proj_weight": normal(e, e), "k_proj_weight": normal(e, 6),
              "v_proj_weight": normal(e, 6), "in_proj_bias": normal(3 * e),
              "out_proj_weight": normal(e, e), "out_proj_bias": normal(e),
              "static_k": normal(n * heads, 5, e // heads),
              "static_v": normal(n * heads, 5, e // heads)}

    def call(lib, static):
        t = {k: lib.tensor(v, requires_grad=True) for k, v in arrays.items()}
        if not static:
            t["static_k"] = t["static_v"] = None
        out, weights = lib.nn.functional.multi_head_attention_forward(
            embed_dim_to_check=e, num_heads=heads, in_proj_weight=None, bias_k=None,
            bias_v=None, add_zero_attn=False, dropout_p=0.0, training=True,
            use_separate_proj_weight=True, **t)
        out.sum().backward()
        return out, weights, {k: v.grad for k, v in t.items() if v is not None}

    for static in (False, True):
        mine, theirs = call(tm, static), call(torch, static)
        for a, b in zip(mine[:2], theirs[:2]):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5,
                                       atol=1e-6)
        for key, grad in theirs[2].items():
            if grad is None:
                assert mine[2][key] is None, key
            else:
                np.testing.assert_allclose(mine[2][key].numpy(), grad.numpy(), rtol=1e-4,
                                           atol=1e-5, err_msg=key)


X = "lib.randn(3, 2, 8)"
MHA = "lib.nn.MultiheadAttention(8, 2)"


@pytest.mark.parametrize("expr", [
    f"{MHA}(lib.randn(1, 3, 2, 8), {X}, {X})",
    f"{MHA}({X}, lib.randn(3, 8), {X})",
    f"{MHA}({X}, {X}, {X}, key_padding_mask=lib.zeros(1, 2, 3, dtype=lib.bool))",
    f"{MHA}({X}, {X}, {X}, key_padding_mask=lib.zeros(2, 4, dtype=lib.bool))",
    f"{MHA}({X}, {X}, {X}, attn_mask=lib.zeros(3, dtype=lib.bool))",
    f"{MHA}({X}, {X}, {X}, attn_mask=lib.zeros(3, 4, dtype=lib.bool))",
    f"{MHA}({X}, {X}, {X}, attn_mask=lib.zeros(3, 3, 3))",
    f"{MHA}({X}, {X}, {X}, attn_mask=lib.zeros(3, 3, dtype=lib.int64))",
    f"{MHA}(lib.randn(3, 2, 6), lib.randn(3, 2, 6), lib.randn(3, 2, 6))",
    f"{MHA}({X}, {X}, {X}, is_causal=True)",
    f"{MHA}({X}, {X}, lib.randn(4, 2, 8))",
    f"{MHA}(lib.randn(3, 8), lib.randn(3, 8), lib.randn(3, 8), attn_mask=lib.zeros(3, 3, 3))",
    f"{MHA}(lib.randn(3, 8), lib.randn(3, 8), lib.randn(3, 8), key_padding_mask=lib.zeros(1, 3))",
    "lib.nn.MultiheadAttention(0, 2)",
    "lib.nn.MultiheadAttention(6, 4)",
])
def test_errors_as_torch(expr):
    same_as_torch(f"({expr}) and None")


def test_mismatched_mask_types_warn_as_torch():
    layer = tm.nn.MultiheadAttention(8, 2)
    x = tm.randn(3, 2, 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer(x, x, x, attn_mask=tm.zeros(3, 3), key_padding_mask=tm.zeros(2, 3, dtype=tm.bool))
    assert [str(w.message) for w in caught] == [
        "Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for "
        "both instead."]


def test_bool_masks_become_additive_float_masks():
    mask = F.multi_head_attention._canonical_mask(tm.tensor([True, False]), "m", None, "",
                                                  tm.float64)
    assert mask.dtype is tm.float64 and mask.tolist() == [float("-inf"), 0.0]


def test_gradcheck_in_float64():
    """Finite differences through both paths (scores formed here, and SDPA), with a float
    mask, learnt bias keys and a zero key."""
    e, heads = 4, 2
    rng = np.random.default_rng(3)

    def leaf(*shape):
        return tm.tensor(rng.standard_normal(shape), dtype=tm.float64, requires_grad=True)
    q, kv, w_in, w_out, bias_k, bias_v = (leaf(2, 1, e), leaf(3, 1, e), leaf(3 * e, e),
                                          leaf(e, e), leaf(1, 1, e), leaf(1, 1, e))
    mask = tm.tensor(rng.standard_normal((2, 3)), dtype=tm.float64)
    for need_weights in (True, False):
        def attend(q, kv, w_in, w_out, bias_k, bias_v):
            return F.multi_head_attention_forward(
                q, kv, kv, e, heads, w_in, None, bias_k, bias_v, True, 0.0, w_out, None,
                attn_mask=mask, need_weights=need_weights)[0]
        assert tm.autograd.gradcheck(attend, (q, kv, w_in, w_out, bias_k, bias_v))
