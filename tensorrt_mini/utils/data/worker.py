"""What runs in a DataLoader worker process: seeding, `get_worker_info()`, and the loop
that fetches the tasks the main process sends and sends back results (or the exception a
fetch raised, with its traceback)."""
import dataclasses
import os
import queue
import random
import sys
import traceback

import numpy as np

from ... import random as tm_random
from .fetch import make_fetcher

# how long the main process waits for its workers to exit before terminating them
STATUS_CHECK_INTERVAL = 5.0
# how often an idle worker checks that the main process is alive and not shutting down: a
# main process whose queues were finalised first (its iterator collected in a reference
# cycle) cannot send the None that says stop
_IDLE_CHECK_INTERVAL = 0.5


@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """Which worker this process is. `dataset` is the worker's own copy of the dataset."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    """The WorkerInfo of this DataLoader worker process; None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, with its formatted traceback, to raise again in
    the main process (where the traceback objects themselves cannot go)."""

    def __init__(self, exc_info=None, where="in background"):
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the same exception type, its message naming the worker and carrying the
        original traceback; RuntimeError if that type cannot be built from one message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class KeyErrorMessage(str):
    """A KeyError prints its argument's repr; this keeps the traceback readable."""

    def __repr__(self):
        return self


@dataclasses.dataclass(frozen=True)
class IterableDatasetEnd:
    """A worker's iterable dataset is exhausted: it gets no more tasks this epoch."""
    worker_id: int


@dataclasses.dataclass(frozen=True)
class Resume:
    """Start a new epoch (persistent workers): make a fresh fetcher, then acknowledge."""


def seed_worker(base_seed, worker_id):
    """Each worker's seed is base_seed + its id, for Python's `random` and tm's default
    generator, as torch seeds its own; numpy's global generator gets a state derived from
    both, so workers never share a numpy sequence."""
    seed = base_seed + worker_id
    random.seed(seed)
    tm_random.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def worker_loop(iterable, dataset, index_queue, channel, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers):
    global _worker_info
    # the process that started this one: the main process, or (forkserver) the server; a
    # worker that outlives it is adopted by another and leaves
    parent_pid = os.getppid()
    try:
        seed = seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        fetcher = init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)  # the answer to the first task
        exhausted = False
        while os.getppid() == parent_pid:
            try:
                task = index_queue.get(timeout=_IDLE_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break
                continue
            if isinstance(task, Resume):
                exhausted = False
                fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
                channel.send((task, None))
                continue
            if task is None:  # shut down
                break
            if done_event.is_set() or exhausted:
                continue  # the main process is finishing: only wait for the None
            idx, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not iterable:
                        data = ExceptionWrapper(where=where)
                    else:
                        data, exhausted = IterableDatasetEnd(worker_id), True
                except Exception:
                    data = ExceptionWrapper(where=where)
            try:
                channel.send((idx, data))
            except Exception:  # the result does not pickle: that is the task's answer
                channel.send((idx, ExceptionWrapper(where=where)))
            del data, task, index
    except KeyboardInterrupt:
        pass  # the main process gets it too, and shuts the workers down
