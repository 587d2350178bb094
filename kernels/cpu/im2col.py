"""Convolution columns on the CPU: im2col and its adjoint col2im, over channels-last data.

Everything is 3-D spatial here (a 1-D or 2-D convolution has size-1 dims with kernel 1,
stride 1, dilation 1 and no padding). x is (N, D, H, W, C), C-contiguous; the columns
are (G, N * oD * oH * oW, kD * kH * kW * C/G), row (n, od, oh, ow), column (kd, kh, kw,
c), C-contiguous: the layout one tall GEMM per group reads. Padding is written as zeros
(im2col) or never read (col2im), so no padded copy of the input is made. Both walk a
channel run at a time through row views indexed from 0 (no negative-index checks).
"""
import numba as nb

_JIT = dict(cache=True, nogil=True, error_model="numpy", boundscheck=False)
# channel runs shorter than this are copied element by element: building the row views
# costs more than the copy (a first layer's 1-3 channels); longer ones go by views
_SHORT = 8


@nb.njit(**_JIT, parallel=True)
def im2col(x, cols, kernel, stride, dilation, pad, count):
    """cols = the windows of x, zero outside it (see the module's layouts)."""
    n_, d_, h_, w_, c_ = x.shape
    groups = cols.shape[0]
    cg = c_ // groups
    kd, kh, kw = kernel
    od, oh, ow = count
    for r in nb.prange(n_ * od * oh):  # one output row each: threads even for a batch of 1
        n = r // (od * oh)
        z = r // oh - n * od
        y = r - (r // oh) * oh
        for v in range(ow):
            m = r * ow + v
            for g in range(groups):
                dst = cols[g, m]
                col = 0
                for a in range(kd):
                    iz = z * stride[0] - pad[0] + a * dilation[0]
                    for b in range(kh):
                        iy = y * stride[1] - pad[1] + b * dilation[1]
                        for e in range(kw):
                            ix = v * stride[2] - pad[2] + e * dilation[2]
                            inside = 0 <= iz < d_ and 0 <= iy < h_ and 0 <= ix < w_
                            if cg < _SHORT:  # element by element: no views to build
                                for q in range(cg):
                                    dst[col + q] = x[n, iz, iy, ix, g * cg + q] if inside else 0
                            elif inside:
                                to = dst[col:col + cg]
                                src = x[n, iz, iy, ix, g * cg:(g + 1) * cg]
                                for q in range(cg):
                                    to[q] = src[q]
                            else:
                                dst[col:col + cg] = 0
                            col += cg


@nb.njit(**_JIT, parallel=True)
def col2im(cols, out, kernel, stride, dilation, pad, count):
    """out (N, D, H, W, C), C-contiguous = the sum, at each position, of the column
    entries that read it: im2col's walk, adding instead of reading. Each thread owns
    one image's channels of one group, so no two threads write the same place."""
    n_, d_, h_, w_, c_ = out.shape
    groups = cols.shape[0]
    cg = c_ // groups
    kd, kh, kw = kernel
    od, oh, ow = count
    for r in nb.prange(n_ * groups):
        n = r // groups
        g = r - n * groups
        out[n, :, :, :, g * cg:(g + 1) * cg] = 0
        for z in range(od):
            for y in range(oh):
                for v in range(ow):
                    src = cols[g, ((n * od + z) * oh + y) * ow + v]
                    col = 0
                    for a in range(kd):
                        iz = z * stride[0] - pad[0] + a * dilation[0]
                        for b in range(kh):
                            iy = y * stride[1] - pad[1] + b * dilation[1]
                            for e in range(kw):
                                ix = v * stride[2] - pad[2] + e * dilation[2]
                                if not (0 <= iz < d_ and 0 <= iy < h_ and 0 <= ix < w_):
                                    pass
                                elif cg < _SHORT:
                                    for q in range(cg):
                                        out[n, iz, iy, ix, g * cg + q] += src[col + q]
                                else:
                                    to = out[n, iz, iy, ix, g * cg:(g + 1) * cg]
                                    fr = src[col:col + cg]
                                    for q in range(cg):
                                        to[q] += fr[q]
                                col += cg
