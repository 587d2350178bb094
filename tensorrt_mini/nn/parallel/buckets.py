"""How DistributedDataParallel groups gradients for all-reduce: flat buckets of one dtype
and device, filled in reverse parameter order (the order backward usually produces the
gradients), each closed once it holds at least its byte cap."""
from ...creation import zeros

_MIB = 1024 * 1024
DEFAULT_CAP_MB = 25
FIRST_BUCKET_BYTES = _MIB  # torch's smaller first bucket, so communication starts early


def byte_caps(bucket_cap_mb):
    """(first bucket's cap, every later one's) in bytes. As torch, the small first bucket
    is used only when bucket_cap_mb is left at its default."""
    if bucket_cap_mb is None:
        return FIRST_BUCKET_BYTES, DEFAULT_CAP_MB * _MIB
    cap = int(bucket_cap_mb * _MIB)
    return cap, cap


def assign(tensors, caps):
    """Lists of indices into `tensors`, one per bucket. A bucket takes tensors of one
    (dtype, device) in the given order until its size reaches the cap: caps[0] for the
    first bucket closed for that kind, caps[1] afterwards. The buckets are ordered by
    their first index."""
    open_buckets = {}  # (dtype, device) -> [indices, bytes, buckets closed so far]
    closed = []
    for i, t in enumerate(tensors):
        kind = (t.dtype, t.device)
        bucket = open_buckets.setdefault(kind, [[], 0, 0])
        bucket[0].append(i)
        bucket[1] += t.numel() * t.element_size()
        if bucket[1] >= caps[min(bucket[2], 1)]:
            closed.append(bucket[0])
            open_buckets[kind] = [[], 0, bucket[2] + 1]
    closed.extend(b[0] for b in open_buckets.values() if b[0])
    return sorted(closed, key=lambda indices: indices[0])


class Bucket:
    """One flat gradient buffer and a view of it shaped as each of its parameters."""

    def __init__(self, params):
        first = params[0]
        self.params = params
        self.flat = zeros(sum(p.numel() for p in params), dtype=first.dtype,
                          device=first.device)
        self.views = []
        offset = 0
        for p in params:
            n = p.numel()
            self.views.append(self.flat[offset:offset + n].view(p.shape))
            offset += n
        self.pending = len(params)
        self.work = None

    def __len__(self):
        return len(self.params)


def make_buckets(params, caps):
    """Buckets over `params` (module order), filled from the last parameter backwards."""
    backwards = params[::-1]
    return [Bucket([backwards[i] for i in indices]) for indices in assign(backwards, caps)]
