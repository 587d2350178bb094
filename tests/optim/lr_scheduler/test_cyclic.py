"""CyclicLR and OneCycleLR against torch's, momentum (SGD) and beta1 (Adam) included."""
import pytest

import tensorrt_mini as tm
from scheduler_twins import (advance, check_epoch_argument, check_every_step, check_round_trip,
                             check_same_error, make_optimizer, twins, STEPS)
from tensorrt_mini.optim import lr_scheduler

CASES = {
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
    "OneCycleLR-no-momentum": (
        lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=STEPS, cycle_momentum=False), "SGD"),
}


@pytest.mark.parametrize("name", CASES)
def test_rates_equal_torch_at_every_step(name):
    check_every_step(*CASES[name])


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_mid_run(name):
    check_round_trip(*CASES[name])


def test_epoch_argument():
    check_epoch_argument(*CASES["OneCycleLR-cos"])


def test_one_cycle_refuses_to_step_past_total_steps():
    for opt, sched in twins(lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10)):
        advance([(opt, sched)], 10)
        with pytest.raises(ValueError, match="^Tried to step 11 times. The specified number of "
                                             "total steps is 10$"):
            sched.step()


def plain_optimizer(lib):
    """An optimizer with neither momentum nor betas."""
    class Plain(lib.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})
    return Plain([lib.zeros(1, requires_grad=True)])


def test_cycling_momentum_needs_an_optimizer_with_momentum():
    check_same_error(lambda L, o: L.CyclicLR(o, 0.01, 0.1), optimizer=plain_optimizer)
    check_same_error(lambda L, o: L.OneCycleLR(o, 0.1, total_steps=5), optimizer=plain_optimizer)


ERRORS = {
    "CyclicLR-mode": lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="square"),
    "CyclicLR-max_lr-count": lambda L, o: L.CyclicLR(o, 0.01, [0.1, 0.2, 0.3]),
    "CyclicLR-base_momentum-count": lambda L, o: L.CyclicLR(o, 0.01, 0.1, base_momentum=[0.8]),
    "OneCycleLR-total_steps": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0),
    "OneCycleLR-total_steps-float": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10.0),
    "OneCycleLR-no-length": lambda L, o: L.OneCycleLR(o, 0.1, epochs=3),
    "OneCycleLR-epochs": lambda L, o: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    "OneCycleLR-steps_per_epoch": lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-3),
    "OneCycleLR-pct_start-int": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    "OneCycleLR-pct_start": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5),
    "OneCycleLR-anneal": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    "OneCycleLR-max_momentum-count": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10,
                                                               max_momentum=[0.8] * 3),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name):
    check_same_error(ERRORS[name])



def test_state_dict_carries_the_attributes_of_a_callable_scale_fn():
    class Shrink:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, cycle):
            return self.rate ** cycle

    def make(opt, rate):
        return lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=4, scale_fn=Shrink(rate))

    saved = make(make_optimizer(tm), 0.5).state_dict()
    assert saved["_scale_fn_custom"] == {"rate": 0.5} and saved["scale_mode"] == "cycle"
    sched = make(make_optimizer(tm), 0.9)
    sched.load_state_dict(saved)
    assert sched._scale_fn_custom.rate == 0.5 and saved["_scale_fn_custom"] == {"rate": 0.5}
    assert lr_scheduler.CyclicLR(make_optimizer(tm), 0.01, 0.1, scale_fn=lambda c: 1.0) \
        .state_dict()["_scale_fn_custom"] is None
