"""einsum: a contraction written as subscripts, done with views, sums and matmul.

Each operand's repeated subscripts become a diagonal (a view); a subscript that no other
operand and not the output has is summed out at once; then the operands are combined
left to right, each pair as one batched matmul (BLAS on the cpu, cuBLAS on cuda): the
subscripts both keep are the batch, the ones both lose are contracted. Size-1 dims
broadcast, as in torch. Autograd differentiates the views, sums and matmuls it is made of.
The plan depends only on the equation and the operands' shapes and dtype, so it is worked
out once for them and replayed (ops/einsum_program.py).
"""
import functools
import math
import string

from ..layout import broadcast_shapes
from .elementwise import _TORCH_TYPE_NAMES
from .autocast import autocast_op
from .einsum_program import Program

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # torch's implicit output order


@autocast_op
def einsum(equation, *operands):
    """einsum("bij,bjk->bik", a, b); operands may also come as one list, or in the sublist
    form einsum(a, [0, 1], b, [1, 2], [0, 2])."""
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation,) + operands)
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    _check_dtypes(operands)
    dtype = operands[0]._dtype if operands else None
    return _plan(equation, tuple(x._shape for x in operands), dtype).run(operands)


@functools.lru_cache(maxsize=512)
def _plan(equation, shapes, dtype):
    """The ops an equation applies to operands of these shapes and dtype, as a Program
    worked out once (on small operands this bookkeeping costs more than the contraction
    itself)."""
    inputs, output = _parse(equation, len(shapes))
    diagonals, labels, sizes = _label(inputs, shapes)
    output = _output_labels(output, inputs, labels)
    program = Program(shapes, dtype)
    labelled = [(_take_diagonals(x, pairs), l)
                for x, pairs, l in zip(program.operands, diagonals, labels)]
    program.result = _contract(labelled, sizes, output)
    return program


def _check_dtypes(operands):
    dtype = operands[0]._dtype if operands else None
    for x in operands:
        if x._dtype is not dtype:
            raise RuntimeError(f"expected scalar type {_TORCH_TYPE_NAMES[dtype.name]} but found "
                               f"{_TORCH_TYPE_NAMES[x._dtype.name]}")


def _from_sublists(args):
    """The equation a sublist call spells: subscripts 0-51 are letters, Ellipsis '...'."""
    def spell(sublist):
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and 0 <= s < len(_LETTERS):
                out.append(_LETTERS[s])
            else:
                raise RuntimeError("einsum(): expected subscript to be within the range [0, 52), "
                                   f"but got {s}")
        return "".join(out)
    args = list(args)
    explicit = len(args) % 2 == 1
    pairs = args[:-1] if explicit else args
    operands = tuple(pairs[0::2])
    equation = ",".join(spell(s) for s in pairs[1::2])
    if explicit:
        equation += "->" + spell(args[-1])
    return equation, operands


def _parse(equation, n_operands):
    """([subscripts of each input, '.' for the ellipsis], output subscripts or None)."""
    spaced = equation
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    for i, c in enumerate(spaced):
        if not (c in _LETTERS or c in ".,-> "):
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               "string, subscripts must be in [a-zA-Z]")
    inputs = [_subscripts(s, f"operand {k}") for k, s in enumerate(lhs.split(","))]
    if len(inputs) > n_operands:
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(inputs) < n_operands:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    output = _subscripts(rhs, "output") if arrow else None
    if output is not None and "," in rhs:
        raise RuntimeError("einsum(): invalid subscript given at index "
                           f"{len(lhs) + 2 + rhs.index(',')} in the equation string, subscripts "
                           "must be in [a-zA-Z]")
    return inputs, output


def _subscripts(part, what):
    """The subscripts of one term, the ellipsis as '.'."""
    if part.count("...") > 1:
        raise RuntimeError(f"einsum(): found '.' for {what} for which an ellipsis was already "
                           "found")
    if part.replace("...", "").count("."):
        tail = " (...)" if what == "output" else ""
        raise RuntimeError(f"einsum(): found '.' for {what} that is not part of any "
                           f"ellipsis{tail}")
    return list(part.replace("...", "."))


def _label(inputs, shapes):
    """Each operand's labels: the ellipsis spread into labels (0, 1, ... from the right,
    shared by all operands) and repeated labels taken as a diagonal (the pairs of dims
    to take, in turn); and the size of each label after broadcasting."""
    diagonals, labelled = [], []
    for k, (subs, shape) in enumerate(zip(inputs, shapes)):
        named = [s for s in subs if s != "."]
        if "." in subs:
            if len(shape) < len(named):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(named)}) is more than the number of dimensions "
                                   f"({len(shape)}) for operand {k}")
            n = len(shape) - len(named)
            at = subs.index(".")
            labels = subs[:at] + list(range(n - 1, -1, -1)) + subs[at + 1:]
        else:
            if len(shape) != len(named):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(named)}) does not match the number of dimensions "
                                   f"({len(shape)}) for operand {k} and no ellipsis was given")
            labels = list(subs)
        pairs, shape, labels = _diagonals(k, list(shape), labels)
        diagonals.append(pairs)
        labelled.append((shape, labels))
    sizes = {}
    for k, (shape, labels) in enumerate(labelled):
        for label, n in zip(labels, shape):
            seen = sizes.get(label, 1)
            if n != 1 and seen != 1 and n != seen:
                what = (f"subscript {label}" if isinstance(label, str)
                        else "the ellipsis dims")
                raise RuntimeError(f"einsum(): {what} has size {n} for operand {k} which does "
                                   f"not broadcast with previously seen size {seen}")
            sizes[label] = seen if n == 1 else n
    return diagonals, [labels for _, labels in labelled], sizes


def _diagonals(k, shape, labels):
    """For each label that repeats, the two dims whose diagonal to take; then the shape
    and the distinct labels after those diagonals."""
    pairs = []
    while True:
        repeat = next((l for i, l in enumerate(labels) if l in labels[:i]), None)
        if repeat is None:
            return pairs, shape, labels
        d1 = labels.index(repeat)
        d2 = labels.index(repeat, d1 + 1)
        if shape[d1] != shape[d2]:
            raise RuntimeError(f"einsum(): subscript {repeat} is repeated for operand {k} but "
                               f"the sizes don't match, {shape[d2]} != {shape[d1]}")
        pairs.append((d1, d2))
        # the diagonal becomes the last dim
        shape = [n for i, n in enumerate(shape) if i not in (d1, d2)] + [shape[d1]]
        labels = [l for i, l in enumerate(labels) if i not in (d1, d2)] + [repeat]


def _take_diagonals(x, pairs):
    for d1, d2 in pairs:
        x = x.diagonal(0, d1, d2)
    return x


def _output_labels(output, inputs, labelled):
    """The output's labels: as written (the ellipsis spread), or, implicitly, the
    ellipsis then the subscripts used once, in torch's order (A-Z, then a-z)."""
    ellipsis = max((sum(1 for l in labels if not isinstance(l, str))
                    for labels in labelled), default=0)
    spread = list(range(ellipsis - 1, -1, -1))
    if output is None:
        counts = {}
        for subs in inputs:
            for s in subs:
                if s != ".":
                    counts[s] = counts.get(s, 0) + 1
        return spread + sorted((s for s, c in counts.items() if c == 1), key=_LETTERS.index)
    used = {s for subs in inputs for s in subs}
    for i, s in enumerate(output):
        if s == ".":
            continue
        if s not in used:
            raise RuntimeError(f"einsum(): output subscript {s} does not appear in the equation "
                               "for any input operand")
        if s in output[:i]:
            raise RuntimeError(f"einsum(): output subscript {s} appears more than once in the "
                               "output")
    if "." in output:
        at = output.index(".")
        return output[:at] + spread + output[at + 1:]
    return list(output)  # (without '...', torch sums the ellipsis dims away)


def _contract(labelled, sizes, output):
    """Combine the operands left to right; the result in the output's label order."""
    needed = [set(output)]  # the labels each step must keep: the output's and later ones'
    for _, labels in reversed(labelled[1:]):
        needed.insert(0, needed[0] | set(labels))
    x, labels = _sum_unneeded(*labelled[0], needed[0])
    for (y, y_labels), keep in zip(labelled[1:], needed[1:]):
        y, y_labels = _sum_unneeded(y, y_labels, keep | set(labels))
        x, labels = _pair(x, labels, y, y_labels, keep)
    x, labels = _sum_unneeded(x, labels, set(output))
    x = _permuted(x, [labels.index(l) for l in output])
    return _expanded(x, [sizes[l] for l in output])


def _sum_unneeded(x, labels, keep):
    """x summed over the labels not in keep."""
    drop = [i for i, l in enumerate(labels) if l not in keep]
    if not drop:
        return x, labels
    if len(drop) == len(labels):  # the whole reduction: a faster path than sum(all dims)
        return x.sum(), []
    return x.sum(drop), [l for i, l in enumerate(labels) if i not in drop]


def _pair(x, xl, y, yl, keep):
    """x and y multiplied and summed over their shared labels outside keep, as one batched
    matmul: (batch, x's own, summed) @ (batch, summed, y's own)."""
    shared = [l for l in xl if l in yl]
    batch = [l for l in shared if l in keep]
    summed = [l for l in shared if l not in keep]
    # a summed label of size 1 on one side broadcasts: sum the other side first
    for l in list(summed):
        nx, ny = x._shape[xl.index(l)], y._shape[yl.index(l)]
        if nx != ny:
            x, xl = _sum_unneeded(x, xl, set(xl) - {l})
            y, yl = _sum_unneeded(y, yl, set(yl) - {l})
            summed.remove(l)
    x_own = [l for l in xl if l not in yl]
    y_own = [l for l in yl if l not in xl]
    bshape = list(broadcast_shapes(tuple(x._shape[xl.index(l)] for l in batch),
                                   tuple(y._shape[yl.index(l)] for l in batch)))
    xs = [x._shape[xl.index(l)] for l in x_own]
    ys = [y._shape[yl.index(l)] for l in y_own]
    k = math.prod(x._shape[xl.index(l)] for l in summed)
    m, n = math.prod(xs), math.prod(ys)
    a = _permuted(x, [xl.index(l) for l in batch + x_own + summed])
    b = _permuted(y, [yl.index(l) for l in batch + summed + y_own])
    if summed and m == n == 1 and math.prod(bshape) == 1 and _sums_exactly(x.dtype):
        # one dot product: a sum of products (a (1, k) @ (k, 1) matmul costs several
        # times more)
        out = _reshaped(a, [k]).mul(_reshaped(b, [k])).sum()
        return _reshaped(out, bshape + xs + ys), batch + x_own + y_own
    a = _reshaped(_expanded(a, bshape + list(a._shape[len(batch):])), bshape + [m, k])
    # (an outer product without a batch broadcasts (m, 1) with (n,), which the
    # elementwise kernels run faster than with (1, n))
    b_shape = [n] if not summed and not bshape else bshape + [k, n]
    b = _reshaped(_expanded(b, bshape + list(b._shape[len(batch):])), b_shape)
    # nothing summed: an outer product per batch, elementwise (a matmul of k = 1 would
    # run one tiny BLAS call per batch element, and refuse bool)
    out = a.mul(b) if not summed else a.matmul(b)
    return _reshaped(out, bshape + xs + ys), batch + x_own + y_own


def _sums_exactly(dtype):
    """Whether a sum of products gives the dot product's dtype and rounding: not for
    integers (sum widens them), bool (torch refuses its matmul) or half types (whose
    matmul accumulates in float32)."""
    return dtype.is_floating_point and not dtype.is_half


# Each view op costs a dispatch (tens of microseconds on small operands, more than the
# contraction itself); these skip the ones that would change nothing.
def _permuted(x, order):
    return x if order == list(range(len(order))) else x.permute(order)


def _expanded(x, shape):
    return x if list(x._shape) == shape else x.expand(shape)


def _reshaped(x, shape):
    return x if list(x._shape) == shape else x.reshape(shape)
