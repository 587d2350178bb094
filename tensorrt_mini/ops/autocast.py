"""Autocast's per-thread state and its casting policies, applied where ops are called.

Inside `tm.autocast(device_type)`, an op on that device type's tensors that torch lists
for a policy casts its floating inputs first: matrix products and convolutions to the
low precision dtype, ops that lose accuracy there to float32 (the losses; on cuda also
softmax, layer_norm, exp, sum...), and ops with several inputs that must agree
("promote") to the widest of their floating inputs. float64 tensors are never cast. The lists are torch's, per device
type (`POLICIES`); an op is hooked by `autocast_op` (or, for the ops below autograd, by
`dispatch.differentiable`), which looks its name up there.

An autocast op runs its body with autocast off for its device type, as torch's native
kernels run below the autocast dispatch key: a listed op's internal helpers (a linear's
matmul, a mean's sum) are not cast again, and an unlisted op keeps its input dtype.

Casts of float32 leaf tensors that require grad (parameters) to the low precision dtype
are cached for the life of the outermost autocast context (torch's weight cache), so a
weight used by several ops is cast once per forward. As torch's, the cache is one for the
process (threads that run forwards of one model share the casts), and any thread leaving
its outermost autocast context empties it; the settings and the nesting are per thread.
"""
import threading

from .. import dtypes as D
from ..device import device

LOWER, FP32, FP32_SET_OPT_DTYPE, PROMOTE, BANNED = \
    "lower", "fp32", "fp32_set_opt_dtype", "promote", "banned"

_LOW_PRECISION = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "prelu", "addmm", "matmul", "mm", "linear", "addbmm",
                  "baddbmm", "bmm", "scaled_dot_product_attention", "einsum", "multi_dot")
_LOSSES = ("mse_loss", "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss",
           "poisson_nll_loss", "smooth_l1_loss", "cross_entropy", "l1_loss", "huber_loss",
           "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss",
           "kl_div", "multilabel_margin_loss", "binary_cross_entropy_with_logits")


def _table(**policies):
    return {name: policy for policy, names in policies.items() for name in names}


# op name -> policy, per device type. A hooked op that a device type does not list runs
# as it is, its insides uncast: every op below autograd, and the ops hooked only to stop
# their insides from casting (mv, dot, tensordot... on the cpu; the average pools, which
# tm composes of sums and matmuls where torch has kernels of their own). torch's
# einsum and multi_dot on the cpu are compositions whose matmuls autocast: tm casts their
# operands up front, which gives the same dtypes wherever a product is taken.
POLICIES = {
    "cpu": _table(
        lower=_LOW_PRECISION,
        fp32=(*_LOSSES, "binary_cross_entropy", "ctc_loss", "prod", "cdist", "trace", "linalg_inv",
              "pinverse", "max_unpool2d", "polar"),
        promote=("cat", "stack", "index_copy")),
    "cuda": _table(
        lower=(*_LOW_PRECISION, "addmv", "addr", "mv", "chain_matmul"),
        fp32=(*_LOSSES, "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2",
              "log1p", "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "layer_norm",
              "group_norm", "cosine_similarity", "dist", "pdist", "cdist", "renorm", "logsumexp",
              "interpolate"),
        fp32_set_opt_dtype=("prod", "softmax", "log_softmax", "cumprod", "cumsum", "sum"),
        promote=("addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "index_put",
                 "scatter_add", "tensordot", "stack", "cat", "index_copy"),
        banned=("binary_cross_entropy",)),
}

DEFAULT_DTYPES = {"cuda": "float16", "cpu": "bfloat16"}

_BANNED_MESSAGE = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast.")


class _AutocastState(threading.local):
    """One thread's autocast settings: another thread's `with autocast(...)` never casts
    here (threading.local runs __init__ once per thread)."""

    def __init__(self):
        self.enabled = {"cpu": False, "cuda": False}
        self.dtype = {}  # device type -> dtype, once set (else DEFAULT_DTYPES)
        self.cache_enabled = True
        self.nesting = 0
        self.suspended = {"cpu": 0, "cuda": 0}  # autocast ops running, per device type
        self.on = ()  # the device types whose ops cast now: the one check on the fast path

    def refresh(self):
        self.on = tuple(t for t, e in self.enabled.items() if e and not self.suspended[t])


Autocast = _AutocastState()
_cache = {}  # (id(leaf), dtype) -> (leaf, its cast): the leaf kept, so its id stays its own
_cache_lock = threading.Lock()


def check_device_type(device_type):
    if device_type not in Autocast.enabled:
        device(device_type)  # torch's error for a name that is no device type at all
        raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")


def low_precision_dtype(device_type):
    check_device_type(device_type)
    dtype = Autocast.dtype.get(device_type)
    return dtype if dtype is not None else getattr(D, DEFAULT_DTYPES[device_type])


def set_enabled(device_type, enabled):
    check_device_type(device_type)
    Autocast.enabled[device_type] = bool(enabled)
    Autocast.refresh()


def clear_cache():
    with _cache_lock:
        _cache.clear()


# --- applying a policy ----------------------------------------------------------------

def _tensors(values):
    for v in values:
        if hasattr(v, "_storage"):
            yield v
        elif isinstance(v, (list, tuple)):
            yield from _tensors(v)


def _device_type_of(args, kwargs):
    """The device type of the op's first tensor argument, the one whose autocast applies."""
    for t in _tensors((*args, *kwargs.values())):
        return t._storage.device.type
    return None


def _eligible(t, device_type):
    return (t._dtype.is_floating_point and t._dtype is not D.float64
            and t._storage.device.type == device_type)


def _cached_cast(t, dtype, device_type, low):
    if not _eligible(t, device_type) or t._dtype is dtype:
        return t
    cacheable = (dtype is low and t._dtype is D.float32 and t._requires_grad and t.is_leaf
                 and t._base is None and Autocast.cache_enabled)
    if not cacheable:
        return t.to(dtype)
    key = (id(t), dtype)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None or hit[0] is not t:
            hit = _cache[key] = (t, t.to(dtype))
    return hit[1]


def _cast_all(values, dtype, device_type, low):
    cast = []
    for v in values:
        if hasattr(v, "_storage"):
            v = _cached_cast(v, dtype, device_type, low)
        elif isinstance(v, (list, tuple)):
            v = type(v)(_cast_all(v, dtype, device_type, low))
        cast.append(v)
    return cast


def _widest(args, kwargs, device_type, low):
    dtype = low
    for t in _tensors((*args, *kwargs.values())):
        if t._dtype.is_floating_point and t._storage.device.type == device_type:
            dtype = D.promote_types(dtype, t._dtype)
    return dtype


def _first_floating_eligible(args, device_type):
    return bool(args) and hasattr(args[0], "_storage") and _eligible(args[0], device_type)


def call(name, fn, args, kwargs):
    """fn(*args, **kwargs) under the policy torch gives `name` for the device type of its
    tensors, with autocast off for that device type while fn runs."""
    device_type = _device_type_of(args, kwargs)
    if device_type not in Autocast.on:
        return fn(*args, **kwargs)
    # torch autocasts the functional forms only: an op writing into out= runs as it is
    policy = POLICIES[device_type].get(name) if kwargs.get("out") is None else None
    low = low_precision_dtype(device_type)
    if policy == BANNED:
        raise RuntimeError(_BANNED_MESSAGE)
    if policy == FP32_SET_OPT_DTYPE:
        # an explicit dtype= wins; otherwise the op runs as if given dtype=float32
        policy = FP32 if kwargs.get("dtype") is None and _first_floating_eligible(
            args, device_type) else None
    if policy is not None:
        if policy == LOWER:
            dtype = low
        elif policy == FP32:
            dtype = D.float32
        else:
            dtype = _widest(args, kwargs, device_type, low)
        args = _cast_all(args, dtype, device_type, low)
        kwargs = dict(zip(kwargs, _cast_all(kwargs.values(), dtype, device_type, low)))
    Autocast.suspended[device_type] += 1
    Autocast.refresh()
    try:
        return fn(*args, **kwargs)
    finally:
        Autocast.suspended[device_type] -= 1
        Autocast.refresh()


def autocast_op(fn):
    """Hooks fn into autocast under its own name (see POLICIES); outside autocast it costs
    one attribute check."""
    name = fn.__name__

    def op(*args, **kwargs):
        if Autocast.on:
            return call(name, fn, args, kwargs)
        return fn(*args, **kwargs)
    op.__name__, op.__qualname__, op.__doc__ = name, fn.__qualname__, fn.__doc__
    op.__module__, op.__wrapped__ = fn.__module__, fn
    return op
