"""Work: the handle an operation with async_op=True returns (torch.distributed.Work)."""


class Work:
    """wait() blocks until the operation is done and its results are in the tensors;
    is_completed() asks without blocking. wait_fn / test_fn come from the backend; finish
    writes staged results back, once."""

    __slots__ = ("_wait", "_test", "_finish", "_result", "_done")

    def __init__(self, wait_fn, test_fn, finish, result=()):
        self._wait = wait_fn
        self._test = test_fn
        self._finish = finish
        self._result = list(result)
        self._done = False

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()
        self._wait = self._test = self._finish = None

    def wait(self, timeout=None):
        if not self._done:
            self._wait(timeout)
            self._complete()
        return True

    def is_completed(self):
        if not self._done and self._test():
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def exception(self):
        return None

    def synchronize(self):
        self.wait()

    def result(self):
        return self._result

    def __repr__(self):
        return f"<Work {'completed' if self._done else 'pending'}>"
