"""The connectionist temporal classification loss on the CPU, in log space.

Each sequence's targets l (length L) are read as the extended labels l' = (blank, l1,
blank, l2, ..., lL, blank), of length 2L + 1. alpha[t, s] is the log-probability of all
alignments of the first t + 1 frames that end in l'_s; beta[t, s] that of the frames
from t on that start in l'_s. The loss is -log(alpha[T-1, 2L] + alpha[T-1, 2L-1]), and
the gradient torch gives for the log-probabilities, exp(lp) - exp(log(sum over s with
l'_s = c of alpha * beta) + nll - lp), is the one with respect to the logits a
log_softmax made them from.
"""
import math

import numba as nb
import numpy as np

_JIT = dict(cache=True, nogil=True, error_model="numpy")


@nb.njit(**_JIT)
def _log_add(a, b):
    m = max(a, b)
    if m == -np.inf:
        return m
    return m + math.log(math.exp(a - m) + math.exp(b - m))


@nb.njit(**_JIT)
def _label(targets, start, s, blank):
    return blank if s % 2 == 0 else targets[start + s // 2]


@nb.njit(**_JIT)
def _skips(targets, start, s):
    """Whether an alignment may jump from l'_{s-2} to l'_s: s is a label that differs
    from the label before it."""
    return s % 2 == 1 and s > 1 and targets[start + s // 2] != targets[start + s // 2 - 1]


@nb.njit(**_JIT)
def forward(lp, targets, starts, input_lengths, target_lengths, blank, log_alpha, nll):
    """nll[b] and log_alpha[b, :T_b, :2L_b + 1] for each sequence b. lp: (T, N, C);
    targets: flat, sequence b's at starts[b]; log_alpha: (N, T, 2 max(L) + 1)."""
    for b in range(lp.shape[1]):
        length, start = input_lengths[b], starts[b]
        extended = 2 * target_lengths[b] + 1
        la = log_alpha[b]
        la[:, :] = -np.inf
        if length == 0:
            nll[b] = 0.0 if extended == 1 else np.inf
            continue
        la[0, 0] = lp[0, b, blank]
        if extended > 1:
            la[0, 1] = lp[0, b, targets[start]]
        for t in range(1, length):
            for s in range(extended):
                a = la[t - 1, s]
                if s > 0:
                    a = _log_add(a, la[t - 1, s - 1])
                if _skips(targets, start, s):
                    a = _log_add(a, la[t - 1, s - 2])
                la[t, s] = a + lp[t, b, _label(targets, start, s, blank)]
        end = la[length - 1, extended - 1]
        if extended > 1:
            end = _log_add(end, la[length - 1, extended - 2])
        nll[b] = -end


@nb.njit(**_JIT)
def backward(lp, targets, starts, input_lengths, target_lengths, blank, log_alpha, nll,
             grad_nll, zero_infinity, grad):
    """grad (T, N, C), zero-filled by the caller: each sequence's gradient, scaled by
    grad_nll[b]; frames past a sequence's length, and with zero_infinity sequences no
    alignment fits, keep 0."""
    classes = lp.shape[2]
    lb = np.empty((lp.shape[0], log_alpha.shape[2]), lp.dtype)
    lcab = np.empty(classes, np.float64)
    for b in range(lp.shape[1]):
        length, start = input_lengths[b], starts[b]
        extended = 2 * target_lengths[b] + 1
        if length == 0 or (zero_infinity and nll[b] == np.inf):
            continue
        lb[:, :] = -np.inf
        last = length - 1
        lb[last, extended - 1] = lp[last, b, blank]
        if extended > 1:
            lb[last, extended - 2] = lp[last, b, targets[start + target_lengths[b] - 1]]
        for t in range(last - 1, -1, -1):
            for s in range(extended):
                a = lb[t + 1, s]
                if s + 1 < extended:
                    a = _log_add(a, lb[t + 1, s + 1])
                if s + 2 < extended and _skips(targets, start, s + 2):
                    a = _log_add(a, lb[t + 1, s + 2])
                lb[t, s] = a + lp[t, b, _label(targets, start, s, blank)]
        la = log_alpha[b]
        scale = grad_nll[b]
        for t in range(length):
            lcab[:] = -np.inf
            for s in range(extended):
                c = _label(targets, start, s, blank)
                lcab[c] = _log_add(lcab[c], la[t, s] + lb[t, s])
            for c in range(classes):
                x = lp[t, b, c]
                grad[t, b, c] = (math.exp(x) - math.exp(lcab[c] + nll[b] - x)) * scale
