"""gradcheck: compare autograd's Jacobian with central finite differences."""
import numpy as np

from .. import _tensor as T
from .api import grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    out = fn(*inputs)
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _values(t):
    """A float64 copy: an output may be a view of the input about to be perturbed again."""
    return np.array(t._host_values(), dtype=np.float64).ravel()


def _numerical(fn, inputs, x, eps):
    """d(flattened outputs)/d(each element of x), one column per element of x."""
    cols = []
    with no_grad():
        for idx in np.ndindex(*x._shape):
            orig = x[idx].item()
            x[idx] = orig + eps
            plus = [_values(o) for o in _outputs(fn, inputs)]
            x[idx] = orig - eps
            minus = [_values(o) for o in _outputs(fn, inputs)]
            x[idx] = orig
            cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    # per output: (output elements, x elements)
    return [np.stack([c[k] for c in cols], axis=1) if cols else np.zeros((0, 0))
            for k in range(len(cols[0]) if cols else 0)]


def _analytical(outputs, diff_inputs):
    """Per output, per input: the Jacobian built one output element at a time."""
    from ..creation import zeros
    jac = []
    for out in outputs:
        rows = {i: [] for i in range(len(diff_inputs))}
        for j in range(out.numel()):
            seed = zeros(out.numel(), dtype=out._dtype, device=out.device)
            seed[j] = 1.0
            gs = grad(out, diff_inputs, seed.view(out._shape), retain_graph=True,
                      allow_unused=True)
            for i, (x, g) in enumerate(zip(diff_inputs, gs)):
                rows[i].append(np.zeros(x.numel()) if g is None else
                               np.asarray(g._host_values(), dtype=np.float64).ravel())
        jac.append([np.array(rows[i]).reshape(out.numel(), x.numel())
                    for i, x in enumerate(diff_inputs)])
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """True when func's analytical gradients match finite differences for every input that
    requires grad (use float64 inputs: float32 differences are too coarse)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff_inputs = [x for x in inputs if isinstance(x, T.Tensor) and x._requires_grad]
    all_outputs = _outputs(func, inputs)
    kept = [k for k, o in enumerate(all_outputs)
            if isinstance(o, T.Tensor) and o._dtype.is_floating_point and o._requires_grad]
    analytical = _analytical([all_outputs[k] for k in kept], diff_inputs)
    for i, x in enumerate(diff_inputs):
        numerical = _numerical(func, inputs, x, eps)
        for k, out_index in enumerate(kept):
            a = analytical[k][i]
            n = numerical[out_index] if numerical else np.zeros_like(a)
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {k} with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **_):
    """gradcheck of func's gradient: the second derivatives (create_graph) against finite
    differences of the first. Without grad_outputs, random ones (seeded) that require grad,
    so the check also covers how the gradient depends on them."""
    from ..creation import tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    n = len(inputs)
    wanted = [k for k, x in enumerate(inputs) if isinstance(x, T.Tensor) and x._requires_grad]
    outputs = [o for o in _outputs(func, inputs)
               if isinstance(o, T.Tensor) and o._dtype.is_floating_point and o._requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(tensor(rng.standard_normal(o._shape), dtype=o._dtype,
                                    device=o.device, requires_grad=True) for o in outputs)
    grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) \
        else (grad_outputs,)

    def first_derivatives(*args):  # (finite differences call it under no_grad)
        xs, cotangents = args[:n], args[n:]
        with enable_grad():
            outs = [o for o in _outputs(func, xs) if isinstance(o, T.Tensor)
                    and o._dtype.is_floating_point and o._requires_grad]
            found = grad(outs, [xs[k] for k in wanted], cotangents, create_graph=True,
                         allow_unused=True)
        return tuple(g for g in found if g is not None)
    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
