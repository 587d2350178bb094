"""LambdaLR and MultiplicativeLR against torch's."""
import pytest

import tensorrt_mini as tm
from scheduler_twins import (check_epoch_argument, check_every_step, check_round_trip,
                             check_same_error, make_optimizer)
from tensorrt_mini.optim import lr_scheduler

CASES = {
    "LambdaLR": (lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e), "SGD"),
    "LambdaLR-per-group": (lambda L, o: L.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (1 + e)]),
                           "Adam"),
    "MultiplicativeLR": (lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97 if e % 3 else 1.01),
                         "SGD"),
}


@pytest.mark.parametrize("name", CASES)
def test_rates_equal_torch_at_every_step(name):
    check_every_step(*CASES[name])


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_mid_run(name):
    check_round_trip(*CASES[name])


def test_epoch_argument():
    check_epoch_argument(*CASES["LambdaLR"])


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


@pytest.mark.parametrize("make", [lambda L, o: L.LambdaLR(o, [lambda e: 1.0]),
                                  lambda L, o: L.MultiplicativeLR(o, (lambda e: 1.0,) * 3),
                                  lambda L, o: L.MultiplicativeLR(o, 0.9)],
                         ids=["LambdaLR-count", "MultiplicativeLR-count", "not-callable"])
def test_errors(make):
    check_same_error(make)
