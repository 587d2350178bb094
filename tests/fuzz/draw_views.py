"""View ops for the input chains: each draws one view of variable `x` (Meta `m`) as source
code, or None where it does not apply to m's shape."""
from . import api


def dim(rng, nd):
    """A dim of an nd-dim tensor, negative ones included (0-d tensors take 0 and -1)."""
    return rng.randint(-nd, nd - 1) if nd else rng.choice((0, -1))


def transpose(rng, x, m):
    return f"{x}.transpose({dim(rng, m.ndim)}, {dim(rng, m.ndim)})"


def permute(rng, x, m):
    if not m.ndim:
        return None
    perm = rng.sample(range(m.ndim), m.ndim)
    if rng.random() < 0.3:
        perm = [p - m.ndim for p in perm]
    return f"{x}.permute({', '.join(map(str, perm))})"


def movedim(rng, x, m):
    return f"{x}.movedim({dim(rng, m.ndim)}, {dim(rng, m.ndim)})"


def t(rng, x, m):
    return f"{x}.t()" if m.ndim <= 2 else None


def slice_text(rng, n):
    """start:stop:step with a positive step; bounds may lie outside [-n, n]."""
    def bound():
        return "" if rng.random() < 0.4 else str(rng.randint(-n - 1, n + 1))
    step = rng.choice(("", "", "2", "3"))
    return f"{bound()}:{bound()}" + (f":{step}" if step else "")


def stepped(rng, x, m):
    if not m.ndim:
        return None
    k = rng.randint(1, m.ndim)
    return f"{x}[{', '.join(slice_text(rng, n) for n in m.shape[:k])}]"


def expand(rng, x, m):
    lead = [rng.randint(0, 3) for _ in range(rng.choice((0, 0, 1, 2)))]
    sizes = [rng.randint(0, 3) if n == 1 else rng.choice((n, -1)) for n in m.shape]
    return f"{x}.expand({tuple(lead + sizes)!r})"


def unsqueeze(rng, x, m):
    return f"{x}.unsqueeze({rng.randint(-m.ndim - 1, m.ndim)})"


def squeeze(rng, x, m):
    return f"{x}.squeeze({dim(rng, m.ndim)})" if rng.random() < 0.7 else f"{x}.squeeze()"


def diagonal(rng, x, m):
    if m.ndim < 2:
        return None
    d1, d2 = rng.sample(range(m.ndim), 2)
    off = rng.randint(-2, 2)
    if rng.random() < 0.5:
        return f"{x}.diagonal({off}, {d1}, {d2 - m.ndim})"
    return f"lib.diagonal({x}, offset={off}, dim1={d1}, dim2={d2})"


def narrow(rng, x, m):
    if not m.ndim:
        return None
    d = dim(rng, m.ndim)
    n = m.shape[d]
    start = rng.randint(0, n)
    return f"{x}.narrow({d}, {start}, {rng.randint(0, n - start)})"


def select(rng, x, m):
    if not m.ndim or not m.numel:
        return None
    d = dim(rng, m.ndim)
    return f"{x}.select({d}, {rng.randint(-m.shape[d], m.shape[d] - 1)})"


def as_strided(rng, x, m):
    """An in-bounds geometry over x's whole storage; strides may be 0 or overlap."""
    sizes = [rng.randint(0, 3) for _ in range(rng.randint(0, 3))]
    strides = [rng.randint(0, 3) for _ in sizes]
    if 0 in sizes:
        offset = 0
    else:
        room = m.storage - 1 - sum((n - 1) * s for n, s in zip(sizes, strides))
        if room < 0:
            return None
        offset = rng.randint(0, room)
    return f"{x}.as_strided({tuple(sizes)!r}, {tuple(strides)!r}, {offset})"


VIEWS = {name: fn for name, fn in (
    ("transpose", transpose), ("permute", permute), ("movedim", movedim), ("t", t),
    ("stepped", stepped), ("expand", expand), ("unsqueeze", unsqueeze),
    ("squeeze", squeeze), ("diagonal", diagonal), ("narrow", narrow), ("select", select),
    ("as_strided", as_strided))
    if name == "stepped" or api.method(name)}
# the brief's core views come up twice as often as the extra ones
WEIGHTS = {"transpose": 2, "permute": 2, "stepped": 3, "expand": 2, "unsqueeze": 2,
           "diagonal": 2, "as_strided": 2}


def draw(rng, x, m):
    """(view name, source of the view expression) or None."""
    names = list(VIEWS)
    name = rng.choices(names, [WEIGHTS.get(n, 1) for n in names])[0]
    code = VIEWS[name](rng, x, m)
    return None if code is None else (name, code)

