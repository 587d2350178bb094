"""Process groups and setup: init_process_group, the default group, new_group, ranks.

Ranks come from MPI: a job started by mpiexec (or srun, or
`python -m tensorrt_mini.distributed.run`) knows its rank and size without any
rendezvous. init_method="env://" reads RANK and WORLD_SIZE when they are set and checks
them against MPI's; when they are not (a plain `mpiexec -n 4 python train.py`), MPI's
values are used. MASTER_ADDR/MASTER_PORT are not needed: MPI has already connected the
ranks. A script started without mpiexec is a world of one rank.
"""
import datetime
import importlib
import os
import socket
import sys

from . import watchdog as W
from .errors import NOT_INITIALIZED

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)  # torch's default_pg_timeout
NCCL_DEFAULT_TIMEOUT = datetime.timedelta(minutes=10)
# torch's backend names: gloo is served by MPI, so a torch cpu script runs unchanged
_BACKEND_NAMES = {"mpi": "mpi", "gloo": "mpi", "nccl": "nccl"}


class ProcessGroup:
    """A set of ranks and the backend that serves each device type for them."""

    def __init__(self, ranks, group_rank, backends, backend_name, timeout, host):
        self.ranks = ranks  # global ranks, in group-rank order
        self._rank = group_rank
        self.backends = backends  # device type -> backend object
        self.backend_name = backend_name
        self.timeout = timeout
        self.host = host  # its MPI backend: barrier, objects, the mismatch check, new_group

    def rank(self):
        return self._rank

    def size(self):
        return len(self.ranks)

    def backend_for(self, device_type):
        backend = self.backends.get(device_type)
        if backend is None:
            raise RuntimeError(f"No backend type associated with device type {device_type}")
        return backend

    def __repr__(self):
        return f"<ProcessGroup {self.backend_name} ranks={self.ranks}>"


class _NonGroupMember:
    def __repr__(self):
        return "GroupMember.NON_GROUP_MEMBER"


class GroupMember:
    """torch's GroupMember: WORLD is the default group once initialized."""
    WORLD = None
    NON_GROUP_MEMBER = _NonGroupMember()


group = GroupMember  # dist.group.WORLD


class _State:
    world = None
    mpi = None  # the mpi4py MPI module, once a group needs it
    watchdog = None
    previous_hook = None
    groups = []
    debug = False  # TORCH_DISTRIBUTED_DEBUG=DETAIL: check shapes and dtypes across ranks


state = _State


# -- setup ---------------------------------------------------------------------------

def parse_backend(backend):
    """device type -> backend name, from torch's spellings ("gloo", "nccl",
    "cpu:gloo,cuda:nccl"); None: MPI for every device."""
    if backend is None:
        return {"cpu": "mpi", "cuda": "mpi"}
    spec = str(backend).lower()
    if ":" not in spec:
        name = _BACKEND_NAMES.get(spec)
        if name is None:
            raise ValueError(f"Invalid backend: '{backend}' (tensorrt_mini has mpi, gloo "
                             "(served by mpi) and nccl)")
        return {"cuda": "nccl"} if name == "nccl" else {"cpu": name, "cuda": name}
    out = {}
    for part in spec.split(","):
        device, _, name = part.partition(":")
        if device not in ("cpu", "cuda") or name not in _BACKEND_NAMES:
            raise ValueError(f"Invalid backend: '{backend}'")
        out[device] = _BACKEND_NAMES[name]
    if out.get("cpu") == "nccl":
        raise ValueError("the nccl backend serves cuda tensors only")
    return out


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError("tm.distributed needs mpi4py and an MPI: pip install "
                           "'tensorrt_mini[distributed]' (mpi4py and the mpich wheel)") from None
    return MPI


def _check_rank_env(name, value, mpi_value):
    """RANK/WORLD_SIZE (or the argument), when given, must agree with MPI's."""
    if value is not None and int(value) not in (-1, mpi_value):
        raise ValueError(
            f"{name}={value} but MPI gives this process {mpi_value}: start the ranks with "
            "mpiexec (or python -m tensorrt_mini.distributed.run), whose ranks are MPI's")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    if state.world is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got "
                        f"{type(timeout).__name__}")
    if store is not None:
        raise ValueError("tensorrt_mini's process groups meet through MPI; store is not supported")
    if init_method not in (None, "env://") and not str(init_method).startswith("tcp://"):
        raise ValueError(f"init_method {init_method!r} is not supported: use env:// (ranks from "
                         "MPI or RANK/WORLD_SIZE)")
    devices = parse_backend(backend)
    if timeout is None:
        timeout = NCCL_DEFAULT_TIMEOUT if set(devices.values()) == {"nccl"} else DEFAULT_TIMEOUT
    MPI = state.mpi = _import_mpi()
    world = MPI.COMM_WORLD
    my_rank, size = world.Get_rank(), world.Get_size()
    _check_rank_env("RANK", rank if rank != -1 else os.environ.get("RANK"), my_rank)
    _check_rank_env("WORLD_SIZE", world_size if world_size != -1 else os.environ.get("WORLD_SIZE"),
                    size)
    state.watchdog = W.Watchdog(my_rank, [], world.Abort)
    # every rank learns where the others run: the watchdog names a local peer that dies
    with state.watchdog.guard("init_process_group", timeout):
        places = world.allgather((socket.gethostname(), os.getpid()))
    here = places[my_rank][0]
    state.watchdog.peers = [(r, pid) for r, (host, pid) in enumerate(places)
                            if host == here and r != my_rank]
    state.previous_hook = W.install_excepthook(my_rank, world.Abort)
    state.debug = os.environ.get("TORCH_DISTRIBUTED_DEBUG", "").upper() == "DETAIL"
    pg = _make_group(list(range(size)), my_rank, world.Dup(), devices, timeout)
    state.world = GroupMember.WORLD = pg
    state.groups = [pg]


def _make_group(ranks, group_rank, comm, devices, timeout):
    from .mpi_backend import MPIBackend
    host = MPIBackend(comm, ranks, state.watchdog, timeout)
    backends = {}
    for device, name in devices.items():
        if name == "mpi":
            backends[device] = host
        else:
            if not is_nccl_available():
                raise RuntimeError("the nccl backend needs CuPy with NCCL (pip install "
                                   "nvidia-nccl-cu13) and a GPU")
            from .nccl_backend import NCCLBackend
            backends[device] = NCCLBackend.create(comm, ranks, state.watchdog, timeout)
    names = sorted(set(devices.values()))
    label = names[0] if len(names) == 1 else ",".join(f"{d}:{n}" for d, n in devices.items())
    return ProcessGroup(ranks, group_rank, backends, label, timeout, host)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None):
    """A group of `ranks` (global ranks); every rank of the world calls it, as in torch.
    Ranks outside get GroupMember.NON_GROUP_MEMBER."""
    world = default_group()
    size = world.size()
    ranks = sorted(set(range(size) if ranks is None else ranks))
    for r in ranks:
        if not 0 <= r < size:
            raise ValueError(f"The new group's rank should be within the world_size set by "
                             f"init_process_group (rank {r}, world_size {size})")
    me = world.rank()
    devices = ({d: "mpi" if b.name == "mpi" else "nccl" for d, b in world.backends.items()}
               if backend is None else parse_backend(backend))
    MPI = state.mpi
    comm = world.host.comm.Split(0 if me in ranks else MPI.UNDEFINED, me)
    if me not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    pg = _make_group(ranks, ranks.index(me), comm, devices, timeout or world.timeout)
    state.groups.append(pg)
    return pg


def destroy_process_group(group=None):
    """group None: every group, and the default one; then init_process_group may run again."""
    world = default_group()
    if group is None or group is world:
        for pg in state.groups:
            for backend in set(pg.backends.values()) | {pg.host}:
                backend.free()
        state.groups = []
        state.world = GroupMember.WORLD = None
        state.watchdog.stop()
        sys.excepthook = state.previous_hook
        return
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    for backend in set(group.backends.values()) | {group.host}:
        backend.free()
    state.groups.remove(group)


# -- queries -------------------------------------------------------------------------

def default_group():
    if state.world is None:
        raise ValueError(NOT_INITIALIZED)
    return state.world


def resolve(group):
    """The ProcessGroup `group` names (None: the default one), or NON_GROUP_MEMBER."""
    world = default_group()
    return world if group is None else group


def is_available():
    return True


def is_mpi_available():
    try:
        importlib.import_module("mpi4py.MPI")
    except ImportError:
        return False
    return True


def is_nccl_available():
    try:
        return bool(importlib.import_module("cupy.cuda.nccl").available)
    except Exception:  # no CuPy (its warning about a missing libnccl is CuPy's own)
        return False


def is_initialized():
    return state.world is not None


def get_rank(group=None):
    pg = resolve(group)
    return -1 if pg is GroupMember.NON_GROUP_MEMBER else pg.rank()


def get_world_size(group=None):
    pg = resolve(group)
    return -1 if pg is GroupMember.NON_GROUP_MEMBER else pg.size()


def get_backend(group=None):
    pg = resolve(group)
    if pg is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    return pg.backend_name


def get_process_group_ranks(group):
    return list(resolve(group).ranks)


def get_global_rank(group, group_rank):
    ranks = resolve(group).ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {ranks}")
    return ranks[group_rank]


def get_group_rank(group, global_rank):
    ranks = resolve(group).ranks
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {ranks}")
    return ranks.index(global_rank)
