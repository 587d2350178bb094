"""The main process's side of multi-process loading: it starts the workers, hands them
tasks (keeping prefetch_factor per worker in flight, round-robin), puts their results back
in sampler order, raises what a worker raised, notices a worker that died, and shuts them
down (or, with persistent workers, keeps them for the next epoch)."""
import itertools
import multiprocessing
import signal
import time

from .transport import ResultChannel
from .worker import STATUS_CHECK_INTERVAL, ExceptionWrapper, IterableDatasetEnd, Resume, \
    worker_loop

# how often a main process waiting without a timeout checks that its workers are alive
_LIVENESS_INTERVAL = 0.2


class WorkerPool:
    def __init__(self, loader, iterable, auto_collation, collate_fn, drop_last, base_seed):
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._iterable = iterable
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._num_workers = loader.num_workers
        self._max_tasks = loader.prefetch_factor * loader.num_workers
        self._channel = ResultChannel(context)
        self._done = context.Event()
        self._queues, self._workers = [], []
        self._shut = False
        for worker_id in range(self._num_workers):
            tasks = context.Queue()
            tasks.cancel_join_thread()  # a queue with unread tasks never blocks our exit
            w = context.Process(
                target=worker_loop, daemon=True,
                args=(iterable, loader.dataset, tasks, self._channel, self._done,
                      auto_collation, collate_fn, drop_last, base_seed, loader.worker_init_fn,
                      worker_id, self._num_workers))
            w.start()
            self._queues.append(tasks)
            self._workers.append(w)

    # --- an epoch ---------------------------------------------------------------------------
    def start_epoch(self, sampler_iter, first):
        self._sampler_iter = sampler_iter
        self._send_idx = self._rcvd_idx = 0
        self._tasks = {}  # task index -> [worker id] or [worker id, result]
        self._per_worker = [0] * self._num_workers
        self._outstanding = 0
        self._active = [True] * self._num_workers
        self._cycle = itertools.cycle(range(self._num_workers))
        if not first:  # persistent workers: each makes a fresh fetcher, and says so
            resume = Resume()
            for q in self._queues:
                q.put(resume)
            acks = 0
            while acks < self._num_workers:
                task, _ = self._receive()
                acks += isinstance(task, Resume)
        for _ in range(self._max_tasks):
            self._put_task()

    def _put_task(self):
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        share = self._max_tasks // max(sum(self._active), 1)
        for _ in range(self._num_workers):
            w = next(self._cycle)
            if self._active[w] and (self._in_order or self._per_worker[w] < share):
                break
        else:
            return
        self._queues[w].put((self._send_idx, index))
        self._tasks[self._send_idx] = [w]
        self._per_worker[w] += 1
        self._outstanding += 1
        self._send_idx += 1

    def next_result(self):
        while True:
            # skip the tasks of workers whose iterable ran out before answering them
            while self._rcvd_idx < self._send_idx:
                info = self._tasks.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._tasks.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                raise StopIteration
            info = self._tasks[self._rcvd_idx]
            if len(info) == 2:  # arrived earlier, out of order
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._deliver(info[1], info[0])
            idx, data = self._receive()
            self._outstanding -= 1
            if isinstance(data, IterableDatasetEnd):
                self._active[data.worker_id] = False
                self._per_worker[data.worker_id] -= 1
                self._put_task()
                continue
            if idx == self._rcvd_idx or not self._in_order:
                w = self._tasks.pop(idx)[0]
                if idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._deliver(data, w)
            self._tasks[idx].append(data)

    def _deliver(self, data, worker_id):
        self._per_worker[worker_id] -= 1
        self._put_task()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _receive(self):
        """The next (task, result) from any worker; RuntimeError after `timeout` seconds
        without one, or as soon as a worker is found dead."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _LIVENESS_INTERVAL if deadline is None else \
                max(0.0, min(_LIVENESS_INTERVAL, deadline - time.monotonic()))
            message = self._channel.receive(wait)
            if message is not None:
                return message
            self._check_workers()
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _check_workers(self):
        for w in self._workers:
            if w.exitcode is None:
                continue
            code, pid = w.exitcode, w.pid
            self.shutdown()
            if code < 0:
                raise RuntimeError(f"DataLoader worker (pid {pid}) is killed by signal: "
                                   f"{signal.strsignal(-code)}. ")
            raise RuntimeError(f"DataLoader worker (pid {pid}) exited unexpectedly with exit "
                               f"code {code}. Details are lost due to multiprocessing. "
                               "Rerunning with num_workers=0 may give better error trace.")

    # --- the end ------------------------------------------------------------------------------
    def shutdown(self):
        """Stop every worker: ask, wait a while (reading what they still send, so none
        blocks on a full pipe), then terminate the ones left."""
        if self._shut:
            return
        self._shut = True
        self._done.set()
        for q in self._queues:
            try:
                q.put(None)
            except (OSError, ValueError):  # a queue already closed
                pass
        deadline = time.monotonic() + STATUS_CHECK_INTERVAL
        while any(w.is_alive() for w in self._workers) and time.monotonic() < deadline:
            try:
                while self._channel.receive(0.01) is not None:
                    pass
            except (EOFError, OSError):
                break
        for w in self._workers:
            if w.is_alive():
                w.terminate()
            w.join()
        for q in self._queues:
            q.close()
        self._channel.close()
