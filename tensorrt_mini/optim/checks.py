"""torch's checks of optimizer hyperparameters, with its ValueError messages."""

# how torch's messages name each option
_NAMES = {"lr": "learning rate", "eps": "epsilon value"}


def check_non_negative(**options):
    """Each option is >= 0 (a nan fails too, as in torch)."""
    for name, value in options.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_NAMES.get(name, name + ' value')}: {value}")


def check_betas(betas):
    for i, beta in enumerate(betas[:2]):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def check_fused(fused, foreach, differentiable):
    """torch's refusals of `fused` with the other implementation switches."""
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
