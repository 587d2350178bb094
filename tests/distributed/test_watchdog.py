"""Faults end the job with an error naming the rank, well inside the process group's
timeout (30 s in the worker) and the test's own hard timeout; never a hang."""
import time

import pytest

from tensorrt_mini.distributed.watchdog import process_gone


def _failed_fast(proc, started):
    assert proc.returncode != 0
    assert "FINISHED" not in proc.stdout
    assert time.monotonic() - started < 28  # before the 30 s timeout: named, not timed out
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("fault, expected", [
    ("kill", ["rank 1 (pid", "was killed by signal 9",
              "rank 0: DistBackendError: all_reduce: rank 1 (pid"]),
    ("raise", ["ValueError: rank one fails on purpose", "rank 1 raised ValueError"]),
])
def test_a_failing_rank_ends_the_job_naming_it(mpi_job, fault, expected):
    started = time.monotonic()
    out = _failed_fast(mpi_job(["_worker_faults.py", fault], launcher=True, timeout=90), started)
    for text in expected:
        assert text in out, out[-3000:]


def test_a_shape_mismatch_names_both_shapes(mpi_job):
    started = time.monotonic()
    proc = mpi_job(["_worker_faults.py", "shape"], env={"TORCH_DISTRIBUTED_DEBUG": "DETAIL"},
                   timeout=90)
    out = _failed_fast(proc, started)
    assert ("Detected mismatch between collectives on ranks: rank 0 called all_reduce with "
            "shape [4] and dtype float32, rank 1 called all_reduce with shape [5] and dtype "
            "float32") in out, out[-3000:]


def test_process_gone():
    import os
    import subprocess
    import sys
    assert not process_gone(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert process_gone(child.pid)


def _dead_pid():
    import subprocess
    import sys
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _watch(dog, guard, seconds):
    """Sleep inside the guard (a blocking call stand-in) until the dog aborts or time is up."""
    with guard:
        end = time.monotonic() + seconds
        while not dog.aborted and time.monotonic() < end:
            time.sleep(0.02)


class _Dog:
    def __init__(self, peers):
        import datetime
        from tensorrt_mini.distributed.watchdog import Watchdog
        self.aborted = []
        self.watchdog = Watchdog(0, peers, self.aborted.append)
        self.delta = datetime.timedelta


def test_watchdog_names_a_dead_peer_of_the_wait_only(capsys):
    d = _Dog([(1, _dead_pid()), (2, __import__("os").getpid())])
    _watch(d, d.watchdog.guard("all_reduce", d.delta(seconds=30), ranks=[0, 2]), 0.5)
    assert d.aborted == []  # rank 1 is not in this group: its end is not this wait's fault
    _watch(d, d.watchdog.guard("all_reduce", d.delta(seconds=30)), 5)
    assert d.aborted == [1]
    err = capsys.readouterr().err
    assert "rank 0: DistBackendError: all_reduce: rank 1 (pid" in err
    assert "is no longer running" in err
    d.watchdog.stop()


def test_watchdog_timeout():
    d = _Dog([])
    started = time.monotonic()
    _watch(d, d.watchdog.guard("broadcast", d.delta(seconds=0.3)), 5)
    assert d.aborted == [1] and time.monotonic() - started < 3
    d.watchdog.stop()
