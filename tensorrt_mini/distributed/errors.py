"""The exceptions tm.distributed raises, with torch.distributed's names and bases."""


class DistError(RuntimeError):
    """An error in the distributed package (torch.distributed.DistError)."""


class DistBackendError(DistError):
    """The communication backend failed: a peer died, raised, or a collective timed out."""


NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                   "init_process_group.")
