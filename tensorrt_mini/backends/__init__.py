"""Device backends: one op table per device type, with the same op names.

The Tensor front end checks devices, broadcasts, promotes dtypes and allocates outputs,
then calls the backend of the tensors' device. A backend never sees autograd and never
allocates a result the caller did not ask for (``binary_contig_new`` aside: it allocates
its own, to save a tiny op the calls). Every backend module provides:

Storage
- ``empty(numel, dtype, device) -> Storage``: uninitialised storage.
- ``from_host(array, device, non_blocking=False, dtype=None) -> Storage``: storage holding a
  contiguous 1-D numpy array (zero-copy where the device is the host; non_blocking, a GPU
  copy that may still run on return); dtype, the tm dtype when the array's own does not
  say it (bfloat16's uint16 bits).
- ``array_view(t)``: an array (numpy, or CuPy on a GPU) sharing view t's memory, of its
  storage's numpy type.
- ``to_host(t) -> np.ndarray``: the values of view ``t`` as a fresh, C-contiguous numpy
  array of ``t.shape``.
- ``gather_host(t, index_lists) -> np.ndarray``: ``to_host(t)[np.ix_(*index_lists)]``,
  copying only those elements (printing uses it).

Data ops. Operands are Tensors (views); outputs are allocated by the caller and may be
strided (in-place ops write through views). Shapes already agree (inputs are expanded to
the output's shape with stride 0 where they broadcast); inputs share one compute dtype.
- ``copy_(dst, src)``: elementwise copy with dtype conversion.
- ``fill_(dst, value)``.
- ``elementwise(op, outs, operands)``: every elementwise op's one path: ``op`` is a name in
  the catalog (``kernels/catalog.py``) or a ``kernels.scalar.Body`` (a user's
  ``tm.elementwise``); operands are views or numpy scalars, the last one's dtype the
  compute dtype; a body returning a tuple fills several outputs. ``unary``, ``binary``,
  ``binary_scalar`` and ``where`` below are its common forms.
- ``unary(name, out, x)``.
- ``binary(name, out, a, b)``; ``binary_scalar(name, out, a, value)`` with a Python scalar
  already converted to the compute dtype.
- ``binary_contig_new(name, a, b, n) -> Storage``: fresh storage holding ``binary``'s
  result where a and b are C-contiguous with ``n`` elements each (any storage offsets),
  of one dtype that the result keeps: the tiny-op hot path, the one op that allocates.
- ``where(out, cond, a, b)``.
- ``reduce(name, out, x, dims)`` and ``arg_reduce(name, values, indices, x, dim)``.
- ``fused_reduce(bodies, state_dtypes, identity, out, inputs)``: a user's reduction
  (``tm.reduction``) of (M, K) views into M outputs.
- ``matmul(out, a, b)``: batched (..., n, k) @ (..., k, m), batch dims already expanded.
- ``linalg(name, outs, inputs, options)``: a factorization or solve of batched matrices
  (``kernels/lapack.py`` names them: inv, solve, cholesky, qr, svd, eigh...) into outs,
  whose batch dims the inputs share; returns None, or (batch index, LAPACK info) of the
  first matrix the routine refused (singular, not positive-definite).
- ``fft(kind, out, x, sizes, dims, norm)``: out = a discrete Fourier transform of x
  (``kernels/fft.py`` names the kinds: c2c, c2c_inverse, r2c, c2r) over dims, each cut or
  padded to its size in sizes: pocketfft through numpy on the cpu, cuFFT through CuPy on
  cuda.
- ``take(out, x, offsets)`` / ``put_(x, offsets, values, accumulate)``: gather and scatter
  through int64 storage offsets (advanced indexing).
- ``put_reduce_(x, offsets, values, op)``: scatter combining each value with the element
  at its offset, op "sum", "prod", "amax" or "amin" (nan wins), repeats in order on the
  cpu (scatter_reduce and its family).
- ``sort(values, indices, x, dim, descending)``: stable, nan largest (torch's order);
  ``topk(values, indices, x, dim, k, largest)``: the first k of that order;
  ``cumulative(name, out, x, dim)``: cumsum, cumprod, cummax, cummin or logcumsumexp
  values; ``searchsorted(out, sorted_rows,
  values, right)``. Both backends run them through ``backends/ordering.py``.
- ``uniform_(t, low, high, generator)`` / ``normal_(t, mean, std, generator)`` /
  ``random_integers_(t, low, high, generator)``.
- ``sgd_step(...)`` / ``adam_step(...)``: fused optimizer updates (tensorrt_mini.optim).
- ``channel_moments(mean, var, x)``: the mean and biased variance of each row of x
  (A, R, B) over its A * B elements; ``plane_affine(out, x, scale, shift)``: x (N, C, S)
  times scale plus shift, one of each per plane ((N, C) or (1, C)): the two passes of
  batch, instance and group norm.
- ``rnn_layer(mode, y, hn, cn, ws, x, h0, c0, weights, batch_sizes, reverse)`` and
  ``rnn_layer_backward(mode, grads, x, weights, batch_sizes, reverse, y, ws, grad_y,
  grad_hn, grad_cn)``: one recurrent layer (RNN_TANH, RNN_RELU, LSTM, GRU) in one direction
  and its backward through time (``kernels/rnn.py``); ``batch_sizes`` (host ints, or None)
  are a packed sequence's rows per step.

float16 and bfloat16 tensors reach the backends through ``half.HalfAware``, which gives
every op float32 copies of them (``half.py``); a backend names in ``HALF_NATIVE`` the ops
it runs on half tensors itself.

``INTERFACE`` lists these names; a test checks that every backend provides each, with the
same parameters.

The cpu backend also has one-pass kernels for ops that the front end otherwise composes
from the interface; it calls them for cpu tensors only (``CPU_ONLY``), until the cuda
backend has its own:
- ``softmax(out, x, dim, log)``: softmax or log_softmax of a contiguous x;
- ``layer_norm(out, xhat, rstd, x, weight, bias, eps)``: over x's last dim;
- ``nll_pick(loss, picked, logp, target, weight, ignore_index)``: nll_loss's per-item
  terms (weight None: unweighted), returning the first target out of range, or None;
- ``ctc_loss(nll, log_alpha, log_probs, targets, starts, input_lengths, target_lengths,
  blank)`` and ``ctc_loss_backward(grad, ..., log_alpha, nll, grad_nll, zero_infinity)``:
  the CTC loss's alpha recursion and its alpha-beta gradient (cuda runs them on a host
  copy);
- ``take_along(out, x, dim, index)``: x's slices at ``index`` along dim (indices checked);
- ``flip(out, x, dims)`` and ``roll(out, x, shifts, dims)``;
- ``cat(out, parts, dim)``: parts joined along dim, cast to out's dtype;
- ``stack(out, parts, dim)``: parts of out's dtype stacked along a new dim;
- ``gather(out, x, dim, index)`` (index checked) and ``triangle(out, x, diagonal, lower)``
  (tril or triu);
- ``scatter_along(out, dim, index, src, op)``: scatter (op None) or scatter_reduce of at
  most 3-D views, the storage offsets worked out as it goes; returns the first index out
  of range, or None, having written nothing then;
- ``im2col(cols, x, kernel, stride, dilation, pad, count)`` and
  ``col2im(out, cols, kernel, stride, dilation, pad, count)``: a convolution's columns
  from channels-last data and their adjoint (nn/functional/conv.py);
- ``max_pool2d(values, indices, x, kernel, stride, pad, dilation)`` and
  ``max_pool2d_backward(grad_in, grad_out, indices)``: each window's maximum and its
  position in the plane, and the gradient added back there (nn/functional/pooling.py);
- ``matmul_spread(out, a, b)``: matmul of a batch of many small matrices, single-threaded
  BLAS calls over slices of the batch in a few threads (scaled_dot_product_attention);
- ``reduce_all(name, x, n)``: a fresh 1-element storage holding the reduction of all n > 0
  elements of C-contiguous x (``reduce`` without its general plan and checks).
- torch's CPU random draws (ops/sampling.py makes them from ``uniform_`` on cuda):
  ``random_bits_(t, generator)`` (random_() without bounds), ``bernoulli_(t, p, generator)``
  (p a float or a tensor of t's shape), ``exponential_(t, lambd, generator)``,
  ``randperm(n, generator)`` and ``multinomial(p, samples, generator)`` (numpy in and out).

The cuda backend has fused kernels that the cpu composes from the interface instead; the
front end calls them for cuda tensors only (``CUDA_ONLY``):
- ``flash_attention_forward(out, lse, q, k, v, scale, is_causal, tiles=None)`` and
  ``flash_attention_backward(dq, dk, dv, q, k, v, out, dout, lse, scale, is_causal,
  tiles=None)``: attention over contiguous (BH, L, E) / (BH, S, E) / (BH, S, Ev) heads of
  float32, float16 or bfloat16, without the L x S score matrix in memory, lse (BH, L) in
  float32 (nn/functional/flash_attention.py).
"""
import importlib

from .half import HalfAware

INTERFACE = ("empty", "from_host", "array_view", "to_host", "gather_host", "copy_", "fill_", "elementwise",
             "unary", "binary", "binary_scalar", "binary_contig_new", "where", "reduce",
             "arg_reduce", "fused_reduce", "matmul", "take", "put_", "put_reduce_", "sort",
             "topk", "cumulative", "searchsorted", "uniform_", "normal_", "random_integers_",
             "sgd_step", "adam_step", "linalg", "channel_moments", "plane_affine", "rnn_layer",
             "rnn_layer_backward", "fft")
CPU_ONLY = ("softmax", "layer_norm", "nll_pick", "take_along", "flip", "roll", "reduce_all",
            "gather", "triangle", "cat", "stack", "scatter_along", "random_bits_", "bernoulli_",
            "exponential_", "randperm", "multinomial", "ctc_loss", "ctc_loss_backward",
            "im2col", "col2im", "max_pool2d", "max_pool2d_backward", "matmul_spread")
CUDA_ONLY = ("flash_attention_forward", "flash_attention_backward")
_MODULES = {"cpu": "tensorrt_mini.backends.cpu", "cuda": "tensorrt_mini.backends.cuda"}
loaded = {}  # device type -> backend module, once imported (hot paths read it directly)


def get(device_type):
    """The backend module for a device type; cuda is imported on first use."""
    module = loaded.get(device_type)
    if module is None:
        if device_type == "cuda":
            from . import cuda_runtime
            cuda_runtime.runtime()  # says what is missing before the kernels' imports fail
        module = loaded[device_type] = HalfAware(importlib.import_module(_MODULES[device_type]))
    return module
