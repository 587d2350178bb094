"""Every optimizer against torch.optim: the same two parameters (one transposed, so not
contiguous) stepped 20 times with the same gradients in tm and torch, compared after
each step; state_dict layout and values; a state_dict carried across (through numpy)
and stepped on; hyperparameter errors; LBFGS on the Rosenbrock function; a short run of
each on the cuda device."""
import io

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch, same_as_torch
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((3, 4)).astype(np.float32)
B0 = RNG.standard_normal((4, 3)).astype(np.float32)  # the parameter is its transpose
NOISE = [(RNG.standard_normal((3, 4)).astype(np.float32),
          RNG.standard_normal((3, 4)).astype(np.float32)) for _ in range(20)]

# (optimizer, options): each optimizer's defaults and its options
CASES = [
    ("RMSprop", {}),
    ("RMSprop", dict(momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(maximize=True, alpha=0.9, eps=1e-3)),
    ("Adagrad", {}),
    ("Adagrad", dict(lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1,
                     maximize=True)),
    ("Adadelta", {}),
    ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", {}),
    ("Adamax", dict(weight_decay=0.1, maximize=True, betas=(0.5, 0.9))),
    ("NAdam", {}),
    ("NAdam", dict(weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", {}),  # rho_t passes 5 at step 6: both branches run
    ("RAdam", dict(weight_decay=0.1)),
    ("RAdam", dict(weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", {}),
    ("ASGD", dict(t0=5, lambd=0.01, weight_decay=0.1, maximize=True)),  # averaging from 5
    ("Rprop", {}),
    ("Rprop", dict(etas=(0.3, 1.5), step_sizes=(1e-3, 0.05), maximize=True)),
    ("Adam", dict(weight_decay=0.1, decoupled_weight_decay=True)),  # (more in test_optimizers)
]
# one option set of each optimizer (SGD's and Adam's state are torch's too)
STATE_CASES = list({name: (name, kw) for name, kw in CASES}.values()) + [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True))]
CUDA_CASES = list({name: (name, kw) for name, kw in CASES if name != "Adam"}.values())


def ids(cases):
    return [f"{name}-{kw}" for name, kw in cases]


def make_params(lib, device="cpu"):
    w = lib.tensor(W0, device=device).requires_grad_()
    b = lib.tensor(B0, device=device).t().detach().requires_grad_()  # strides (1, 3)
    return [w, b]


def set_grads(lib, params, k):
    """The gradient of a quadratic pull towards 0, plus noise: a real training's coupling
    of the gradient to the parameter."""
    with lib.no_grad():
        for p, noise in zip(params, NOISE[k % len(NOISE)]):
            p.grad = lib.tensor(noise, device=p.device) + 0.5 * p


def optimizer(lib, name, kw, params):
    # two groups, the second with its own learning rate
    lr = kw.get("lr", 0.05 if name == "SGD" else 0.004)
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": lr}]
    return getattr(lib.optim, name)(groups, **kw)


def values(params):
    return [p.detach().cpu().numpy().copy() for p in params]


def assert_close(mine, theirs, what):
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m, t, rtol=1e-5, atol=1e-6, err_msg=what)


@pytest.mark.parametrize("name, kw", CASES, ids=ids(CASES))
def test_trajectory_matches_torch_step_by_step(name, kw):
    torch = needs_torch()
    mine, theirs = make_params(tm), make_params(torch)
    opt_m, opt_t = optimizer(tm, name, kw, mine), optimizer(torch, name, kw, theirs)
    for k in range(20):
        set_grads(tm, mine, k)
        set_grads(torch, theirs, k)
        opt_m.step()
        opt_t.step()
        assert_close(values(mine), values(theirs), f"step {k + 1}")
    assert np.abs(values(mine)[0] - W0).max() > 1e-3  # it did move


# --- state_dict ----------------------------------------------------------------------

def convert(obj, make):
    """obj with every tensor replaced by make(numpy copy of it)."""
    if isinstance(obj, dict):
        return {k: convert(v, make) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(convert(v, make) for v in obj)
    if hasattr(obj, "detach"):
        return make(obj.detach().cpu().numpy().copy())
    return obj


def assert_same_state_dict(mine, theirs):
    assert mine["param_groups"] == theirs["param_groups"]
    assert mine["state"].keys() == theirs["state"].keys()
    for i, state in theirs["state"].items():
        assert list(mine["state"][i]) == list(state)
        for key, t in state.items():
            m = mine["state"][i][key]
            if hasattr(t, "dtype"):  # a tensor: same dtype, shape and values
                assert str(m.dtype) == str(t.dtype) and tuple(m.shape) == tuple(t.shape), key
                assert m.device.type == t.device.type, key
                np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-5, atol=1e-6,
                                           err_msg=key)
            else:
                assert type(m) is type(t) and m == t, key


@pytest.mark.parametrize("name, kw", STATE_CASES, ids=ids(STATE_CASES))
def test_state_dict_is_torchs_and_loads_both_ways(name, kw):
    torch = needs_torch()
    mine, theirs = make_params(tm), make_params(torch)
    opt_m, opt_t = optimizer(tm, name, kw, mine), optimizer(torch, name, kw, theirs)
    assert_same_state_dict(opt_m.state_dict(), opt_t.state_dict())
    for k in range(3):
        set_grads(tm, mine, k)
        set_grads(torch, theirs, k)
        opt_m.step()
        opt_t.step()
    assert_same_state_dict(opt_m.state_dict(), opt_t.state_dict())

    # torch's optimizer goes on from tm's state, and tm's from torch's
    theirs_from_mine = [torch.tensor(v).requires_grad_() for v in values(mine)]
    opt_tm = optimizer(torch, name, kw, theirs_from_mine)
    opt_tm.load_state_dict(convert(opt_m.state_dict(), torch.from_numpy))
    mine_from_theirs = [tm.tensor(v).requires_grad_() for v in values(theirs)]
    opt_mt = optimizer(tm, name, kw, mine_from_theirs)
    opt_mt.load_state_dict(convert(opt_t.state_dict(), tm.from_numpy))
    for k in range(3, 6):
        for params, opt, lib in ((mine, opt_m, tm), (theirs, opt_t, torch),
                                 (theirs_from_mine, opt_tm, torch),
                                 (mine_from_theirs, opt_mt, tm)):
            set_grads(lib, params, k)
            opt.step()
        assert_close(values(theirs_from_mine), values(mine), f"torch from tm, step {k + 1}")
        assert_close(values(mine_from_theirs), values(theirs), f"tm from torch, step {k + 1}")


def test_state_dict_saved_by_tm_continues_in_torch():
    """tm.save writes torch's format: torch.load gives a state_dict torch's optimizer takes
    (ASGD: its 0-d eta and mu as well as the step)."""
    torch = needs_torch()
    mine, theirs = make_params(tm), make_params(torch)
    kw = dict(t0=1, lambd=0.01)
    opt_m, opt_t = tm.optim.ASGD(mine, **kw), torch.optim.ASGD(theirs, **kw)
    for k in range(2):
        set_grads(tm, mine, k)
        set_grads(torch, theirs, k)
        opt_m.step()
        opt_t.step()
    buffer = io.BytesIO()
    tm.save(opt_m.state_dict(), buffer)
    buffer.seek(0)
    resumed = [torch.tensor(v).requires_grad_() for v in values(mine)]
    opt_r = torch.optim.ASGD(resumed, **kw)
    opt_r.load_state_dict(torch.load(buffer))
    for k in range(2, 4):
        set_grads(torch, resumed, k)
        set_grads(torch, theirs, k)
        opt_r.step()
        opt_t.step()
    assert_close(values(resumed), values(theirs), "resumed in torch")


def test_a_loaded_step_that_is_a_plain_number_becomes_a_tensor_as_in_torch():
    def fn(lib):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.RAdam([p])
        p.grad = lib.ones(2)
        opt.step()
        sd = opt.state_dict()
        sd["state"][0]["step"] = 1
        opt.load_state_dict(sd)
        opt.step()
        return opt.state[p]["step"], p
    same_as_torch(fn)


def test_a_step_set_to_a_plain_number_is_refused_as_torch_refuses_it():
    def fn(lib):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.Adam([p])
        p.grad = lib.ones(2)
        opt.step()
        opt.state[p]["step"] = 1
        opt.step()
    same_as_torch(fn)


def test_add_param_group_takes_defaults_and_its_own_options():
    torch = needs_torch()
    results = []
    for lib in (tm, torch):
        w, b = make_params(lib)
        opt = lib.optim.RMSprop([w], lr=0.01, momentum=0.5)
        opt.add_param_group({"params": b, "centered": True})
        for k in range(3):
            set_grads(lib, [w, b], k)
            opt.step()
        group = opt.param_groups[1]
        assert group["lr"] == 0.01 and group["centered"] and group["momentum"] == 0.5
        results.append((values([w, b]), sorted(opt.state[b])))
    assert_close(results[0][0], results[1][0], "after add_param_group")
    assert results[0][1] == results[1][1] == ["grad_avg", "momentum_buffer", "square_avg",
                                              "step"]


def test_adagrad_state_exists_before_the_first_step():
    opt = tm.optim.Adagrad(make_params(tm), initial_accumulator_value=0.25)
    state = opt.state_dict()["state"]
    assert list(state) == [0, 1] and state[1]["step"].item() == 0.0
    assert state[1]["sum"].tolist() == np.full((3, 4), 0.25).tolist()


def test_step_is_a_float32_scalar_and_float64_under_that_default():
    w = tm.nn.Parameter(tm.ones(2))
    for name in ("Adam", "RMSprop", "NAdam", "ASGD"):
        opt = getattr(tm.optim, name)([w])
        w.grad = tm.ones(2)
        opt.step()
        step = opt.state[w]["step"]
        assert step.dtype == tm.float32 and step.shape == () and step.item() == 1.0
    tm.set_default_dtype(tm.float64)
    try:
        opt = tm.optim.RAdam([w])
        opt.step()
    finally:
        tm.set_default_dtype(tm.float32)
    assert opt.state[w]["step"].dtype == tm.float64


# --- errors --------------------------------------------------------------------------

ERRORS = [
    ("RMSprop", dict(lr=-1), "Invalid learning rate: -1"),
    ("RMSprop", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("RMSprop", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("RMSprop", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("NAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("RAdam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("RAdam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Rprop", dict(etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    ("Rprop", dict(etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
    ("SparseAdam", dict(lr=0.0), "Invalid learning rate: 0.0"),
    ("SparseAdam", dict(eps=0.0), "Invalid epsilon value: 0.0"),
    ("LBFGS", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adam", dict(betas=(0, 0.9)), "betas must be either both floats or both Tensors"),
]


@pytest.mark.parametrize("name, kw, message", ERRORS, ids=[f"{n}-{kw}" for n, kw, _ in ERRORS])
def test_invalid_hyperparameters_raise_torchs_value_error(name, kw, message):
    with pytest.raises(ValueError) as mine:
        getattr(tm.optim, name)([tm.nn.Parameter(tm.ones(1))], **kw)
    assert str(mine.value) == message
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))], **kw)
    assert str(theirs.value) == message


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
@pytest.mark.parametrize("switches, message", [
    (dict(fused=True, foreach=True), "`fused` and `foreach` cannot be `True` together."),
    (dict(fused=True, differentiable=True), "`fused` does not support `differentiable`")])
def test_fused_refuses_the_other_switches_as_torch(name, switches, message):
    with pytest.raises(RuntimeError) as mine:
        getattr(tm.optim, name)([tm.nn.Parameter(tm.ones(1))], lr=0.1, **switches)
    assert str(mine.value) == message


def test_sparse_adam_refuses_a_dense_gradient_as_torch():
    """tm has no sparse tensors: every gradient is dense, which torch's SparseAdam refuses
    at step (construction and groups work)."""
    p = tm.nn.Parameter(tm.ones(3))
    opt = tm.optim.SparseAdam([p], lr=0.1)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999) and not opt.param_groups[0]["maximize"]
    p.grad = tm.ones(3)
    with pytest.raises(RuntimeError, match="^SparseAdam does not support dense gradients, "
                                           "please consider Adam instead$"):
        opt.step()
    assert p.tolist() == [1.0, 1.0, 1.0]


def test_lbfgs_refuses_parameter_groups_and_other_line_searches():
    a, b = tm.nn.Parameter(tm.ones(1)), tm.nn.Parameter(tm.ones(1))
    with pytest.raises(ValueError, match=r"^LBFGS doesn't support per-parameter options "
                                         r"\(parameter groups\)$"):
        tm.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = tm.optim.LBFGS([a], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="^only 'strong_wolfe' is supported$"):
        opt.step(closure)


def test_differentiable_steps_are_refused_rather_than_silently_not_differentiable():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        tm.optim.RMSprop([tm.nn.Parameter(tm.ones(1))], differentiable=True)


# --- LBFGS -----------------------------------------------------------------------------

def rosenbrock_run(lib, steps, dtype="float64", **kw):
    x = lib.tensor([-1.5, 2.0], dtype=getattr(lib, dtype), requires_grad=True)
    # a second parameter: the flat vector spans both
    y = lib.tensor([[0.5]], dtype=getattr(lib, dtype), requires_grad=True)
    opt = lib.optim.LBFGS([x, y], **kw)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2 + (y ** 2).sum()
        loss.backward()
        return loss
    trajectory, losses = [], []
    for _ in range(steps):
        losses.append(opt.step(closure).item())
        trajectory.append(values([x, y]))
    group = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    return trajectory, losses, opt.state[x], group


@pytest.mark.parametrize("kw", [dict(lr=0.5, max_iter=4, history_size=3),
                                dict(line_search_fn="strong_wolfe", max_iter=5, history_size=3),
                                dict(line_search_fn="strong_wolfe")],
                         ids=["fixed-step", "strong_wolfe", "strong_wolfe-defaults"])
def test_lbfgs_on_rosenbrock_matches_torch(kw):
    """In float64: the Rosenbrock valley amplifies float32 rounding (torch's dot sums in
    another order than tm's) into visibly different iterates within a few steps, while
    float64 shows whether every decision of the algorithm is the same."""
    torch = needs_torch()
    mine, my_losses, my_state, my_group = rosenbrock_run(tm, 6, **kw)
    theirs, their_losses, their_state, their_group = rosenbrock_run(torch, 6, **kw)
    assert my_group == their_group
    for k, (m, t) in enumerate(zip(mine, theirs)):
        for a, b in zip(m, t):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10, err_msg=f"step {k + 1}")
    np.testing.assert_allclose(my_losses, their_losses, rtol=1e-8, atol=1e-12)
    assert list(my_state) == list(their_state)
    for key in ("func_evals", "n_iter", "prev_loss"):
        assert my_state[key] == pytest.approx(their_state[key], rel=1e-8), key
    assert len(my_state["old_dirs"]) == len(their_state["old_dirs"])
    for key in ("d", "prev_flat_grad", "H_diag"):
        np.testing.assert_allclose(my_state[key].numpy(), their_state[key].numpy(), rtol=1e-6,
                                   atol=1e-9, err_msg=key)


def test_lbfgs_in_float32_follows_torch_for_its_first_steps():
    torch = needs_torch()
    kw = dict(lr=0.5, max_iter=4, history_size=3, dtype="float32")
    mine, theirs = rosenbrock_run(tm, 3, **kw)[0], rosenbrock_run(torch, 3, **kw)[0]
    for k, (m, t) in enumerate(zip(mine, theirs)):
        assert_close(m, t, f"step {k + 1}")


def test_lbfgs_stops_at_once_at_an_optimum():
    x = tm.nn.Parameter(tm.zeros(2))
    opt = tm.optim.LBFGS([x])
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 0.0 and len(calls) == 1
    assert opt.state[x] == {"func_evals": 1, "n_iter": 0}


# --- cuda ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kw", CUDA_CASES, ids=ids(CUDA_CASES))
def test_cuda_steps_match_the_cpu(name, kw):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    on_cpu, on_cuda = make_params(tm), make_params(tm, "cuda")
    opt_cpu = optimizer(tm, name, kw, on_cpu)
    opt_cuda = optimizer(tm, name, kw, on_cuda)
    for k in range(2):
        set_grads(tm, on_cpu, k)
        set_grads(tm, on_cuda, k)
        opt_cpu.step()
        opt_cuda.step()
    assert all(p.device.type == "cuda" for p in on_cuda)
    # torch keeps the step count on the cpu, but ASGD's on the parameter's device
    step = opt_cuda.state[on_cuda[0]]["step"]
    assert step.device.type == ("cuda" if name == "ASGD" else "cpu")
    assert_close(values(on_cuda), values(on_cpu), "cuda against cpu")


def test_lbfgs_on_cuda_matches_the_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor([-1.5, 2.0], device=device, requires_grad=True)
        opt = tm.optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=3)

        def closure():
            opt.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            loss.backward()
            return loss
        opt.step(closure)
        results.append(x.detach().cpu().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-6)
