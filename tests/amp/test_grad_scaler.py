"""GradScaler against torch.amp.GradScaler: the scale, growth tracker and parameters over
a training run with overflows (injected and natural), the errors of misuse, state_dict,
pickling, and the disabled scaler."""
import math
import pickle
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

X = np.array([0.5, -1.25, 2.0], dtype=np.float32)
W0 = np.array([0.3, 0.1, -0.2], dtype=np.float32)


def devices():
    return ["cpu", "cuda"]


class PlainSGD:
    """What GradScaler needs of an optimizer (param_groups, step), the same for both
    libraries (torch.optim's first import alone costs seconds)."""

    def __init__(self, lib, params, lr):
        self.lib, self.lr = lib, lr
        self.param_groups = [{"params": list(params)}]
        self.steps = 0

    def zero_grad(self):
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def step(self):
        with self.lib.no_grad():
            for p in self.param_groups[0]["params"]:
                if p.grad is not None:
                    p.sub_(p.grad * self.lr)
        self.steps += 1
        return self.steps


def need(device):
    if device == "cuda" and not cuda_runtime.is_available():
        pytest.skip("no cuda device (nor its simulator) here")


def run_training(lib, device, steps, poison, **scaler_args):
    """SGD on loss = (sum(w * x))^2 through a GradScaler; poison maps a
    step to a value written into w.grad[1] after backward. Returns per step (scale,
    growth tracker, w, value step returned)."""
    w = lib.tensor(W0, device=device, requires_grad=True)
    x = lib.tensor(X, device=device)
    opt = PlainSGD(lib, [w], lr=0.01)
    scaler = lib.amp.GradScaler(device, **scaler_args)
    trace = []
    for step in range(steps):
        opt.zero_grad()
        loss = (w * x).sum() ** 2
        scaler.scale(loss).backward()
        if step in poison:
            with lib.no_grad():
                w.grad[1] = poison[step]
        returned = scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), scaler._get_growth_tracker(),
                      np.array(w.detach().cpu().tolist()), returned))
    return trace


def assert_same_trace(got, expected):
    assert len(got) == len(expected)
    for step, (g, e) in enumerate(zip(got, expected)):
        assert g[0] == e[0] and g[1] == e[1] and g[3] == e[3], (step, g, e)
        np.testing.assert_allclose(g[2], e[2], rtol=1e-5, atol=1e-6, err_msg=f"step {step}")


POISON = {3: math.inf, 4: -math.inf, 8: math.nan, 30: math.inf, 120: math.nan, 121: 1.0}


@pytest.mark.parametrize("device", devices())
def test_scale_and_parameters_follow_torch_over_200_steps(device):
    # (the simulator runs each kernel in Python: a shorter run here, the full one is slow)
    check_trace(device, 200 if device == "cpu" else 16)


@pytest.mark.slow
def test_cuda_scale_and_parameters_follow_torch_over_200_steps():
    check_trace("cuda", 200)


def check_trace(device, steps):
    need(device)
    torch = pytest.importorskip("torch")
    args = dict(init_scale=2.0**10, growth_factor=2.0, backoff_factor=0.5, growth_interval=7)
    got = run_training(tm, device, steps, POISON, **args)
    expected = run_training(torch, "cpu", steps, POISON, **args)
    assert_same_trace(got, expected)
    scales = [t[0] for t in got]
    assert any(a > b for a, b in zip(scales, scales[1:]))  # backed off
    assert any(a < b for a, b in zip(scales, scales[1:]))  # and grew


@pytest.mark.parametrize("device", devices())
def test_natural_overflow_and_growth_capped_at_float32_max(device):
    """A huge scale overflows the gradients by itself (skipped steps, backoff), and growth
    never takes the scale past float32's range."""
    need(device)
    torch = pytest.importorskip("torch")
    args = dict(init_scale=2.0**126, growth_factor=3.0, backoff_factor=0.25, growth_interval=1)
    got = run_training(tm, device, 8, {}, **args)
    assert_same_trace(got, run_training(torch, "cpu", 8, {}, **args))
    assert all(math.isfinite(t[0]) for t in got)


def test_unscale_then_clip_then_step_matches_torch():
    torch = pytest.importorskip("torch")
    grads = {}
    for lib in (tm, torch):
        w = lib.tensor(W0, requires_grad=True)
        opt = PlainSGD(lib, [w], 0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=3.0)  # 1/3 is inexact in float32
        scaler.scale((w * lib.tensor(X)).sum()).backward()
        scaler.unscale_(opt)
        grads[lib.__name__] = np.array(w.grad.tolist())
        scaler.step(opt)
        grads[lib.__name__ + " w"] = np.array(w.detach().tolist())
    assert grads["tensorrt_mini"].tolist() == grads["torch"].tolist()
    np.testing.assert_allclose(grads["tensorrt_mini w"], grads["torch w"], rtol=1e-6)


def test_two_optimizers_share_one_update():
    """An overflow in either optimizer's gradients backs the scale off for both."""
    torch = pytest.importorskip("torch")
    for lib in (tm, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0], requires_grad=True)
        opt_a, opt_b = PlainSGD(lib, [a], 0.1), PlainSGD(lib, [b], 0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=4.0, growth_interval=1)
        scaler.scale([(a * a).sum(), (b * 2).sum()])[0].backward()
        b.grad = lib.tensor([math.inf])
        scaler.step(opt_a)
        scaler.step(opt_b)
        scaler.update()
        assert scaler.get_scale() == 2.0, lib.__name__
        assert a.tolist() != [1.0, 2.0] and b.tolist() == [3.0], lib.__name__


def test_scale_keeps_the_structure_of_nested_outputs():
    torch = pytest.importorskip("torch")
    out = {}
    for lib in (tm, torch):
        scaler = lib.amp.GradScaler("cpu", init_scale=8.0)
        t = lib.tensor([1.0, 2.0])
        scaled = scaler.scale([t, (t[0], [t * 2]), ()])
        out[lib.__name__] = repr(scaled), list(scaler.scale(iter([t])))[0].tolist()
    assert out["tensorrt_mini"] == out["torch"]


def outcome(action):
    try:
        action()
    except Exception as e:  # the error is the outcome compared
        return f"{type(e).__name__}: {e}"
    return "no error"


MISUSES = {
    "unscale_ twice": lambda s, o, w, L: (s.unscale_(o), s.unscale_(o)),
    "unscale_ after step": lambda s, o, w, L: (s.step(o), s.unscale_(o)),
    "step twice": lambda s, o, w, L: (s.step(o), s.step(o)),
    "step with a closure": lambda s, o, w, L: s.step(o, closure=lambda: 0),
    "step without grads": lambda s, o, w, L: (setattr(w, "grad", None), s.step(o)),
    "update before any step": lambda s, o, w, L: s.update(),
    "new_scale of shape (1,)": lambda s, o, w, L: s.update(L.ones(1)),
    "new_scale of two elements": lambda s, o, w, L: s.update(L.ones(2)),
    "new_scale requiring grad": lambda s, o, w, L: s.update(L.ones((), requires_grad=True)),
    "new_scale an int": lambda s, o, w, L: s.update(3),
    "scale a number": lambda s, o, w, L: s.scale(3),
    "load an empty state_dict": lambda s, o, w, L: s.load_state_dict({}),
}


@pytest.mark.parametrize("misuse", MISUSES)
def test_misuse_raises_what_torch_raises(misuse):
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (tm, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        opt = PlainSGD(lib, [w], 0.1)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale((w * w).sum()).backward()
        seen[lib.__name__] = outcome(lambda: MISUSES[misuse](scaler, opt, w, lib))
    assert seen["tensorrt_mini"] == seen["torch"]
    assert seen["torch"] != "no error"


@pytest.mark.parametrize("call", ["unscale_", "step", "update"])
def test_calls_before_scale_raise_what_torch_raises(call):
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (tm, torch):
        opt = PlainSGD(lib, [lib.ones(1, requires_grad=True)], 0.1)
        scaler = lib.amp.GradScaler("cpu")
        seen[lib.__name__] = outcome(
            lambda: scaler.update() if call == "update" else getattr(scaler, call)(opt))
    assert seen["tensorrt_mini"] == seen["torch"]
    assert seen["torch"].startswith("AssertionError: Attempted")


@pytest.mark.parametrize("args", [dict(growth_factor=1.0), dict(backoff_factor=1.0)])
def test_factors_are_checked_as_torch_checks_them(args):
    torch = pytest.importorskip("torch")
    assert outcome(lambda: tm.amp.GradScaler("cpu", **args)) == \
        outcome(lambda: torch.amp.GradScaler("cpu", **args))


def test_new_scale_float_and_tensor():
    torch = pytest.importorskip("torch")
    for lib in (tm, torch):
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(lib.ones(()))
        scaler.update(5.0)
        assert scaler.get_scale() == 5.0
        scaler.update(lib.tensor(7.0))
        assert scaler.get_scale() == 7.0
        assert scaler.state_dict()["_growth_tracker"] == 0


def test_state_dict_round_trip_and_pickle():
    torch = pytest.importorskip("torch")
    states = {}
    for lib in (tm, torch):
        w = lib.tensor([1.0], requires_grad=True)
        opt = PlainSGD(lib, [w], 0.1)
        scaler = lib.amp.GradScaler("cpu", init_scale=16.0, growth_interval=3)
        for _ in range(2):
            opt.zero_grad()
            scaler.scale(w.sum()).backward()
            scaler.step(opt)
            scaler.update()
        fresh = lib.amp.GradScaler("cpu")
        fresh.load_state_dict(scaler.state_dict())
        copy = pickle.loads(pickle.dumps(scaler))
        scaler.scale(w.sum())  # (a scaler mid-iteration still pickles: no optimizer state yet)
        states[lib.__name__] = (scaler.state_dict(), fresh.state_dict(), copy.state_dict(),
                                copy.get_scale())
    assert states["tensorrt_mini"] == states["torch"]
    assert states["torch"][0]["_growth_tracker"] == 2


def test_pickle_mid_iteration_raises_what_torch_raises():
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (tm, torch):
        w = lib.tensor([1.0], requires_grad=True)
        opt = PlainSGD(lib, [w], 0.1)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(w.sum()).backward()
        scaler.unscale_(opt)
        seen[lib.__name__] = outcome(lambda: pickle.dumps(scaler))
    assert seen["tensorrt_mini"] == seen["torch"]


def test_disabled_scaler_passes_everything_through():
    w = tm.tensor([1.0], requires_grad=True)
    opt = PlainSGD(tm, [w], 0.5)
    scaler = tm.amp.GradScaler("cpu", enabled=False)
    loss = (w * 3).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.unscale_(opt)
    assert w.grad.tolist() == [3.0]
    scaler.step(opt)
    scaler.update()
    assert w.tolist() == [-0.5]
    assert (scaler.get_scale(), scaler.state_dict(), scaler.is_enabled()) == (1.0, {}, False)
    scaler.load_state_dict({})  # a no-op when disabled, as torch's


def test_settings_accessors():
    scaler = tm.amp.GradScaler("cpu", growth_factor=3.0, backoff_factor=0.25, growth_interval=5)
    assert (scaler.get_growth_factor(), scaler.get_backoff_factor(),
            scaler.get_growth_interval(), scaler.get_scale()) == (3.0, 0.25, 5, 2.0**16)
    scaler.set_growth_factor(4.0)
    scaler.set_backoff_factor(0.125)
    scaler.set_growth_interval(9)
    assert scaler.state_dict() == {"scale": 2.0**16, "growth_factor": 4.0,
                                   "backoff_factor": 0.125, "growth_interval": 9,
                                   "_growth_tracker": 0}


def test_cuda_scaler_keeps_its_scale_on_the_device():
    need("cuda")
    scaler = tm.amp.GradScaler()  # device="cuda" by default
    scaled = scaler.scale(tm.tensor(2.0, device="cuda"))
    assert scaled.device.type == "cuda" and scaled.item() == 2.0**17
    assert scaler._scale.device.type == "cuda" and scaler._scale.dtype is tm.float32
    assert scaler._growth_tracker.dtype is tm.int32 and scaler._scale.shape == ()


def test_cuda_amp_spelling_is_deprecated_as_torch_says():
    need("cuda")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaler = tm.cuda.amp.GradScaler(init_scale=4.0)
    assert [str(w.message) for w in caught] == [
        "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
        "`torch.amp.GradScaler('cuda', args...)` instead."]
    assert caught[0].category is FutureWarning
    assert scaler.get_scale() == 4.0 and scaler._device == "cuda"


def test_float16_gradients_are_refused_as_torch_refuses_them():
    torch = pytest.importorskip("torch")
    seen = {}
    for lib in (tm, torch):
        w = lib.ones(2, dtype=lib.float16, requires_grad=True)
        scaler = lib.amp.GradScaler("cpu", init_scale=4.0)
        scaled = scaler.scale([(w * 3).sum(), w * 3])
        scaled[0].backward()
        seen[lib.__name__] = ([repr(s.dtype) for s in scaled],
                              outcome(lambda: scaler.unscale_(PlainSGD(lib, [w], 0.1))))
    assert seen["tensorrt_mini"] == seen["torch"]
    assert seen["torch"][1] == "ValueError: Attempting to unscale FP16 gradients."


def test_with_autocast_a_training_loop_follows_torch():
    """The usual loop: forward under bf16 autocast, scaled backward, step, update."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w0, x0 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    trace = {}
    for lib in (tm, torch):
        w, x = lib.tensor(w0, requires_grad=True), lib.tensor(x0)
        opt = PlainSGD(lib, [w], 0.05)
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0**8, growth_interval=2)
        for _ in range(4):
            opt.zero_grad()
            with lib.autocast("cpu"):
                loss = lib.nn.functional.linear(x, w).float().pow(2).mean()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        trace[lib.__name__] = scaler.get_scale(), np.array(w.detach().tolist())
    assert trace["tensorrt_mini"][0] == trace["torch"][0] == 2.0**10
    np.testing.assert_allclose(trace["tensorrt_mini"][1], trace["torch"][1], rtol=1e-2, atol=1e-3)


def test_found_inf_is_kept_per_device():
    need("cuda")
    on_cpu = tm.tensor([1.0], requires_grad=True)
    on_cuda = tm.tensor([2.0], device="cuda", requires_grad=True)
    opt = PlainSGD(tm, [on_cpu, on_cuda], 0.5)
    scaler = tm.amp.GradScaler("cpu", init_scale=4.0)
    for loss in scaler.scale([on_cpu.sum(), on_cuda.sum()]):
        loss.backward()
    with tm.no_grad():
        on_cuda.grad.fill_(math.inf)
    scaler.unscale_(opt)
    found = scaler._per_optimizer_states[id(opt)]["found_inf_per_device"]
    assert {d.type: (f.device.type, f.item()) for d, f in found.items()} == \
        {"cpu": ("cpu", 0.0), "cuda": ("cuda", 1.0)}
    assert on_cpu.grad.tolist() == [1.0]  # unscaled
    assert scaler.step(opt) is None and on_cpu.tolist() == [1.0]  # the step skipped
    scaler.update()
    assert scaler.get_scale() == 2.0
