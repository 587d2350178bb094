"""Convolution columns on the CPU: im2col and its adjoint col2im, over channels-last data.

Everything is 3-D spatial here (a 1-D or 2-D convolution has size-1 dims with kernel 1,
stride 1, dilation 1 and no padding). x is (N, D, H, W, C) of any strides; the columns
are (G, N * oD * oH * oW, kD * kH * kW * C/G), row (n, od, oh, ow), column (kd, kh, kw,
c), C-contiguous: the layout one tall GEMM per group reads. Padding is written as zeros
(im2col) or never read (col2im), so no padded copy of the input is made. Both walk a
channel run at a time through row views indexed from 0 (no negative-index checks).
"""
import numba as nb

_JIT = dict(cache=True, nogil=True, error_model="numpy", boundscheck=False)


@nb.njit(**_JIT, parallel=True)
def im2col(x, cols, kernel, stride, dilation, pad, count):
    """cols = the windows of x, zero outside it (see the module's layouts)."""
    n_, d_, h_, w_, c_ = x.shape
    groups = cols.shape[0]
    cg = c_ // groups
    kd, kh, kw = kernel
    od, oh, ow = count
    for r in nb.prange(n_ * od):
        n = r // od
        z = r - n * od
        for y in range(oh):
            for v in range(ow):
                m = (r * oh + y) * ow + v
                for g in range(groups):
                    dst = cols[g, m]
                    col = 0
                    for a in range(kd):
                        iz = z * stride[0] - pad[0] + a * dilation[0]
                        for b in range(kh):
                            iy = y * stride[1] - pad[1] + b * dilation[1]
                            for e in range(kw):
                                ix = v * stride[2] - pad[2] + e * dilation[2]
                                if 0 <= iz < d_ and 0 <= iy < h_ and 0 <= ix < w_:
                                    src = x[n, iz, iy, ix]
                                    start = g * cg
                                    for q in range(cg):
                                        dst[col + q] = src[start + q]
                                else:
                                    for q in range(cg):
                                        dst[col + q] = 0
                                col += cg


@nb.njit(**_JIT, parallel=True)
def col2im(cols, out, kernel, stride, dilation, pad, count):
    """out (N, D, H, W, C), C-contiguous = the sum, at each position, of the columns that
    read it: a gather per output element, so threads never write the same place."""
    n_, d_, h_, w_, c_ = out.shape
    groups = cols.shape[0]
    cg = c_ // groups
    kd, kh, kw = kernel
    od, oh, ow = count
    for r in nb.prange(n_ * d_):
        n = r // d_
        iz = r - n * d_
        for iy in range(h_):
            for ix in range(w_):
                dst = out[n, iz, iy, ix]
                for q in range(c_):
                    dst[q] = 0
                for a in range(kd):
                    tz = iz + pad[0] - a * dilation[0]
                    if tz < 0 or tz % stride[0]:
                        continue
                    z = tz // stride[0]
                    if z >= od:
                        continue
                    for b in range(kh):
                        ty = iy + pad[1] - b * dilation[1]
                        if ty < 0 or ty % stride[1]:
                            continue
                        y = ty // stride[1]
                        if y >= oh:
                            continue
                        for e in range(kw):
                            tx = ix + pad[2] - e * dilation[2]
                            if tx < 0 or tx % stride[2]:
                                continue
                            v = tx // stride[2]
                            if v >= ow:
                                continue
                            m = ((n * od + z) * oh + y) * ow + v
                            col = ((a * kh + b) * kw + e) * cg
                            for g in range(groups):
                                src = cols[g, m]
                                start = g * cg
                                for q in range(cg):
                                    dst[start + q] += src[col + q]
