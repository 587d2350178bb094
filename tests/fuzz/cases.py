"""The shape of one case: its random number generator and the order its steps come in."""
import random

from . import draw_ops, draw_views, literals
from .program import Step


def case_rng(seed, case):
    # a string seed hashes the same in every process (PYTHONHASHSEED does not touch it)
    return random.Random(f"fuzz:{seed}:{case}")


def draw_program(rng, scope, big):
    """Yield the steps of one case: 1-3 input tensors, each with a chain of views, then
    1-4 ops. Each step is drawn after the ones before it have run. `big`: now and then
    an input is big enough for tm's parallel and tiled kernels (not on the simulator,
    which runs each GPU thread in Python)."""
    for _ in range(rng.randint(1, 3)):
        name = scope.name("x")
        dtype = rng.choice(literals.DTYPES)
        shape = literals.big_shape(rng) if big and rng.random() < 0.04 else literals.shape(rng)
        yield Step(f"{name} = {literals.tensor(rng, shape, dtype)}", "input", name)
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            if name not in scope.pool:
                break
            view = draw_views.draw(rng, name, scope.pool[name])
            if view is not None:
                out = scope.name("x")
                yield Step(f"{out} = {view[1]}", f"view:{view[0]}", out, (name,))
                name = out
    for _ in range(rng.randint(1, 4)):
        step = draw_ops.draw(rng, scope)
        if step is not None:
            yield step
