"""Learning-rate schedulers against torch.optim.lr_scheduler: the same rates (exactly:
the arithmetic follows PyTorch's order of operations) at each of 200 steps, on two
parameter groups, through a state_dict round trip, and the same errors and warnings."""
import copy
import math
import pickle
import warnings

import pytest

import tensorrt_mini as tm
from tensorrt_mini.optim import lr_scheduler

STEPS = 200


def torch_or_skip():
    return pytest.importorskip("torch")


def make_optimizer(lib, kind="SGD"):
    """Two parameter groups with different rates (and momenta), in lib (tm or torch)."""
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    if kind == "SGD":
        return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.03, "momentum": 0.5}],
                             lr=0.1, momentum=0.9)
    return lib.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.002, "betas": (0.8, 0.99)}],
                          lr=0.01)


def settings(optimizer):
    return [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]


def twins(make, kind="SGD"):
    """The same scheduler over the same optimizer, in tm and in torch."""
    torch = torch_or_skip()
    pairs = []
    for lib, module in ((tm, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib, kind)
        pairs.append((opt, make(module, opt)))
    return pairs


def assert_same_state(mine, theirs):
    mine_opt, mine_sched = mine
    torch_opt, torch_sched = theirs
    assert mine_sched.get_last_lr() == torch_sched.get_last_lr()
    assert settings(mine_opt) == settings(torch_opt)


def advance(pairs, steps):
    for opt, sched in pairs:
        for _ in range(steps):
            opt.step()
            sched.step()


CASES = {
    "LambdaLR": (lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e), "SGD"),
    "LambdaLR-per-group": (lambda L, o: L.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (1 + e)]),
                           "SGD"),
    "MultiplicativeLR": (lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97 if e % 3 else 1.01),
                         "SGD"),
    "StepLR": (lambda L, o: L.StepLR(o, step_size=7, gamma=0.7), "SGD"),
    "MultiStepLR": (lambda L, o: L.MultiStepLR(o, milestones=[80, 10, 30, 30], gamma=0.3), "SGD"),
    "ConstantLR": (lambda L, o: L.ConstantLR(o, factor=0.3, total_iters=15), "SGD"),
    "LinearLR": (lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.7, total_iters=90),
                 "Adam"),
    "ExponentialLR": (lambda L, o: L.ExponentialLR(o, gamma=0.97), "SGD"),
    "PolynomialLR": (lambda L, o: L.PolynomialLR(o, total_iters=150, power=2.5), "SGD"),
    "CosineAnnealingLR": (lambda L, o: L.CosineAnnealingLR(o, T_max=30, eta_min=0.001), "SGD"),
    "CosineAnnealingWarmRestarts": (
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=1e-4), "SGD"),
    "CosineAnnealingWarmRestarts-T_mult-1": (
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=9), "Adam"),
    "CyclicLR-triangular": (
        lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.001], max_lr=0.2, step_size_up=15,
                                step_size_down=10), "SGD"),
    "CyclicLR-triangular2-betas": (
        lambda L, o: L.CyclicLR(o, base_lr=0.001, max_lr=[0.1, 0.05], step_size_up=12,
                                mode="triangular2", base_momentum=0.7, max_momentum=[0.95, 0.9]),
        "Adam"),
    "CyclicLR-exp_range": (
        lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=9, mode="exp_range",
                                gamma=0.99), "SGD"),
    "CyclicLR-scale_fn": (
        lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=9,
                                scale_fn=lambda x: 1 / (1 + 0.01 * x), scale_mode="iterations",
                                cycle_momentum=False), "Adam"),
    "OneCycleLR-cos": (lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.1], total_steps=STEPS),
                       "SGD"),
    "OneCycleLR-linear-betas": (
        lambda L, o: L.OneCycleLR(o, max_lr=0.05, epochs=20, steps_per_epoch=10, pct_start=0.25,
                                  anneal_strategy="linear", div_factor=10.0), "Adam"),
    "OneCycleLR-three_phase": (
        lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=STEPS + 5, three_phase=True,
                                  base_momentum=[0.8, 0.7], final_div_factor=1e3), "SGD"),
    "SequentialLR": (
        lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.2, total_iters=20),
                                        L.ExponentialLR(o, gamma=0.98)], milestones=[20]), "SGD"),
    "SequentialLR-three": (
        lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=10),
                                        L.CosineAnnealingLR(o, T_max=25),
                                        L.StepLR(o, step_size=9, gamma=0.5)],
                                    milestones=[10, 60]), "SGD"),
    "ChainedScheduler": (
        lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.1, total_iters=30),
                                         L.ExponentialLR(o, gamma=0.99),
                                         L.CosineAnnealingLR(o, T_max=40)]), "SGD"),
}


def _self_stepping(L, o):
    """A user-written scheduler: only get_lr, on the base class."""
    class Halving(L.LRScheduler):
        def get_lr(self):
            return [base_lr * 0.5 ** (self.last_epoch // 10) for base_lr in self.base_lrs]
    return Halving(o)


CASES["LRScheduler-subclass"] = (_self_stepping, "SGD")


@pytest.mark.parametrize("name", CASES)
def test_rates_equal_torch_at_every_step(name):
    make, kind = CASES[name]
    mine, theirs = twins(make, kind)
    assert_same_state(mine, theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning in the documented order of calls
        for _ in range(STEPS):
            advance([mine, theirs], 1)
            assert_same_state(mine, theirs)


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_mid_run(name):
    make, kind = CASES[name]
    mine, theirs = twins(make, kind)
    advance([mine, theirs], STEPS // 2 + 3)
    state = mine[1].state_dict()
    assert state == theirs[1].state_dict()  # same keys, same values
    # resume as a checkpoint does: fresh optimizer and scheduler, then both states
    opt = make_optimizer(tm, kind)
    sched = make(lr_scheduler, opt)
    opt.load_state_dict(mine[0].state_dict())
    sched.load_state_dict(state)
    assert sched.state_dict() == state
    resumed = (opt, sched)
    for _ in range(STEPS // 2 - 3):
        advance([resumed, theirs], 1)
        assert_same_state(resumed, theirs)


def test_state_dict_carries_the_attributes_of_a_callable_object():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate ** epoch

    saved = lr_scheduler.LambdaLR(make_optimizer(tm), Decay(0.5)).state_dict()
    assert saved["lr_lambdas"] == [{"rate": 0.5}, {"rate": 0.5}]
    opt = make_optimizer(tm)
    sched = lr_scheduler.LambdaLR(opt, [Decay(0.9), Decay(0.8)])
    sched.load_state_dict(saved)
    assert "lr_lambdas" in saved and [f.rate for f in sched.lr_lambdas] == [0.5, 0.5]
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.1 * 0.5, 0.03 * 0.5]


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
                                  "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
                                  "LambdaLR", "OneCycleLR-cos"])
def test_step_with_an_epoch_warns_and_uses_the_closed_form(name):
    make, kind = CASES[name]
    mine, theirs = twins(make, kind)
    for epoch in (3, 7, 7, 30, 2, 120, 121):
        for opt, sched in (mine, theirs):
            opt.step()
            with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
                sched.step(epoch)
        assert_same_state(mine, theirs)
        assert mine[1].last_epoch == epoch


@pytest.mark.parametrize("T_mult", [1, 3])
def test_warm_restarts_at_fractional_epochs(T_mult):
    mine, theirs = twins(lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=T_mult,
                                                                    eta_min=0.001))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # this scheduler takes epochs without a warning
        for epoch in range(60):
            for batch in range(5):
                for opt, sched in (mine, theirs):
                    opt.step()
                    sched.step(epoch + batch / 5)
                assert_same_state(mine, theirs)
                assert (mine[1].T_cur, mine[1].T_i, mine[1].last_epoch) == \
                    (theirs[1].T_cur, theirs[1].T_i, theirs[1].last_epoch)


def test_resuming_with_last_epoch():
    def make(L, o):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"] * 2
        return L.CosineAnnealingLR(o, T_max=20, last_epoch=13)
    mine, theirs = twins(make)
    assert_same_state(mine, theirs)
    with pytest.warns(UserWarning, match="please use `get_last_lr"):
        got = mine[1].get_lr()  # asked before the first step: PyTorch's closed form
    with pytest.warns(UserWarning):
        assert got == theirs[1].get_lr()
    advance([mine, theirs], 30)
    assert_same_state(mine, theirs)


def test_one_cycle_refuses_to_step_past_total_steps():
    for opt, sched in twins(lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10)):
        advance([(opt, sched)], 10)
        with pytest.raises(ValueError, match="^Tried to step 11 times. The specified number of "
                                             "total steps is 10$"):
            sched.step()


# --- ReduceLROnPlateau ---------------------------------------------------------------
LOSSES = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.93, 0.899, 0.8999, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74,
          0.75, 0.69, 0.69, 0.69, 0.69, 0.69, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6] * 3

PLATEAU_CASES = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(patience=1, cooldown=2, factor=0.3, min_lr=[0.01, 0.001]),
    dict(mode="max", patience=2, threshold=0.05),
    dict(patience=0, threshold=0.05, threshold_mode="abs", min_lr=0.005),
    dict(mode="max", patience=1, threshold=0.01, threshold_mode="abs", cooldown=1),
    dict(patience=0, factor=0.5, eps=0.02),
]


@pytest.mark.parametrize("kw", PLATEAU_CASES, ids=str)
def test_reduce_on_plateau_follows_a_fixed_loss_sequence(kw):
    torch = torch_or_skip()
    mine, theirs = twins(lambda L, o: L.ReduceLROnPlateau(o, **kw))
    for i, loss in enumerate(LOSSES):
        for lib, (opt, sched) in ((tm, mine), (torch, theirs)):
            opt.step()
            sched.step(loss if i % 2 else lib.tensor(loss))  # a float32 tensor: its value
        assert_same_state(mine, theirs)
        assert mine[1].state_dict() == theirs[1].state_dict()
    # the schedule really moved, and a reloaded scheduler carries on the same way
    assert mine[1].get_last_lr() != [0.1, 0.03]
    opt = make_optimizer(tm)
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kw)
    opt.load_state_dict(mine[0].state_dict())
    sched.load_state_dict(mine[1].state_dict())
    for loss in LOSSES[:20]:
        for o, s in ((opt, sched), theirs):
            o.step()
            s.step(loss)
        assert_same_state((opt, sched), theirs)


def test_reduce_on_plateau_with_a_group_added_later():
    torch = torch_or_skip()
    for lib, L in ((tm, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib)
        sched = L.ReduceLROnPlateau(opt, patience=0, min_lr=0.02)
        opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)], "lr": 1.0})
        sched.step(1.0)
        sched.step(2.0)
        assert sched.get_last_lr() == [0.02, 0.02, 1.0 * 0.1]  # min_lr covers the new group
        listed = L.ReduceLROnPlateau(opt, patience=0, min_lr=[0, 0, 0])
        opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)]})
        listed.step(1.0)
        with pytest.raises(RuntimeError, match=r"The number of param groups in the `optimizer` "
                                               r"\(4\) differs from when `ReduceLROnPlateau` was "
                                               r"initialized \(3\)"):
            listed.step(2.0)


# --- warnings ------------------------------------------------------------------------
def test_warns_when_stepped_before_the_optimizer():
    opt = make_optimizer(tm)
    sched = lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match=r"^Detected call of `lr_scheduler.step\(\)` before "
                                         r"`optimizer.step\(\)`"):
        sched.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only the first step is checked
        sched.step()


def test_warns_when_the_optimizer_step_is_replaced():
    opt = make_optimizer(tm)
    sched = lr_scheduler.ExponentialLR(opt, 0.9)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match=r"^Seems like `optimizer.step\(\)` has been overridden"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = lr_scheduler.StepLR(make_optimizer(tm), 3)
    with pytest.warns(UserWarning, match=r"^To get the last learning rate computed by the "
                                         r"scheduler, please use `get_last_lr\(\)`.$"):
        sched.get_lr()


def test_two_schedulers_wrap_the_optimizer_step_once():
    opt = make_optimizer(tm)
    lr_scheduler.StepLR(opt, 3)
    wrapped = opt.step
    lr_scheduler.ExponentialLR(opt, 0.9)
    assert opt.step is wrapped and wrapped._wrapped_by_lr_sched


def test_optimizer_copies_and_pickles_without_the_wrapper():
    opt = make_optimizer(tm)
    lr_scheduler.StepLR(opt, 3)
    twin = copy.deepcopy(opt)
    twin.step()
    assert not getattr(opt, "_opt_called", False)  # the copy stepped itself, not opt
    restored = pickle.loads(pickle.dumps(opt))
    assert settings(restored) == settings(opt)
    assert "step" not in vars(restored)


def test_old_name():
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)


# --- errors --------------------------------------------------------------------------
class Plain(tm.optim.Optimizer):
    """An optimizer without momentum or betas."""

    def __init__(self, params):
        super().__init__(params, {"lr": 0.1})


ERRORS = {
    "StepLR-no-step_size": lambda L, o: L.StepLR(o),
    "not-an-optimizer": lambda L, o: L.ExponentialLR([1.0], 0.9),
    "no-initial_lr": lambda L, o: L.StepLR(o, 3, last_epoch=4),
    "ConstantLR-factor": lambda L, o: L.ConstantLR(o, factor=1.5),
    "LinearLR-start-0": lambda L, o: L.LinearLR(o, start_factor=0),
    "LinearLR-start-above-1": lambda L, o: L.LinearLR(o, start_factor=1.01),
    "LinearLR-end": lambda L, o: L.LinearLR(o, end_factor=-0.1),
    "LambdaLR-count": lambda L, o: L.LambdaLR(o, [lambda e: 1.0]),
    "MultiplicativeLR-not-callable": lambda L, o: L.MultiplicativeLR(o, 0.9),
    "CAWR-T_0": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    "CAWR-T_0-float": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2.0),
    "CAWR-T_mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "CAWR-eta_min": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    "CAWR-negative-epoch": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    "CyclicLR-mode": lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="square"),
    "CyclicLR-max_lr-count": lambda L, o: L.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]),
    "CyclicLR-no-momentum": lambda L, o: L.CyclicLR(o, 0.01, 0.1),
    "OneCycleLR-total_steps": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0),
    "OneCycleLR-no-length": lambda L, o: L.OneCycleLR(o, 0.1, epochs=3),
    "OneCycleLR-epochs": lambda L, o: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    "OneCycleLR-steps_per_epoch": lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-3),
    "OneCycleLR-pct_start-int": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    "OneCycleLR-pct_start": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5),
    "OneCycleLR-anneal": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    "OneCycleLR-base_momentum-count": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10,
                                                                base_momentum=[0.8]),
    "Plateau-factor": lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    "Plateau-mode": lambda L, o: L.ReduceLROnPlateau(o, mode="lowest"),
    "Plateau-threshold_mode": lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="relative"),
    "Plateau-min_lr-count": lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.0]),
    "SequentialLR-empty": lambda L, o: L.SequentialLR(o, [], milestones=[]),
    "SequentialLR-milestones": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], milestones=[3]),
    "SequentialLR-plateau": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2),
                                                            L.ReduceLROnPlateau(o)], [3]),
    "SequentialLR-not-a-scheduler": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), 3], [3]),
    "SequentialLR-step-with-epoch": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], []).step(3),
    "ChainedScheduler-empty": lambda L, o: L.ChainedScheduler([]),
    "ChainedScheduler-plateau": lambda L, o: L.ChainedScheduler([L.ReduceLROnPlateau(o)]),
}
# whose message names the optimizer's repr (which differs between the libraries)
ERRORS_TYPE_ONLY = {"SequentialLR-other-optimizer": lambda L, o: L.SequentialLR(
    o, [L.StepLR(o, 2), L.StepLR(copy.deepcopy(o), 2)], milestones=[3])}


def _outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e), str(e)
    return None


@pytest.mark.parametrize("name", [*ERRORS, *ERRORS_TYPE_ONLY])
def test_invalid_arguments_raise_as_torch_does(name):
    torch = torch_or_skip()
    make = ERRORS.get(name) or ERRORS_TYPE_ONLY[name]

    def attempt(lib, L):
        if name == "CyclicLR-no-momentum":
            opt = (Plain if lib is tm else _TorchPlain(torch))([lib.zeros(1, requires_grad=True)])
        else:
            opt = make_optimizer(lib)
        return _outcome(lambda: make(L, opt))

    mine = attempt(tm, lr_scheduler)
    theirs = attempt(torch, torch.optim.lr_scheduler)
    assert theirs is not None
    if name in ERRORS_TYPE_ONLY:
        assert mine[0] is theirs[0]
    elif name in ("StepLR-no-step_size", "SequentialLR-step-with-epoch"):
        assert mine[0] is theirs[0] is TypeError  # (the message names the function)
        assert mine[1].split("() ")[-1] == theirs[1].split("() ")[-1]
    else:
        assert mine == theirs


def _TorchPlain(torch):
    class TorchPlain(torch.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})
    return TorchPlain


def test_cosine_reaches_eta_min_at_T_max():
    opt = make_optimizer(tm)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    advance([(opt, sched)], 10)
    assert [math.isclose(lr, 0.01) for lr in sched.get_last_lr()] == [True, True]
