"""The deprecated size_average/reduce pair of the losses, mapped to a reduction as torch
maps it (each of the two defaults to True), with torch's deprecation warning."""
from ..user_warnings import warn


def legacy_get_string(size_average, reduce, emit_warning=True):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warn("size_average and reduce args will be deprecated, please use "
             f"reduction='{reduction}' instead.")
    return reduction


def reduction_of(size_average, reduce, reduction):
    """`reduction`, unless the caller passed either legacy argument."""
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    return reduction
