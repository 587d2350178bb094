"""StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR and PolynomialLR against
torch's."""
import pytest

from scheduler_twins import (check_epoch_argument, check_every_step, check_round_trip,
                             check_same_error)

CASES = {
    "StepLR": (lambda L, o: L.StepLR(o, step_size=7, gamma=0.7), "SGD"),
    "MultiStepLR": (lambda L, o: L.MultiStepLR(o, milestones=[80, 10, 30, 30], gamma=0.3), "SGD"),
    "ConstantLR": (lambda L, o: L.ConstantLR(o, factor=0.3, total_iters=15), "SGD"),
    "LinearLR": (lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=0.7, total_iters=90),
                 "Adam"),
    "LinearLR-decreasing": (lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.0,
                                                    total_iters=130), "SGD"),
    "ExponentialLR": (lambda L, o: L.ExponentialLR(o, gamma=0.97), "SGD"),
    "PolynomialLR": (lambda L, o: L.PolynomialLR(o, total_iters=150, power=2.5), "SGD"),
}


@pytest.mark.parametrize("name", CASES)
def test_rates_equal_torch_at_every_step(name):
    check_every_step(*CASES[name])


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_mid_run(name):
    check_round_trip(*CASES[name])


@pytest.mark.parametrize("name", CASES)
def test_epoch_argument_uses_the_closed_form(name):
    check_epoch_argument(*CASES[name])


ERRORS = {
    "StepLR-no-step_size": lambda L, o: L.StepLR(o),
    "ConstantLR-factor": lambda L, o: L.ConstantLR(o, factor=1.5),
    "ConstantLR-negative-factor": lambda L, o: L.ConstantLR(o, factor=-0.5),
    "LinearLR-start-0": lambda L, o: L.LinearLR(o, start_factor=0),
    "LinearLR-start-above-1": lambda L, o: L.LinearLR(o, start_factor=1.01),
    "LinearLR-end": lambda L, o: L.LinearLR(o, end_factor=-0.1),
    "ExponentialLR-no-gamma": lambda L, o: L.ExponentialLR(o),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name):
    check_same_error(ERRORS[name])
