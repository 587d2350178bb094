"""Scatter with a reduction on the CPU: x[offsets[k]] = op(x[offsets[k]], values[k]) for k
in order, as torch's serial CPU loop goes (so float sums round as torch's do).

`op` is one of SUM, PROD, AMAX, AMIN (a nan met by amax or amin wins, as in torch), or
PUT (the value replaces the element)."""
import numba as nb

SUM, PROD, AMAX, AMIN, PUT = 0, 1, 2, 3, 4


@nb.njit(inline="always")
def _combine(x, o, v, op):
    if op == SUM:
        x[o] += v
    elif op == PROD:
        x[o] *= v
    elif op == AMAX:
        if v > x[o] or v != v:
            x[o] = v
    elif op == AMIN:
        if v < x[o] or v != v:
            x[o] = v
    else:
        x[o] = v


@nb.njit(cache=True, nogil=True)
def put_reduce(x, offsets, values, op):
    """x: the whole storage. Returns -1, or the position of the first offset outside x,
    having written nothing."""
    for k in range(offsets.shape[0]):
        if offsets[k] < 0 or offsets[k] >= x.shape[0]:
            return k
    for k in range(offsets.shape[0]):
        _combine(x, offsets[k], values[k], op)
    return -1


@nb.njit(cache=True, nogil=True)
def scatter_rows(out, index, src, op):
    """out[a, b, index[a, b, k]] = op(that element, src[a, b, k]): 3-D views of any
    strides, index and src of one shape, out's first two sizes at least index's. Returns
    -1, or the flat position in index of the first entry outside out's last dim, having
    written nothing."""
    n = out.shape[2]
    rows, cols, m = index.shape
    for a in range(rows):
        for b in range(cols):
            for k in range(m):
                if index[a, b, k] < 0 or index[a, b, k] >= n:
                    return (a * cols + b) * m + k
    for a in range(rows):
        for b in range(cols):
            row = out[a, b]
            for k in range(m):
                _combine(row, index[a, b, k], src[a, b, k], op)
    return -1
