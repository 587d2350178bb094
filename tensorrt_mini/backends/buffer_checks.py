"""Checks a kernel entry point makes before it trusts raw buffers.

Kernels walk memory by the shape of their output (elementwise) or the parameter's element
count (the fused optimizer steps). An operand of another shape, a gradient or state buffer
of another size, dtype or device, or a state buffer whose elements do not lie
contiguously, would make them read or write outside an allocation, which kills the
interpreter. The front end already refuses such inputs; this is the last line, so that no
Python call reaches a kernel with them. (A view itself always lies inside its storage:
as_strided and every view op check that when the view is made.)
"""
from ..layout import is_contiguous


def check_step_buffers(kernel, param, grad, **state):
    """`grad` (any strides: the step reads a dense copy) and each state buffer (name ->
    tensor or None, used in place, so contiguous) match `param`'s element count, dtype
    and device; else RuntimeError naming what differs."""
    n = _numel(param)
    for name, t in (("grad", grad), *state.items()):
        if t is None:
            continue
        if t._dtype is not param._dtype or t._storage.device != param._storage.device:
            raise RuntimeError(
                f"{kernel}: {name} is {t._dtype.name} on {t._storage.device.type}, the "
                f"parameter {param._dtype.name} on {param._storage.device.type}")
        if _numel(t) != n:
            raise RuntimeError(f"{kernel}: {name} has size {list(t._shape)}, the parameter "
                               f"{list(param._shape)}")
        if t is not grad and not is_contiguous(t._shape, t._stride):
            raise RuntimeError(f"{kernel}: {name} must be contiguous, got strides "
                               f"{list(t._stride)} for size {list(t._shape)}")


def check_same_shapes(op, out, operands):
    """Each tensor among `operands` (numbers pass) has out's shape: an elementwise kernel
    walks them all by it."""
    shape = out._shape
    for x in operands:
        if getattr(x, "_shape", shape) != shape:
            name = op if isinstance(op, str) else getattr(op, "key", "kernel")
            raise RuntimeError(f"{name}: an operand of size {list(x._shape)} for an output of "
                               f"size {list(shape)}")


def check_reduced(op, x, dims, *outs):
    """Each of outs holds one element per position of x outside `dims`, contiguously,
    where the reduction kernels write them."""
    want = 1
    for d, n in enumerate(x._shape):
        if d not in dims:
            want *= n
    for out in outs:
        if _numel(out) != want or not is_contiguous(out._shape, out._stride):
            raise RuntimeError(f"{op}: an output of size {list(out._shape)} and strides "
                               f"{list(out._stride)} for {want} contiguous results of "
                               f"{list(x._shape)} over dims {list(dims)}")


def check_moments(mean, var, x):
    """channel_moments' buffers: x (A, R, B) with A * B > 0, mean and var (R,), all
    contiguous, of one floating dtype, on one device."""
    a, r, b = x._shape
    if not all(is_contiguous(t._shape, t._stride) for t in (mean, var, x)) \
            or mean._shape != (r,) or var._shape != (r,) or a * b == 0 \
            or not _alike(x, mean, var):
        raise RuntimeError(f"channel_moments: buffers of size {list(mean._shape)} and "
                           f"{list(var._shape)} for an input of size {list(x._shape)}")


def check_plane_affine(out, x, scale, shift):
    """plane_affine's buffers: x and out (N, C, S), scale and shift (N, C) or (1, C), all
    contiguous, of one floating dtype, on one device."""
    n, c, _ = x._shape
    check_same_shapes("plane_affine", out, (x,))
    if not all(is_contiguous(t._shape, t._stride) for t in (out, x, scale, shift)) \
            or scale._shape not in ((n, c), (1, c)) or shift._shape != scale._shape \
            or not _alike(x, out, scale, shift):
        raise RuntimeError(f"plane_affine: scale {list(scale._shape)} and shift "
                           f"{list(shift._shape)} for an input of size {list(x._shape)}")


ATTENTION_DTYPES = ("float32", "float16", "bfloat16")
ATTENTION_MAX_HEAD_DIM = 128


def check_attention(op, q, k, v, out, lse, **grads):
    """The fused attention kernels' buffers: q (BH, L, E), k (BH, S, E), v (BH, S, Ev),
    out (BH, L, Ev) and lse (BH, L) float32, and the backward's dout (as out), dq, dk and
    dv (as q, k, v), all contiguous, on q's cuda device, of q's dtype (one of
    ATTENTION_DTYPES), with head dims 1 to ATTENTION_MAX_HEAD_DIM; else RuntimeError."""
    sizes = [list(t._shape) for t in (q, k, v)]
    if any(len(t._shape) != 3 for t in (q, k, v)) or k._shape[0] != q._shape[0] \
            or v._shape[0] != q._shape[0] or k._shape[2] != q._shape[2] \
            or v._shape[1] != k._shape[1]:
        raise RuntimeError(f"{op}: q, k and v of sizes {sizes} are not (BH, L, E), "
                           "(BH, S, E) and (BH, S, Ev)")
    bh, l, e = q._shape
    ev = v._shape[2]
    if q._dtype.name not in ATTENTION_DTYPES or q._storage.device.type != "cuda":
        raise RuntimeError(f"{op}: takes cuda tensors of {', '.join(ATTENTION_DTYPES)}, got "
                           f"{q._dtype.name} on {q._storage.device}")
    if not (0 < e <= ATTENTION_MAX_HEAD_DIM and 0 < ev <= ATTENTION_MAX_HEAD_DIM):
        raise RuntimeError(f"{op}: head dims {e} and {ev}; the kernels take 1 to "
                           f"{ATTENTION_MAX_HEAD_DIM}")
    want = {"q": q._shape, "k": k._shape, "v": v._shape, "out": (bh, l, ev), "lse": (bh, l),
            "dout": (bh, l, ev), "dq": q._shape, "dk": k._shape, "dv": v._shape}
    for name, t in (("q", q), ("k", k), ("v", v), ("out", out), ("lse", lse), *grads.items()):
        dtype = "float32" if name == "lse" else q._dtype.name
        if t._shape != want[name]:
            raise RuntimeError(f"{op}: {name} has size {list(t._shape)}, expected "
                               f"{list(want[name])} for q, k and v of sizes {sizes}")
        if t._dtype.name != dtype or t._storage.device != q._storage.device:
            raise RuntimeError(f"{op}: {name} is {t._dtype.name} on {t._storage.device}, "
                               f"expected {dtype} on {q._storage.device}")
        if not is_contiguous(t._shape, t._stride):
            raise RuntimeError(f"{op}: {name} must be contiguous, got strides "
                               f"{list(t._stride)} for size {list(t._shape)}")

def _alike(x, *others):
    return x._dtype.is_floating_point and all(
        t._dtype is x._dtype and t._storage.device == x._storage.device for t in others)


def _numel(t):
    n = 1
    for s in t._shape:
        n *= s
    return n
