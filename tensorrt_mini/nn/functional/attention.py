"""scaled_dot_product_attention: softmax(q @ k^T * scale + mask) @ v, as one graph node.

The forward keeps the attention weights (the softmax, before dropout), the dropout's
keep-and-rescale factors, the scaled query and the output; the hand-written backward
turns them into gradients for query, key, value and a float mask:
  dV = W^T dO,  dW = dO V^T,  dS = P * (dW * Z - rowsum(dO * O)),  dQ = scale dS K,
  dK = dS^T (scale Q),  dmask = dS
(P the softmax, Z the dropout factors, W = P * Z; rowsum(dO * O) equals rowsum(dW * W),
and reads L x Ev numbers where that reads L x S).

Grouped-query attention (enable_gqa) repeats no key or value: the query's heads are
split into (key heads, group) and the key gets a size-1 group dim, so the batched GEMM
broadcasts it; the key's gradient sums over the group.

A device's implementation in _IMPLEMENTATIONS has forward(plan, q, k, v, mask, dead) ->
(out, saved) and backward(plan, grad, need, saved) -> 4 gradients. Both devices run the
same composite: the cpu's with its spread GEMMs and its one-pass softmax kernel, cuda's
with tm ops (cuBLAS GEMMs); a fused cuda kernel can take cuda's entry.
"""
import math
import numbers

from ... import _tensor as T
from ... import creation
from ... import dtypes as D
from ...autograd.graph import record, run
from ...layout import broadcast_shapes
from ...ops import elementwise as E
from ...ops.dispatch import GradMode
from ...ops.linalg import _check as _check_product, _kind as _product_kind, matmul
from ...ops.sampling import bernoulli_
from .core import _tracking, softmax

_NODE_NAMES = {"cpu": "ScaledDotProductFlashAttentionForCpuBackward0",
               "cuda": "ScaledDotProductEfficientAttentionBackward0"}


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    _check_arguments(query, key, value, attn_mask, dropout_p, is_causal, scale)
    _check_inputs(query, key, value, attn_mask)
    if attn_mask is not None and is_causal:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if not value.numel():
        return _no_values(query, key, value)
    k_groups, v_groups = _head_groups(query, key, value) if enable_gqa else (1, 1)
    dropout_p = float(dropout_p)  # (p > 1 is refused where the dropout runs, as in torch)
    _check_mask_rank(query, key, value, attn_mask, dropout_p)
    if scale is None:  # (an empty head dim: inf, times no terms, as in torch)
        scale = 1.0 / math.sqrt(query._shape[-1]) if query._shape[-1] else math.inf
    plan = _Plan(float(scale), dropout_p, k_groups, v_groups)

    grad_mask = attn_mask is not None and attn_mask._dtype.is_floating_point
    track = _tracking(query, key, value, attn_mask if grad_mask else None)
    device = query._storage.device.type
    implementation = _IMPLEMENTATIONS[device]

    def attend():
        mask, dead = _additive_mask(attn_mask, is_causal, query, key)
        return implementation.forward(plan, query, key, value, mask, dead)
    out, saved = run(attend) if track else attend()
    if not track:
        return out
    need = (query._requires_grad, key._requires_grad, value._requires_grad,
            grad_mask and attn_mask._requires_grad)
    shapes = (query._shape, key._shape, value._shape, attn_mask._shape if grad_mask else None)
    mask_dtype = attn_mask._dtype if grad_mask else None

    def grads(g, *saved):
        if GradMode.enabled:  # the backward's in-place steps record nothing
            raise NotImplementedError("the derivative of scaled_dot_product_attention's gradient "
                                      "(create_graph=True) is not implemented in tensorrt_mini")
        gq, gk, gv, gm = implementation.backward(plan, g, need, saved)
        gq, gk, gv, gm = (None if t is None else _sum_to(t, s)
                          for t, s in zip((gq, gk, gv, gm), shapes))
        if gm is not None and gm._dtype is not mask_dtype:  # (a float32 mask on float64 data)
            gm = gm.to(mask_dtype)
        return gq, gk, gv, gm
    return record(_NODE_NAMES[device], out, (query, key, value, attn_mask if grad_mask else None),
                  grads, saved)


def _no_values(query, key, value):
    """torch's answer for a value with no elements (no keys, or an empty value dim), before
    any other check: zeros of the query's batch shape (not broadcast with the key's) and
    the value's last dim, with zero gradients for query and key (none for the mask)."""
    out = creation.zeros(query._shape[:-1] + value._shape[-1:], dtype=query._dtype,
                         device=query.device)
    inputs = (query, key, value)
    if not _tracking(*inputs):
        return out

    def backward(g):
        return tuple(creation.zeros_like(x) if x._requires_grad else None for x in inputs)
    return record("AddBackward0", out, inputs, backward)


class _Plan:
    """What forward and backward share: the scale, the dropout probability (<= 0: none), and
    how many query heads share each key head and each value head (1: no grouping)."""

    __slots__ = ("scale", "dropout_p", "k_groups", "v_groups")

    def __init__(self, scale, dropout_p, k_groups, v_groups):
        self.scale, self.dropout_p = scale, dropout_p
        self.k_groups, self.v_groups = k_groups, v_groups


# --- checks, in torch's order -------------------------------------------------------

def _check_arguments(query, key, value, attn_mask, dropout_p, is_causal, scale):
    """torch's argument parser's TypeErrors."""
    for pos, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        if not isinstance(t, T.Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' (position {pos}) "
                            f"must be Tensor, not {type(t).__name__}")
    checks = (("attn_mask", attn_mask, attn_mask is None or isinstance(attn_mask, T.Tensor),
               "Tensor"),
              ("dropout_p", dropout_p, _is_number(dropout_p), "float"),
              ("is_causal", is_causal, isinstance(is_causal, bool), "bool"),
              ("scale", scale, scale is None or _is_number(scale) or isinstance(scale, T.Tensor),
               "float"))
    for name, arg, ok, kind in checks:
        if not ok:
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be {kind}, "
                            f"not {type(arg).__name__}")


def _is_number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_inputs(query, key, value, attn_mask):
    q, k, v = query._dtype, key._dtype, value._dtype
    if not (q is k is v):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {E.C_NAMES[q.name]} key.dtype: {E.C_NAMES[k.name]} and "
                           f"value.dtype: {E.C_NAMES[v.name]} instead.")
    devices = [t._storage.device for t in (query, key, value)]
    if devices[1] != devices[0] or devices[2] != devices[0]:
        raise RuntimeError("Expected query, key, and value to have the same device type, but got "
                           f"query.device: {devices[0]} key.device: {devices[1]} and "
                           f"value.device: {devices[2]} instead.")
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but "
                           f"got query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: "
                           f"{value.dim()} instead.")
    if attn_mask is not None:
        m = attn_mask._dtype
        if m.name not in ("bool", "float32") and m is not q:
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: {E.C_NAMES[m.name]} and  "
                               f"query.dtype: {E.C_NAMES[q.name]} instead.")
        if attn_mask._storage.device != devices[0]:
            raise RuntimeError(f"Expected attn_mask to be on {devices[0]}, but got "
                               f"{attn_mask._storage.device}")
    if not q.is_floating_point:  # (the GEMM's message: torch computes in float)
        if query.dim() == 2 and key.dim() == 2:
            raise RuntimeError("expected m1 and m2 to have the same dtype, but got: float != "
                               + E.C_NAMES[q.name])
        raise RuntimeError(f"expected scalar type Float but found {D.TYPE_NAMES[q.name]}")


def _head_groups(query, key, value):
    """How many query heads (dim -3) share each key head and each value head."""
    if query.dim() < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-query.dim()}, {query.dim() - 1}], but got -3)")
    heads = query._shape[-3]
    k, v = key._shape[-3], value._shape[-3]
    if k == 0 or v == 0 or heads % k or heads % v:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    return heads // k, heads // v


def _check_mask_rank(query, key, value, attn_mask, dropout_p):
    """torch's CPU flash path, which it considers for 4-D inputs of one batch size without
    dropout, reads the mask's size(-2) (its math path would broadcast a 1-D mask)."""
    if attn_mask is None or attn_mask.dim() >= 2 or dropout_p > 0.0:
        return
    if any(t.dim() != 4 for t in (query, key, value)) or \
            not query._shape[0] == key._shape[0] == value._shape[0]:
        return
    if attn_mask.dim() == 0:
        raise IndexError("Dimension specified as -2 but tensor has no dimensions")
    raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")


# --- the mask -----------------------------------------------------------------------

def _additive_mask(attn_mask, is_causal, query, key):
    """(a float mask to add to the scores, or None; the rows it masks out entirely, or
    None): a bool mask (True takes part) or is_causal (the top-left lower triangle) becomes
    0 / -inf, as in torch. Rows with no score left give 0, as torch's do."""
    if is_causal:  # (top-left aligned: row i keeps columns 0..i, so no row is empty)
        attn_mask = creation.ones((query._shape[-2], key._shape[-2]), dtype=D.bool_,
                                  device=query.device).tril()
    if attn_mask is None:
        return None, None
    if attn_mask._dtype is D.bool_:
        mask = creation.zeros(attn_mask._shape, dtype=query._dtype, device=query.device)
        mask.masked_fill_(attn_mask.logical_not(), -math.inf)
    else:
        mask = attn_mask
    if is_causal or not mask.numel():
        return mask, None
    dead = (mask == -math.inf).all(-1, keepdim=True) if mask.dim() else mask == -math.inf
    return mask, (dead if dead.any().item() else None)


# --- the layout of grouped heads ----------------------------------------------------

def _split_heads(t, groups):
    """(..., H, n, m) as (..., H / groups, groups, n, m): a view."""
    return t if groups == 1 else t.unflatten(-3, (t._shape[-3] // groups, groups))


def _shared(t, groups):
    """A key or value head shared by `groups` query heads: a size-1 group dim to broadcast."""
    return t if groups == 1 else t.unsqueeze(-3)


def _merge_heads(t, groups):
    """(..., H, groups, n, m), contiguous, as (..., H * groups, n, m): a view."""
    return t if groups == 1 else t.flatten(-4, -3)


def _sum_to(t, shape):
    """t summed over the dims it was broadcast along to reach `shape`'s."""
    if t._shape == shape:
        return t
    lead = t.dim() - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and t._shape[lead + i] != 1)
    return t.sum(dims, keepdim=True).reshape(shape) if dims else t.reshape(shape)


# --- the composite both devices run -------------------------------------------------

class _Composite:
    """The forward and backward through batched GEMMs, given a device's GEMM, gemm(a, b)
    (batch dims broadcast, torch's matmul errors), and softmax, softmax_rows(scores) over
    the last dim."""

    def __init__(self, gemm, softmax_rows):
        self.gemm, self.softmax_rows = gemm, softmax_rows

    def forward(self, plan, query, key, value, mask, dead):
        """(out, saved), checking what torch checks on its way, in its order."""
        gemm = self.gemm
        qs = query * plan.scale  # (the scale on the smaller operand, as torch's math path)
        scores = _merge_heads(gemm(_split_heads(qs, plan.k_groups),
                                   _shared(key, plan.k_groups).mT), plan.k_groups)
        if mask is not None:
            scores.add_(mask)
        probs = self.softmax_rows(scores) if scores.numel() else scores
        if dead is not None:
            probs.masked_fill_(dead, 0.0)
        keep = _dropout_factors(probs, plan.dropout_p) if plan.dropout_p > 0.0 else None
        weights = probs if keep is None else probs * keep
        out = _merge_heads(gemm(_split_heads(weights, plan.v_groups),
                                _shared(value, plan.v_groups)), plan.v_groups)
        saved = (qs, key, value, probs, out) + ((keep,) if keep is not None else ())
        return out, saved

    def backward(self, plan, g, need, saved):
        """Gradients for (query, key, value, mask) in the shapes the GEMMs broadcast them
        to (the caller sums them down), None where not needed."""
        gemm = self.gemm
        qs, key, value, probs, out = saved[:5]
        keep = saved[5] if len(saved) > 5 else None
        need_q, need_k, need_v, need_mask = need
        kg, vg = plan.k_groups, plan.v_groups
        weights = probs if keep is None else probs * keep
        g_split = _split_heads(g, vg)
        gv = None
        if need_v:
            gv = gemm(_split_heads(weights, vg).mT, g_split)
            if vg > 1:
                gv = gv.sum(-3)
        if not (need_q or need_k or need_mask):
            return None, None, gv, None
        gw = _sum_to(_merge_heads(gemm(g_split, _shared(value, vg).mT), vg), probs._shape)
        if keep is not None:
            gw.mul_(keep)
        rowdot = _sum_to((g * out).sum(-1, keepdim=True), probs._shape[:-1] + (1,))
        gs = gw.sub_(rowdot).mul_(probs)  # the scores' gradient, in gw's memory
        gs_split = _split_heads(gs, kg)
        gq = gk = None
        if need_q:
            gq = _merge_heads(gemm(gs_split, _shared(key, kg)), kg).mul_(plan.scale)
        if need_k:
            gk = gemm(gs_split.mT, _split_heads(qs, kg))
            if kg > 1:
                gk = gk.sum(-3)
        return gq, gk, gv, (gs if need_mask else None)


def _dropout_factors(probs, p):
    """0 or 1 / (1 - p) per weight, drawn as torch's CPU dropout draws its mask (bernoulli_
    over a tensor of the weights' shape), so a seeded run drops what torch's drops."""
    if p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 1.0:
        return creation.zeros(probs._shape, dtype=probs._dtype, device=probs.device)
    return bernoulli_(creation.empty_like(probs), 1.0 - p).div_(1.0 - p)


# --- the devices' implementations ---------------------------------------------------

def _gemm_cpu(a, b):
    """a @ b through the cpu backend's spread GEMM: single-threaded BLAS calls over slices
    of the batch (a batch of per-head products ran 10-20x slower on OpenBLAS's own threads
    on a busy machine; backends/cpu_gemm.py)."""
    _check_product(a, b, _product_kind(a.dim(), b.dim()))
    batch = broadcast_shapes(a._shape[:-2], b._shape[:-2])
    out = T.empty_tensor(batch + (a._shape[-2], b._shape[-1]), a._dtype, a._storage.device)
    if out.numel():
        T.backends.get("cpu").matmul_spread(out, a, b)
    return out


def _softmax_cpu(scores):
    """The cpu backend's one-pass softmax over the last dim of the (contiguous) scores,
    into a buffer of its own: written over its input, the kernel's loops lose their
    vector form (LLVM's alias check fails) and ran 3.4x slower (0.25 s against 0.073 s
    on 8M floats, allocation included)."""
    out = T.empty_tensor(scores._shape, scores._dtype, scores._storage.device)
    T.backends.get("cpu").softmax(out, scores, scores.dim() - 1, False)
    return out


def _softmax_cuda(scores):
    """tm's softmax over the last dim (the composite of amax, exp, sum and div on cuda)."""
    return softmax(scores, -1)


# device -> implementation; cuda's runs tm ops (cuBLAS GEMMs) until a fused attention
# kernel, with forward and backward of these signatures, takes its place
_IMPLEMENTATIONS = {
    "cpu": _Composite(_gemm_cpu, _softmax_cpu),
    "cuda": _Composite(matmul, _softmax_cuda),
}
