"""Random number state: `manual_seed`, `seed`, `initial_seed` and the default generator.

One seed drives every device. The CPU draws from numpy's PCG64 generator; a counter-based
device generator reads `seed` and advances `offset` so that a seeded sequence of calls is
reproducible there too.
"""
import numpy as np

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed, so unseeded runs are repeatable


class Generator:
    def __init__(self, device="cpu"):
        self.device = device
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            raise RuntimeError(f"Seed must be non-negative, got {seed}")
        self._seed = seed
        self.offset = 0
        self.numpy = np.random.Generator(np.random.PCG64(seed))
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Reseed from a non-deterministic source and return the new seed."""
        return self.manual_seed(int(np.random.SeedSequence().entropy) & ((1 << 63) - 1))._seed

    def get_state(self):
        return (self._seed, self.offset, self.numpy.bit_generator.state)

    def set_state(self, state):
        self._seed, self.offset, np_state = state
        self.numpy.bit_generator.state = np_state

    def next_offset(self, n):
        """Reserve n counter values for a device draw and return the first."""
        start = self.offset
        self.offset += n
        return start


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
