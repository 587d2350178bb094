"""Running the tests: once on each unmutated module, then once per mutant, in parallel over
the private copies."""
import queue
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from .operators import Mutant

TIMEOUT_FACTOR = 3
TIMEOUT_MARGIN_S = 5  # start-up jitter: a baseline of one second may take three
_STATUS = {"passed": "survived", "failed": "killed", "timeout": "timeout"}
# a module that no test can import without failing
_BROKEN = 'raise RuntimeError("mutation testing: is this module imported by its tests?")\n'


class BaselineError(Exception):
    pass


@dataclass
class Result:
    mutant: Mutant
    status: str      # "killed", "survived" or "timeout" (which counts as killed)
    seconds: float
    failure: str     # for a killed mutant, the first failing test


def default_timeout(baseline_s):
    return TIMEOUT_FACTOR * baseline_s + TIMEOUT_MARGIN_S


def baseline(space, target):
    """The seconds the target's tests take on the unmutated copy. BaselineError when they
    fail, or when they still pass with the module broken: then they never import it from
    the copy (the editable install's checkout, say), and every mutant would survive."""
    clean = space.run_tests(target.tests, None, target.fresh_cache)
    if clean.status != "passed":
        raise BaselineError(f"the tests fail on the unmutated {target.path}:\n{clean.output}")
    with space.mutated(target.path, _BROKEN):
        broken = space.run_tests(target.tests, default_timeout(clean.seconds), target.fresh_cache)
    if broken.status == "passed":
        raise BaselineError(f"{', '.join(target.tests)} still pass with {target.path} broken: "
                            "they do not import it from the copy")
    return clean.seconds


def run_mutant(space, target, original, mutant):
    with space.mutated(target.path, mutant.apply(original)):
        outcome = space.run_tests(target.tests, target.timeout_s, target.fresh_cache)
    failure = outcome.failure if outcome.status == "failed" else ""
    return Result(mutant, _STATUS[outcome.status], outcome.seconds, failure)


def run_all(spaces, work, progress):
    """Results of `work`, (target, original text, mutant) triples, in order, each run in
    whichever copy is free."""
    free = queue.SimpleQueue()
    for space in spaces:
        free.put(space)

    def run(item):
        space = free.get()
        try:
            return run_mutant(space, *item)
        finally:
            free.put(space)

    pool = ThreadPoolExecutor(len(spaces))
    futures = [pool.submit(run, item) for item in work]
    try:
        for future in as_completed(futures):
            progress.advance(future.result())
    except BaseException:  # Ctrl-C too: end the runs in flight rather than wait them out
        for future in futures:
            future.cancel()
        for space in spaces:
            space.stop()
        raise
    finally:
        pool.shutdown()
    return [future.result() for future in futures]
