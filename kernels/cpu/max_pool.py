"""2-D max pooling on the CPU: each window's maximum and its flat position in the plane,
and the gradient added back at those positions.

Planes are (P, H, W) with P = N * C, C-contiguous. A window's element wins when it is
greater than the best so far or NaN, and the best starts at the dtype's lowest value with
the position of the window's first element inside the input: PyTorch's rule, so ties go
to the first maximum in window order and the values and indices equal torch's.
"""
import numba as nb

_JIT = dict(cache=True, nogil=True, error_model="numpy", boundscheck=False)


@nb.njit(**_JIT, parallel=True)
def max_pool2d(x, values, indices, lowest, kernel, stride, pad, dilation):
    """values, indices (P, OH, OW) = the max of each window of x (P, H, W) and its
    position h * W + w."""
    planes, h_, w_ = x.shape
    oh_, ow_ = values.shape[1], values.shape[2]
    for r in nb.prange(planes * oh_):  # one output row each
        p = r // oh_
        i = r - p * oh_
        top = i * stride[0] - pad[0]
        first_y = top
        while first_y < 0:
            first_y += dilation[0]
        for j in range(ow_):
            left = j * stride[1] - pad[1]
            first_x = left
            while first_x < 0:
                first_x += dilation[1]
            best = lowest
            where = first_y * w_ + first_x
            for a in range(kernel[0]):
                y = top + a * dilation[0]
                if y < 0 or y >= h_:
                    continue
                for b in range(kernel[1]):
                    xx = left + b * dilation[1]
                    if xx < 0 or xx >= w_:
                        continue
                    v = x[p, y, xx]
                    if v > best or v != v:
                        best = v
                        where = y * w_ + xx
            values[p, i, j] = best
            indices[p, i, j] = where


@nb.njit(**_JIT, parallel=True)
def max_pool2d_backward(grad_in, grad_out, indices):
    """grad_in (P, H * W), zeroed, += grad_out (P, K) at indices (P, K), a plane per
    thread (windows of one plane may share a maximum)."""
    for p in nb.prange(grad_in.shape[0]):
        for k in range(grad_out.shape[1]):
            grad_in[p, indices[p, k]] += grad_out[p, k]
