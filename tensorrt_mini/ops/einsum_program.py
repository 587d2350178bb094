"""einsum's plan, recorded once per equation and operand shapes, then replayed.

The planner (ops/einsum.py) decides every view, sum and product from the operands'
shapes alone. Run once on `Traced` stand-ins, it leaves a `Program`: the tensor ops to
apply, in order. Replaying it on the real operands costs only those ops; on small
operands, working the plan out again each call cost several times the contraction.
"""
from ..layout import broadcast_shapes


class Program:
    """Steps (method name, the register it applies to, its arguments); registers 0..n-1
    hold the operands and each step's result takes the next register."""

    def __init__(self, shapes, dtype):
        self.steps = []
        self.dtype = dtype  # einsum's operands share one
        self.operands = [Traced(self, i, shape) for i, shape in enumerate(shapes)]
        self.result = None

    def record(self, name, source, args, shape):
        self.steps.append((name, source.register, args))
        return Traced(self, len(self.operands) + len(self.steps) - 1, shape)

    def run(self, operands):
        registers = list(operands)
        for name, source, args in self.steps:
            args = tuple(registers[a.register] if isinstance(a, Traced) else a for a in args)
            registers.append(getattr(registers[source], name)(*args))
        return registers[self.result.register]


class Traced:
    """A tensor-to-be during planning: its shape, and the register that will hold it."""

    def __init__(self, program, register, shape):
        self.program = program
        self.register = register
        self._shape = tuple(shape)

    @property
    def dtype(self):
        return self.program.dtype

    def _record(self, name, args, shape):
        return self.program.record(name, self, args, shape)

    def diagonal(self, offset, d1, d2):
        shape = [n for i, n in enumerate(self._shape) if i not in (d1, d2)]
        return self._record("diagonal", (offset, d1, d2), shape + [self._shape[d1]])

    def sum(self, dims=None):
        if dims is None:  # all of them
            return self._record("sum", (), [])
        return self._record("sum", (dims,), [n for i, n in enumerate(self._shape) if i not in dims])

    def permute(self, order):
        return self._record("permute", (order,), [self._shape[i] for i in order])

    def expand(self, shape):
        return self._record("expand", (shape,), shape)

    def reshape(self, shape):
        return self._record("reshape", (shape,), shape)

    def mul(self, other):
        return self._record("mul", (other,), broadcast_shapes(self._shape, other._shape))

    def matmul(self, other):
        # as einsum uses it: (batch, m, k) @ (batch, k, n), the batches broadcast
        batch = broadcast_shapes(self._shape[:-2], other._shape[:-2])
        return self._record("matmul", (other,), [*batch, self._shape[-2], other._shape[-1]])
