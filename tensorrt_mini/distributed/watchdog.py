"""The watchdog: no rank waits forever in a blocking collective.

A blocking MPI call cannot time out by itself, so the wait runs in the MPI call (at MPI's
full speed) while a daemon thread watches it, as torch's NCCL watchdog does. Every 0.1 s
it checks the operation in flight: a peer rank on this host whose process has gone (killed,
or exited) is named at once; otherwise the operation's deadline (the process group's
timeout) ends the wait. Either way the watchdog prints the error, naming the rank and the
operation, and calls MPI_Abort, which ends every rank of the job: a hang becomes an error.

A rank that raises leaves through the excepthook installed with the process group: it
prints the traceback and names the rank, then aborts the job the same way, so the other
ranks never wait for a collective it will not reach.
"""
import os
import sys
import threading
import time

POLL_S = 0.1
FLUSH_S = 0.2  # before MPI_Abort: mpiexec forwards the message before it ends the job


def process_gone(pid):
    """True when the local process pid no longer runs (gone, or a zombie not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except FileNotFoundError:
        return True
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


class Watchdog:
    """Guards the blocking waits of one process against dead peers and timeouts.

    peers: (global rank, pid) of the other ranks on this host; abort(code) ends the job.
    """

    def __init__(self, rank, peers, abort):
        self.rank = rank
        self.peers = peers
        self._abort = abort
        self._lock = threading.Lock()
        self._waits = {}  # token -> (what, deadline, timeout)
        self._next = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="tm.distributed watchdog",
                                        daemon=True)
        self._thread.start()

    def guard(self, what, timeout, ranks=None):
        """A context manager for one blocking wait of at most timeout (a timedelta) on the
        global ranks `ranks` (None: every rank); only their deaths fail it (a rank outside
        a group may have finished and gone)."""
        return _Guard(self, what, timeout, ranks)

    def _enter(self, what, timeout, ranks):
        with self._lock:
            self._next += 1
            self._waits[self._next] = (what, time.monotonic() + timeout.total_seconds(),
                                       timeout, None if ranks is None else set(ranks))
            return self._next

    def _leave(self, token):
        with self._lock:
            self._waits.pop(token, None)

    def stop(self):
        self._stop.set()

    def _watch(self):
        while not self._stop.wait(POLL_S):
            with self._lock:
                waits = list(self._waits.values())
            if not waits:
                continue
            gone = [(r, pid) for r, pid in self.peers if process_gone(pid)]
            now = time.monotonic()
            for what, deadline, timeout, ranks in waits:
                dead = [(r, pid) for r, pid in gone if ranks is None or r in ranks]
                if dead:
                    names = ", ".join(f"rank {r} (pid {pid})" for r, pid in dead)
                    return self._fail(f"{what}: {names} is no longer running (it exited or "
                                      "was killed)")
                if now > deadline:
                    return self._fail(f"{what} timed out after {timeout}: a peer rank did not "
                                      "reach the same collective (it hangs, or it called "
                                      "another one)")

    def _fail(self, message):
        sys.stderr.write(f"[tm.distributed] rank {self.rank}: DistBackendError: {message}; "
                         "aborting the job\n")
        sys.stderr.flush()
        time.sleep(FLUSH_S)
        self._abort(1)


class _Guard:
    __slots__ = ("dog", "what", "timeout", "ranks", "token")

    def __init__(self, dog, what, timeout, ranks):
        self.dog, self.what, self.timeout, self.ranks = dog, what, timeout, ranks

    def __enter__(self):
        self.token = self.dog._enter(self.what, self.timeout, self.ranks)

    def __exit__(self, *exc):
        self.dog._leave(self.token)


def install_excepthook(rank, abort):
    """An uncaught exception on this rank ends the whole job, naming the rank."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        sys.stderr.write(f"[tm.distributed] rank {rank} raised {kind.__name__}: {value}; "
                         "aborting the job\n")
        sys.stderr.flush()
        time.sleep(FLUSH_S)
        abort(1)

    sys.excepthook = hook
    return previous
