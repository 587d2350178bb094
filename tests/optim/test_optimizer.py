"""The Optimizer base: parameter groups, zero_grad, state_dict and errors."""
import pytest

import tensorrt_mini as tm
from oracle import same_as_torch
from tensorrt_mini import nn, optim


def test_zero_grad():
    w = tm.ones(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = tm.ones(2)
    opt.zero_grad()
    assert w.grad is None
    w.grad = tm.ones(2)
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and g.tolist() == [0.0, 0.0]


def test_param_groups_take_their_own_options():
    a, b = tm.ones(1, requires_grad=True), tm.ones(1, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.5, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[1]["lr"] == 1.0
    a.grad, b.grad = tm.ones(1), tm.ones(1)
    opt.step()
    assert a.tolist() == [0.5] and b.tolist() == [0.0]


def test_errors():
    w = tm.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0"):
        optim.Adam([w], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an "
                                        "iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)


def _train(model, opt, steps):
    x = tm.linspace(-1, 1, 8).view(8, 1)
    for _ in range(steps):
        opt.zero_grad()
        ((model(x) - x * 3) ** 2).mean().backward()
        opt.step()
    return model


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True)])
def test_state_dict_round_trip_continues_identically(make):
    tm.manual_seed(0)
    a = nn.Linear(1, 1)
    opt_a = make(a.parameters())
    _train(a, opt_a, 3)
    b = nn.Linear(1, 1)
    b.load_state_dict(a.state_dict())
    opt_b = make(b.parameters())
    opt_b.load_state_dict(opt_a.state_dict())
    _train(a, opt_a, 3)
    _train(b, opt_b, 3)
    assert b.weight.tolist() == a.weight.tolist() and b.bias.tolist() == a.bias.tolist()


def test_state_dict_layout():
    w = tm.ones(2, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = tm.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][0]["lr"] == 0.1
    assert sd["state"][0]["step"] == 1
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter "
                                         "groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})


def test_repr():
    opt = optim.SGD([tm.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
    assert repr(opt) == ("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
                         "    foreach: None\n    fused: None\n    lr: 0.1\n    maximize: False\n"
                         "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)")


# --- a gradient or state that does not fit the parameter (issue: heap corruption) --------

def test_grad_assignment_checks_size_dtype_and_type_as_torch():
    def assign(value):
        def fn(lib):
            p = lib.nn.Parameter(lib.ones(1000))
            p.grad = value(lib)
            return p.grad
        return fn
    for value in (lambda lib: lib.full((1,), 2.), lambda lib: lib.ones(10, 100),
                  lambda lib: lib.ones(1000, dtype=lib.float64), lambda lib: 3,
                  lambda lib: lib.ones(1000), lambda lib: None):
        same_as_torch(assign(value), message=False)


def test_sgd_with_a_replaced_momentum_buffer_of_another_size_raises_before_writing():
    p = nn.Parameter(tm.ones(1000))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = tm.ones(1000)
    opt.step()
    before = p.detach().clone()
    opt.state[p]["momentum_buffer"] = tm.ones(2)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match .* \(1000\)"):
        opt.step()
    assert p.tolist() == before.tolist()


@pytest.mark.parametrize("state_size", [7, 1])
def test_adam_state_dict_of_another_size_raises_at_step_as_torch(state_size):
    """torch accepts the state_dict and refuses the step; tm used to corrupt the heap."""
    def fn(lib):
        p = lib.nn.Parameter(lib.ones(100_000))
        opt = lib.optim.Adam([p])
        p.grad = lib.ones(100_000)
        opt.step()
        sd = opt.state_dict()
        sd["state"][0]["exp_avg"] = lib.ones(state_size)
        opt.load_state_dict(sd)
        opt.step()
    same_as_torch(fn, message=False)


def test_step_after_data_is_replaced_by_another_size_raises():
    same_as_torch(lambda lib: _step_after_new_data(lib), message=False)


def _step_after_new_data(lib):
    p = lib.nn.Parameter(lib.ones(1000))
    opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = lib.ones(1000)
    opt.step()
    p.data = lib.ones(5)
    opt.step()


def test_non_contiguous_state_is_refused_by_the_kernel_entry():
    p = nn.Parameter(tm.ones(8))
    opt = optim.Adam([p])
    p.grad = tm.ones(8)
    opt.step()
    opt.state[p]["exp_avg"] = tm.zeros(16)[::2]
    with pytest.raises(RuntimeError, match="exp_avg must be contiguous"):
        opt.step()


@pytest.mark.parametrize("bad", ["x", [1]])
def test_load_state_dict_of_a_non_mapping_raises_torchs_type(bad):
    def fn(lib):
        lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1).load_state_dict(bad)
    same_as_torch(fn, message=False)


def test_copies_and_pickles_leave_out_a_schedulers_step_wrapper():
    import copy
    import pickle
    opt = optim.SGD([tm.zeros(2, requires_grad=True)], lr=0.1)
    optim.lr_scheduler.StepLR(opt, 3)
    twin = copy.deepcopy(opt)
    twin.step()
    assert not getattr(opt, "_opt_called", False)  # the copy stepped itself, not opt
    restored = pickle.loads(pickle.dumps(opt))
    assert "step" not in vars(restored) and restored.param_groups[0]["initial_lr"] == 0.1
