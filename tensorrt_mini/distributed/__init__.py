"""tm.distributed: torch.distributed's API on MPI (mpi4py) and NCCL (CuPy).

Importing it loads neither: init_process_group brings in the backends it is asked for.
"""
from .errors import DistBackendError, DistError
from .reduce_op import ReduceOp
from .work import Work
from .process_group import (GroupMember, ProcessGroup, destroy_process_group, get_backend,
                            get_global_rank, get_group_rank, get_process_group_ranks,
                            get_rank, get_world_size, group, init_process_group, is_available,
                            is_initialized, is_mpi_available, is_nccl_available, new_group)
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all_single,
                          barrier, broadcast, gather, reduce, reduce_scatter,
                          reduce_scatter_tensor, scatter)
from .p2p import irecv, isend, recv, send
from .objects import all_gather_object, broadcast_object_list

__all__ = ["DistBackendError", "DistError", "GroupMember", "ProcessGroup", "ReduceOp", "Work",
           "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce",
           "all_to_all_single", "barrier", "broadcast", "broadcast_object_list",
           "destroy_process_group", "gather", "get_backend", "get_global_rank",
           "get_group_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "isend", "new_group", "recv", "reduce",
           "reduce_scatter", "reduce_scatter_tensor", "scatter", "send"]
