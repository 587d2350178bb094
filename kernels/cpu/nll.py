"""The negative log-likelihood's forward pass on the CPU: one read of each item's target
and its one log-probability, where a one-hot composite read the whole (N, C) input
several times and allocated as many copies of it."""
import numba as nb


@nb.njit(cache=True, nogil=True, error_model="numpy")
def pick(logp, target, weight, ignore, loss, picked):
    """loss[i] = -logp[i, t] * weight[t] and picked[i] = weight[t] for t = target[i], or 0
    and 0 where t == ignore. Returns -1, or the position of the first target outside
    [0, C), having written nothing past it. logp: (N, C) of any strides."""
    classes = logp.shape[1]
    for i in range(logp.shape[0]):
        t = target[i]
        if t == ignore:
            loss[i] = 0
            picked[i] = 0
            continue
        if t < 0 or t >= classes:
            return i
        w = weight[t]
        loss[i] = -logp[i, t] * w
        picked[i] = w
    return -1
