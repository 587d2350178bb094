"""Operands for the ops: broadcast-compatible partners, masks and indices, as source code.

Now and then a partner is made incompatible on purpose, so that error paths are compared
too (torch must raise, and tm with it).
"""
import math
from typing import NamedTuple

from . import draw_views, literals

MISMATCH = 0.04  # share of partners drawn with a wrong size
MAX_ELEMENTS = 1 << 17


def broadcasts(a, b):
    """a and b broadcast, to a result of at most MAX_ELEMENTS (two big vectors could
    broadcast to an outer product of billions)."""
    if not all(x == y or x == 1 or y == 1 for x, y in zip(a[::-1], b[::-1])):
        return False
    longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
    head = longer[:len(longer) - len(shorter)]
    return math.prod(head) * math.prod(map(max, longer[len(head):], shorter)) <= MAX_ELEMENTS


def broadcasts_into(a, target):
    """a expands to exactly `target` (what an in-place op's operand must do)."""
    return len(a) <= len(target) and all(x in (1, y) for x, y in zip(a[::-1], target[::-1]))


def partner_shape(rng, shape, into=False):
    """A shape that broadcasts with `shape`: trailing dims of it, some set to 1, maybe with
    a new leading dim (unless it must broadcast `into` shape)."""
    s = list(shape[rng.randint(0, len(shape)):] if rng.random() < 0.4 else shape)
    s = [1 if rng.random() < 0.25 else n for n in s]
    if not into and rng.random() < 0.15:
        s.insert(0, rng.choice((1, 2)))
    if s and rng.random() < MISMATCH:
        i = rng.randrange(len(s))
        s[i] = s[i] + 2
    return tuple(s)


class Operand(NamedTuple):
    code: str
    reads: tuple  # the live variable it is, if any
    scalar: bool  # a Python number


def operand(rng, scope, shape, dtype, into=False, scalars=True):
    """A second operand for a tensor of `shape` and `dtype`: a Python scalar, a live
    variable that broadcasts, or a fresh tensor."""
    r = rng.random()
    if scalars and r < 0.3:
        return Operand(literals.scalar(rng), (), True)
    if r < 0.55:
        fits = broadcasts_into if into else broadcasts
        name = scope.pick(rng, lambda m: fits(m.shape, shape))
        if name is not None:
            return Operand(name, (name,), False)
    other = dtype if rng.random() < 0.5 else rng.choice(literals.DTYPES)
    if r < 0.65:
        return Operand(literals.tensor(rng, (), other), (), False)
    return Operand(literals.tensor(rng, partner_shape(rng, shape, into), other), (), False)


def mask(rng, shape):
    return literals.tensor(rng, shape, "bool")


def int_index(rng, n):
    """An int64 index tensor for a dim of size n: in range, except now and then."""
    shape = rng.choice(((), (rng.randint(0, 3),), (rng.randint(1, 2), rng.randint(0, 3))))
    lo, hi = (-n, n - 1) if n else (0, 0)
    if rng.random() < MISMATCH:
        hi += 1
    values = [rng.randint(lo, hi) for _ in range(literals.math.prod(shape))]
    if not n and values:  # no index is valid for an empty dim: keep it empty
        shape, values = (0,), []
    return literals.tensor_of(values, shape, "int64")


def _item(rng, shape, d, stop):
    """(source, dims consumed, advanced?) of one index item at dim d (items end at stop)."""
    n = shape[d]
    r = rng.random()
    if r < 0.3 and n:
        hi = n if rng.random() < MISMATCH else n - 1
        return str(rng.randint(-n, hi)), 1, False
    if r < 0.7:
        return draw_views.slice_text(rng, n), 1, False
    if r < 0.8:
        k = rng.randint(1, min(2, stop - d))
        return mask(rng, shape[d:d + k]), k, True
    if r < 0.9 or not n:
        return int_index(rng, n), 1, True
    return repr([rng.randint(-n, n - 1) for _ in range(rng.randint(1, 3))]), 1, True


def _items(rng, shape, start, stop):
    items, advanced = [], False
    d = start
    while d < stop:
        text, k, adv = _item(rng, shape, d, stop)
        items.append(text)
        advanced |= adv
        d += k
    return items, advanced


def index(rng, shape):
    """(source of an index into a tensor of `shape`, whether it has advanced items): ints,
    slices, None, at most one Ellipsis, bool masks, int64 tensors and lists."""
    nd = len(shape)
    ellipsis = rng.random() < 0.25
    used = nd if not ellipsis and rng.random() < 0.5 else rng.randint(0, nd)
    split = rng.randint(0, used) if ellipsis else used  # items before the Ellipsis
    front, adv_front = _items(rng, shape, 0, split)
    back, adv_back = _items(rng, shape, nd - (used - split), nd)
    items = front + ["..."] * ellipsis + back
    for _ in range(rng.choice((0, 0, 0, 1, 2))):
        items.insert(rng.randint(0, len(items)), "None")
    if rng.random() < MISMATCH / 2:
        items.append("0")  # one index too many, or an int into a size-0 dim
    if not items:
        items = [rng.choice(("...", ":", "None"))]
    return ", ".join(items), adv_front or adv_back
