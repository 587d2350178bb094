"""Running sums along rows on the CPU, each partial sum kept in float64 and rounded once
into the output, as torch's cpu cumsum does for float32: one pass, where numpy's
cumsum(dtype=float64) writes a float64 copy and casts it back."""
import numba as nb


@nb.njit(cache=True, nogil=True)
def cumsum_rows(x, out):
    """out[r, i] = x[r, 0] + ... + x[r, i]; x and out 2-D of any strides, one shape."""
    for r in range(x.shape[0]):
        total = 0.0
        for i in range(x.shape[1]):
            total += x[r, i]
            out[r, i] = total
