"""A parallel fill of a contiguous buffer.

numpy's `fill` runs on one thread: a 16 MiB float32 fill took 1.0 ms where torch's
two threads took 0.26 ms, and this kernel 0.17-0.34 ms (2-vCPU machine, bench/NOTES.md).
Below a few hundred KiB one thread is as fast, and waking the pool costs more.
"""
import numba as nb

CHUNK = 1 << 16  # elements per work item


@nb.njit(cache=True, nogil=True, parallel=True)
def fill_par(z, value):
    n = z.shape[0]
    for c in nb.prange((n + CHUNK - 1) // CHUNK):
        lo = c * CHUNK
        zs = z[lo:min(lo + CHUNK, n)]  # sliced from 0: the loop's indices stay plain and vectorise
        for i in range(zs.shape[0]):
            zs[i] = value
