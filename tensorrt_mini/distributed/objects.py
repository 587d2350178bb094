"""Object collectives: picklable Python objects, through the group's host communicator
(MPI pickles them), whatever the tensors' backend."""
from .collectives import _member, group_rank


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """object_list's entries on src replace those of the same list on every rank."""
    pg = _member(group, "broadcast_object_list")
    if pg is None:
        return
    root = group_rank(pg, src, group_src)
    got = pg.host.objects("broadcast_object_list", "bcast",
                             list(object_list) if pg.rank() == root else None, root)
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {pg.ranks[root]} sent {len(got)} objects "
                         f"into a list of {len(object_list)}")
    object_list[:] = got


def all_gather_object(object_list, obj, group=None):
    """object_list (of group size) gets every rank's obj, in rank order."""
    pg = _member(group, "all_gather_object")
    if pg is None:
        return
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries for a "
                         f"group of {pg.size()} ranks")
    object_list[:] = pg.host.objects("all_gather_object", "allgather", obj)
