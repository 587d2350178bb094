"""The owner of memory another library lends a tensor."""


class MemoryOwner:
    """Keeps lent memory alive while any tensor views it: holds the lender (`keep`), or
    calls `release` (a DLPack deleter) once the last view is gone. It also shows the
    memory's bytes to numpy (`__array_interface__`), so that a numpy array built over
    them has this owner as its base."""

    def __init__(self, data, nbytes, keep=None, release=None):
        self._keep = keep
        self._release = release
        self.__array_interface__ = {"shape": (nbytes,), "typestr": "|u1",
                                    "data": (data, False), "version": 3}

    def __del__(self):
        if self._release is not None:
            self._release()
