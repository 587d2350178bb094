"""A fuzz program: Python statements over `lib` (tm or torch) and `dev` (its device).

Steps are drawn one at a time against the variables torch has so far (the Scope), so
every step may use the shapes and dtypes of what came before; a step torch rejects adds
no variable, and tm must reject it too.
"""
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Meta:
    """What the generator may know of a tensor: torch's metadata, never its values."""
    shape: tuple
    dtype: str
    stride: tuple
    offset: int
    storage: int  # storage size in elements

    @classmethod
    def of(cls, t):
        return cls(tuple(t.shape), str(t.dtype).removeprefix("torch."), tuple(t.stride()),
                   t.storage_offset(), t.untyped_storage().nbytes() // t.element_size())

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def numel(self):
        return math.prod(self.shape)


@dataclass
class Step:
    code: str                # one Python statement
    kind: str                # what it exercises ("binary:remainder"); differences group by it
    target: str | None = None  # the variable it assigns
    reads: tuple = ()        # variables it reads as tensor operands
    layout: str = "operands"  # when its result's strides are compared (compare.strides_defined)
    tol: str = "exact"       # how much float rounding it may add (compare.tolerance)
    terms: int = 1           # values combined into each result element (reductions, matmul)
    guards: tuple = field(default=())  # (torch namespace) -> why torch's result is undefined


class Scope:
    """The live tensor variables (name -> torch's Meta) and fresh names; `probe(code)`
    evaluates an expression on torch's side and gives its Meta (None if it raises)."""

    def __init__(self, probe):
        self.pool = {}
        self.probe = probe
        self._count = 0

    def name(self, prefix):
        self._count += 1
        return f"{prefix}{self._count}"

    def pick(self, rng, ok=lambda m: True):
        names = [n for n, m in self.pool.items() if ok(m)]
        return rng.choice(names) if names else None
