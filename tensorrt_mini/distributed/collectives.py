"""The collectives, torch.distributed's signatures: tensors in, the group's backend for
their device type does the communication.

src/dst are global ranks (group_src/group_dst: ranks within `group`), as in torch. A rank
outside `group` returns None at once. With async_op=True each returns a Work; otherwise
None, once the tensors hold the result.
"""
import warnings

from .._tensor import empty_tensor
from ..autograd import no_grad
from ..ops.joining import cat
from . import checks
from .process_group import GroupMember, resolve, state
from .reduce_op import ReduceOp, as_red_op
from .work import Work


# -- shared steps --------------------------------------------------------------------

def _member(group, what):
    pg = resolve(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        warnings.warn(f"Running {what} on global rank {state.world.rank()} which does not "
                      "belong to the given group.")
        return None
    return pg


def group_rank(pg, global_rank, group_rank_):
    """The rank within pg from a global rank or a group rank (exactly one given)."""
    if group_rank_ is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        if not 0 <= group_rank_ < pg.size():
            raise ValueError(f"Group rank {group_rank_} is not part of group {pg.ranks}")
        return group_rank_
    if global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    if global_rank not in pg.ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg.ranks}")
    return pg.ranks.index(global_rank)


def _check(pg, what, t, with_shape=True):
    if state.debug:
        checks.check_across_ranks(pg, what, t, with_shape)


def then(work, step, result=None):
    """Run step once work is done: now for a blocking call (work None), else in wait()."""
    if work is None:
        step()
        return None
    return Work(work.wait, work.is_completed, step, work.result() if result is None else result)


def _flat(like, n):
    return empty_tensor((n,), like._dtype, like._storage.device)


def _copy_parts(flat, tensors):
    """flat's consecutive parts into tensors (each its numel)."""
    start = 0
    with no_grad():
        for t in tensors:
            n = t.numel()
            t.copy_(flat[start:start + n].reshape(t._shape))
            start += n


def _cat_flat(tensors):
    with no_grad():
        return cat([t.reshape(-1) for t in tensors])


def _same_dtype(a, b, what):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"{what}: output tensor must have the same type as input tensor "
                           f"({a._dtype} vs {b._dtype})")


def _check_parts(pg, what, list_name, parts, role, whole, part_dtype_first):
    """One part per rank, each of whole's dtype and size (the per-rank lists of all_gather,
    gather, scatter and reduce_scatter); part_dtype_first: the order in which a dtype
    mismatch names the two."""
    if len(parts) != pg.size():
        raise ValueError(f"{what}: {list_name} has {len(parts)} tensors for a group of "
                         f"{pg.size()} ranks")
    for t in parts:
        _same_dtype(*((t, whole) if part_dtype_first else (whole, t)), what)
        if t.numel() != whole.numel():
            raise ValueError(f"{what}: {list_name} holds a tensor of shape {list(t.shape)} "
                             f"for {role} of shape {list(whole.shape)}")


# -- collectives ---------------------------------------------------------------------

def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    pg = _member(group, "barrier")
    if pg is None:
        return None
    return pg.host.barrier(async_op)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    checks.check_tensor(tensor)
    pg = _member(group, "all_reduce")
    if pg is None:
        return None
    op = as_red_op(op)
    _check(pg, "all_reduce", tensor)
    return pg.backend_for(tensor._storage.device.type).all_reduce(tensor, op, async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    checks.check_tensor(tensor)
    pg = _member(group, "broadcast")
    if pg is None:
        return None
    root = group_rank(pg, src, group_src)
    _check(pg, "broadcast", tensor)
    return pg.backend_for(tensor._storage.device.type).broadcast(tensor, root, async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    checks.check_tensor(tensor)
    pg = _member(group, "reduce")
    if pg is None:
        return None
    root = group_rank(pg, dst, group_dst)
    op = as_red_op(op)
    _check(pg, "reduce", tensor)
    return pg.backend_for(tensor._storage.device.type).reduce(tensor, root, op, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    checks.check_tensor(output_tensor, "output_tensor")
    checks.check_tensor(input_tensor, "input_tensor")
    pg = _member(group, "all_gather_into_tensor")
    if pg is None:
        return None
    _same_dtype(output_tensor, input_tensor, "all_gather_into_tensor")
    if output_tensor.numel() != pg.size() * input_tensor.numel():
        raise ValueError("output tensor size must be equal to world_size times input tensor "
                         f"size ({output_tensor.numel()} vs {pg.size()} x {input_tensor.numel()})")
    _check(pg, "all_gather_into_tensor", input_tensor)
    backend = pg.backend_for(input_tensor._storage.device.type)
    return backend.all_gather(output_tensor, input_tensor, async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    checks.check_tensor_list(tensor_list, "tensor_list")
    checks.check_tensor(tensor)
    pg = _member(group, "all_gather")
    if pg is None:
        return None
    _check_parts(pg, "all_gather", "tensor_list", tensor_list, "an input", tensor, True)
    _check(pg, "all_gather", tensor)
    flat = _flat(tensor, pg.size() * tensor.numel())
    work = pg.backend_for(tensor._storage.device.type).all_gather(flat, tensor, async_op)
    return then(work, lambda: _copy_parts(flat, tensor_list), list(tensor_list))


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    checks.check_tensor(tensor)
    pg = _member(group, "gather")
    if pg is None:
        return None
    root = group_rank(pg, dst, group_dst)
    if pg.rank() == root:
        checks.check_tensor_list(gather_list, "gather_list")
        _check_parts(pg, "gather", "gather_list", gather_list, "an input", tensor, True)
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    _check(pg, "gather", tensor)
    backend = pg.backend_for(tensor._storage.device.type)
    if pg.rank() != root:
        return backend.gather(None, tensor, root, async_op)
    flat = _flat(tensor, pg.size() * tensor.numel())
    work = backend.gather(flat, tensor, root, async_op)
    return then(work, lambda: _copy_parts(flat, gather_list), list(gather_list))


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    checks.check_tensor(tensor)
    pg = _member(group, "scatter")
    if pg is None:
        return None
    root = group_rank(pg, src, group_src)
    flat = None
    if pg.rank() == root:
        checks.check_tensor_list(scatter_list, "scatter_list")
        _check_parts(pg, "scatter", "scatter_list", scatter_list, "an output", tensor, True)
        flat = _cat_flat(scatter_list)
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    _check(pg, "scatter", tensor)
    return pg.backend_for(tensor._storage.device.type).scatter(tensor, flat, root, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    checks.check_tensor(output, "output")
    checks.check_tensor(input, "input")
    pg = _member(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    _same_dtype(output, input, "reduce_scatter_tensor")
    if input.numel() != pg.size() * output.numel():
        raise ValueError("input tensor must be the same size as output size times world size "
                         f"({input.numel()} vs {pg.size()} x {output.numel()})")
    op = as_red_op(op)
    _check(pg, "reduce_scatter_tensor", input)
    backend = pg.backend_for(input._storage.device.type)
    return backend.reduce_scatter(output, input, op, async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    checks.check_tensor(output, "output")
    checks.check_tensor_list(input_list, "input_list")
    pg = _member(group, "reduce_scatter")
    if pg is None:
        return None
    _check_parts(pg, "reduce_scatter", "input_list", input_list, "an output", output, False)
    op = as_red_op(op)
    _check(pg, "reduce_scatter", output)
    backend = pg.backend_for(output._storage.device.type)
    return backend.reduce_scatter(output, _cat_flat(input_list), op, async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    checks.check_tensor(output, "output")
    checks.check_tensor(input, "input")
    pg = _member(group, "all_to_all_single")
    if pg is None:
        return None
    _same_dtype(output, input, "all_to_all_single")
    out_counts = _split_counts(output, output_split_sizes, pg.size(), "output")
    in_counts = _split_counts(input, input_split_sizes, pg.size(), "input")
    _check(pg, "all_to_all_single", input, with_shape=False)
    backend = pg.backend_for(input._storage.device.type)
    return backend.all_to_all(output, out_counts, input, in_counts, async_op)


def _split_counts(t, splits, size, name):
    """Element counts per rank of t split along dim 0 (equal parts when splits is None)."""
    rows = t._shape[0] if t._shape else 1
    per_row = t.numel() // rows if rows else 0
    if splits is None or len(splits) == 0:
        if rows % size:
            raise ValueError(f"all_to_all_single: the {name}'s first dimension ({rows}) is not "
                             f"divisible by the group size ({size})")
        return [rows // size * per_row] * size
    splits = [int(s) for s in splits]
    if len(splits) != size or sum(splits) != rows:
        raise ValueError(f"all_to_all_single: {name}_split_sizes {splits} must have "
                         f"{size} entries summing to the {name}'s first dimension ({rows})")
    return [s * per_row for s in splits]
