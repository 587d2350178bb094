"""The cpu's CTC kernels against the definition: the probability of a target is the sum,
over every frame-by-frame path that collapses to it (repeats merged, then blanks
dropped), of the product of the path's probabilities."""
import itertools
import math

import numpy as np

import tensorrt_mini as tm
from tensorrt_mini.backends import cpu

RNG = np.random.default_rng(5)
STEPS, CLASSES, BLANK = 4, 3, 0


def collapse(path):
    merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
    return tuple(c for c in merged if c != BLANK)


def brute_force_nll(log_probs, target, length):
    total = sum(math.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
                for path in itertools.product(range(CLASSES), repeat=length)
                if collapse(path) == tuple(target))
    return -math.log(total) if total else math.inf


def ctc(log_probs, targets, input_lengths, target_lengths, grad_nll):
    labels = np.concatenate(targets).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(target_lengths)[:-1])).astype(np.int64)
    args = (tm.tensor(log_probs), tm.tensor(labels), tm.tensor(starts),
            tm.tensor(input_lengths), tm.tensor(target_lengths))
    batch = log_probs.shape[1]
    nll = tm.empty(batch, dtype=tm.float64)
    log_alpha = tm.empty(batch, STEPS, 2 * max(target_lengths) + 1, dtype=tm.float64)
    cpu.ctc_loss(nll, log_alpha, *args, BLANK)
    grad = tm.empty(*log_probs.shape, dtype=tm.float64)
    cpu.ctc_loss_backward(grad, *args, BLANK, log_alpha, nll, tm.tensor(grad_nll), False)
    return np.asarray(nll), np.asarray(grad)


def test_loss_and_gradient_match_the_sum_over_paths():
    logits = RNG.standard_normal((STEPS, 3, CLASSES))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets, lengths = [[1, 1], [2], [1, 2]], [4, 4, 3]
    grad_nll = np.array([1.0, 2.0, 0.5])
    nll, grad = ctc(log_probs, targets, lengths, [len(t) for t in targets], grad_nll)
    for b, (target, length) in enumerate(zip(targets, lengths)):
        assert math.isclose(nll[b], brute_force_nll(log_probs[:, b], target, length),
                            rel_tol=1e-12)
        # the gradient for the logits behind log_softmax, by central differences
        want = np.zeros((STEPS, CLASSES))
        for t, c in itertools.product(range(STEPS), range(CLASSES)):
            step = np.zeros_like(logits[:, b])
            step[t, c] = 1e-6
            sides = []
            for sign in (1, -1):
                z = logits[:, b] + sign * step
                lp = z - np.log(np.exp(z).sum(-1, keepdims=True))
                sides.append(brute_force_nll(lp, target, length))
            want[t, c] = (sides[0] - sides[1]) / 2e-6 * grad_nll[b]
        np.testing.assert_allclose(grad[:, b], want, atol=1e-7)
        assert not grad[length:, b].any()  # frames past the sequence's length
