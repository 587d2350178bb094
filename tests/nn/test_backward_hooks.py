"""Module backward hooks: what they are given and what their results change, against
torch (with torch's CPU random numbers, the same initial weights) and against values
worked out by hand."""
import warnings

import pytest

import tensorrt_mini as tm
from oracle import needs_torch


def _record(lib):
    lib.manual_seed(0)
    m = lib.nn.Linear(2, 2)
    seen = []

    def hook(module, grad_input, grad_output):
        assert module is m
        seen.append(([None if g is None else g.tolist() for g in grad_input],
                     [g.tolist() for g in grad_output]))
    m.register_full_backward_hook(hook)
    x = lib.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
    (m(x) * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that no input requires grad
        m(lib.ones(1, 2)).sum().backward()

    def tenfold(module, grad_input, grad_output):
        return (grad_input[0] * 10,)
    m.register_full_backward_hook(tenfold)
    y = lib.tensor([[1.0, 1.0]], requires_grad=True)
    m(y).sum().backward()

    m2 = lib.nn.Linear(2, 2)
    m2.register_full_backward_pre_hook(lambda module, grad_output: (grad_output[0] * 2,))
    z = lib.tensor([[1.0, 1.0]], requires_grad=True)
    m2(z).sum().backward()
    return seen, y.grad.tolist(), z.grad.tolist(), m2.weight.grad.tolist()


def test_hooks_match_torch():
    torch = needs_torch()
    assert _record(tm) == _record(torch)


def test_hook_values_by_hand():
    m = tm.nn.Linear(2, 1, bias=False)
    with tm.no_grad():
        m.weight.copy_(tm.tensor([[2.0, -1.0]]))
    seen = []
    handle = m.register_full_backward_hook(
        lambda module, gi, go: seen.append((gi[0].tolist(), go[0].tolist())))
    x = tm.tensor([[1.0, 1.0]], requires_grad=True)
    (m(x) * 3).sum().backward()
    assert seen == [([[6.0, -3.0]], [[3.0]])] and x.grad.tolist() == [[6.0, -3.0]]
    handle.remove()
    m(x).sum().backward()
    assert len(seen) == 1  # removed: not called again


def test_a_hook_returning_the_wrong_count_is_refused():
    m = tm.nn.Linear(2, 2)
    m.register_full_backward_hook(lambda module, gi, go: (gi[0], gi[0]))
    x = tm.ones(1, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of "
                                           "grad_input, got 2, but expected 1"):
        m(x).sum().backward()
