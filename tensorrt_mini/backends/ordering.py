"""Sorting, scans and searches (sort, cumsum, searchsorted), written once over an array module: numpy for the cpu,
CuPy for cuda (whose sort, scan and search run CUB and Thrust on the GPU; nothing goes
through the host). Both backends call these with their views of tensors as arrays.

Order is torch's: sorts are stable, nan sorts above every number, and a descending
sort keeps equal elements in their original order.
"""


def sort(xp, values, indices, x, axis, descending):
    """values, indices (arrays of x's shape) := x sorted along axis, and where each came
    from."""
    if descending:  # reverse an ascending sort of the reversed input: ties stay in order
        n = x.shape[axis]
        order = xp.flip(xp.argsort(xp.flip(x, axis), axis=axis, kind="stable"), axis)
        order = (n - 1) - order
    else:
        order = xp.argsort(x, axis=axis, kind="stable")
    indices[...] = order
    values[...] = xp.take_along_axis(x, order, axis)


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
