"""Sorting, scans and searches (sort, topk, cumsum, searchsorted), written once over an array module: numpy for the cpu,
CuPy for cuda (whose sort, scan and search run CUB and Thrust on the GPU; nothing goes
through the host). Both backends call these with their views of tensors as arrays.

Order is torch's: sorts are stable, nan sorts above every number, and a descending
sort keeps equal elements in their original order.
"""


def sort(xp, values, indices, x, axis, descending):
    """values, indices (arrays of x's shape) := x sorted along axis, and where each came
    from."""
    topk(xp, values, indices, x, axis, x.shape[axis], descending)


def topk(xp, values, indices, x, axis, k, largest):
    """values, indices (x's shape with k along axis) := the k smallest (or largest) of x
    along axis, in order, and where each came from."""
    n = x.shape[axis]
    key = _sort_key(xp, x, n)
    if key is not None:  # a fast unstable sort of (key, position) pairs, all distinct
        if largest:
            key = ~key
        shape = [1] * x.ndim
        shape[axis] = n
        position = xp.arange(n, dtype=xp.uint64).reshape(shape)
        pairs = (key.astype(xp.uint64) << xp.uint64(32)) | position
        if k < n:  # only the first k need sorting
            pairs = xp.take(xp.partition(pairs, k - 1, axis=axis), xp.arange(k), axis=axis)
        order = (xp.sort(pairs, axis=axis) & xp.uint64(0xFFFFFFFF)).astype(xp.int64)
    elif largest:  # reverse an ascending sort of the reversed input: ties stay in order
        order = (n - 1) - xp.flip(xp.argsort(xp.flip(x, axis), axis=axis, kind="stable"), axis)
    else:
        order = xp.argsort(x, axis=axis, kind="stable")
    if order.shape[axis] != k:
        order = xp.take(order, xp.arange(k), axis=axis)
    indices[...] = order
    values[...] = xp.take_along_axis(x, order, axis)


def _sort_key(xp, x, n):
    """uint32 keys that order as torch orders x (-0.0 equal to 0.0, every nan equal and
    above +inf), for dtypes of 32 bits or fewer and rows of n < 2^32; None otherwise."""
    if x.dtype.itemsize > 4 or n >= 1 << 32:
        return None
    if x.dtype.kind == "f":
        x = xp.where(xp.isnan(x), xp.float32("nan"), x.astype(xp.float32) + xp.float32(0))
        bits = x.view(xp.uint32)
        # flip the sign bit of positives and every bit of negatives: unsigned order
        return bits ^ xp.where(bits >> xp.uint32(31), xp.uint32(0xFFFFFFFF),
                               xp.uint32(0x80000000))
    return x.astype(xp.int32).view(xp.uint32) ^ xp.uint32(0x80000000)


def cumulative(xp, name, out, x, axis, accumulate):
    """out := the running sum ("cumsum"), product ("cumprod"), maximum ("cummax"),
    minimum ("cummin", both keeping the first nan) or log-sum-exp ("logcumsumexp") of x
    along axis, computed in the dtype `accumulate` and then cast to out's."""
    if name in ("cumsum", "cumprod"):
        out[...] = (xp.cumsum if name == "cumsum" else xp.cumprod)(x, axis=axis, dtype=accumulate)
        return
    ufunc = {"cummax": xp.maximum, "cummin": xp.minimum, "logcumsumexp": xp.logaddexp}[name]
    out[...] = ufunc.accumulate(x.astype(accumulate, copy=False), axis=axis)


def searchsorted(xp, out, sorted_rows, values, right):
    """out := for each row of values (2-D, rows matching sorted_rows'), the insertion
    points into that row of sorted_rows (1-D: one row for all)."""
    side = "right" if right else "left"
    if sorted_rows.ndim == 1:
        out[...] = xp.searchsorted(sorted_rows, values, side=side)
        return
    for r in range(sorted_rows.shape[0]):  # CuPy and numpy search one sorted row per call
        out[r] = xp.searchsorted(sorted_rows[r], values[r], side=side)
