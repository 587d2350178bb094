"""CosineAnnealingLR and CosineAnnealingWarmRestarts against torch's."""
import math
import warnings

import pytest

import tensorrt_mini as tm
from scheduler_twins import (advance, assert_same_state, check_epoch_argument, check_every_step,
                             check_round_trip, check_same_error, make_optimizer, twins)
from tensorrt_mini.optim import lr_scheduler

CASES = {
    "CosineAnnealingLR": (lambda L, o: L.CosineAnnealingLR(o, T_max=30, eta_min=0.001), "SGD"),
    "CosineAnnealingLR-T_max-1": (lambda L, o: L.CosineAnnealingLR(o, T_max=1), "Adam"),
    "CosineAnnealingWarmRestarts": (
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=1e-4), "SGD"),
    "CosineAnnealingWarmRestarts-T_mult-1": (
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=9), "Adam"),
}


@pytest.mark.parametrize("name", CASES)
def test_rates_equal_torch_at_every_step(name):
    check_every_step(*CASES[name])


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_mid_run(name):
    check_round_trip(*CASES[name])


def test_epoch_argument_uses_the_closed_form():
    check_epoch_argument(*CASES["CosineAnnealingLR"])


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


def test_cosine_reaches_eta_min_at_T_max():
    opt = make_optimizer(tm)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    advance([(opt, sched)], 10)
    assert [math.isclose(lr, 0.01) for lr in sched.get_last_lr()] == [True, True]


ERRORS = {
    "T_0": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    "T_0-float": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2.0),
    "T_mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "T_mult-float": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
    "eta_min": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    "negative-epoch": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name):
    check_same_error(ERRORS[name])
