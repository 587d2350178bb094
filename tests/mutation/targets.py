"""What runs: each module's test files, and which of its mutants."""
import random
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "tensorrt_mini"  # its tests mirror it from tests/, as kernels/'s do


@dataclass
class Target:
    path: str            # the module, relative to the repository root
    tests: list          # test files, relative to the root
    fresh_cache: bool    # a fresh kernel cache for every mutant (see kernel_module)
    baseline_s: float = None
    timeout_s: float = None


def mirror_tests(root, path):
    """The module's test files by the repository's convention: tensorrt_mini/ops/indexing.py
    is tested by tests/ops/test_indexing.py, kernels/cpu/optim.py (or its path through the
    link tensorrt_mini/kernels) by tests/kernels/cpu/test_optim*.py. A test_<name>_<more>.py
    counts unless <name>_<more>.py is a module too (test_cpu_threads.py is not cpu.py's)."""
    module = Path(path)
    parts = module.parent.parts
    folder = Path("tests", *(parts[1:] if parts[:1] == (PACKAGE,) else parts))
    found = []
    for test in sorted((root / folder).glob(f"test_{module.stem}*.py")):
        name = test.stem[len("test_"):]
        if name == module.stem or (name.startswith(module.stem + "_")
                                   and not (root / module.parent / f"{name}.py").exists()):
            found.append((folder / test.name).as_posix())
    return found


def kernel_module(root, path):
    """Whether the module is kernel code (kernels/, also reached as tensorrt_mini/kernels/).
    Its mutants change the kernels compiled and cached, so no mutant may reuse another's
    cache; a mutant elsewhere leaves them alone, and its runs share one cache."""
    return (root / path).resolve().is_relative_to((root / "kernels").resolve())


def choose(mutants, sample=None, seed=0, limit=None):
    """A reproducible random sample of `sample` mutants (all when None), back in source
    order, then the first `limit` of them."""
    if sample is not None and sample < len(mutants):
        picked = set(random.Random(seed).sample(range(len(mutants)), sample))
        mutants = [m for i, m in enumerate(mutants) if i in picked]
    return mutants[:limit]
