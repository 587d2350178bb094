"""Point to point: send, recv, isend, irecv (torch's signatures; dst/src global ranks)."""
from . import checks
from .collectives import _member, group_rank


def _peer(tensor, pg, rank, group_rank_, what):
    checks.check_tensor(tensor)
    peer = group_rank(pg, rank, group_rank_)
    if peer == pg.rank():
        raise ValueError(f"Invalid {what} rank: {what} rank should not be the same as the rank "
                         "of the current process.")
    return peer


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    pg = _member(group, "send")
    if pg is None:
        return None
    peer = _peer(tensor, pg, dst, group_dst, "destination")
    pg.backend_for(tensor._storage.device.type).send(tensor, peer, tag, False)


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    pg = _member(group, "isend")
    if pg is None:
        return None
    peer = _peer(tensor, pg, dst, group_dst, "destination")
    return pg.backend_for(tensor._storage.device.type).send(tensor, peer, tag, True)


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """src None: from any rank. Returns the sender's global rank (-1 outside the group)."""
    pg = _member(group, "recv")
    if pg is None:
        return -1
    checks.check_tensor(tensor)
    peer = None
    if src is not None or group_src is not None:
        peer = _peer(tensor, pg, src, group_src, "source")
    source = pg.backend_for(tensor._storage.device.type).recv(tensor, peer, tag, False)
    return pg.ranks[source]


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    pg = _member(group, "irecv")
    if pg is None:
        return None
    checks.check_tensor(tensor)
    peer = None
    if src is not None or group_src is not None:
        peer = _peer(tensor, pg, src, group_src, "source")
    return pg.backend_for(tensor._storage.device.type).recv(tensor, peer, tag, True)
