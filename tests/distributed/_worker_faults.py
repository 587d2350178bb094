"""One rank of a fault job (run by test_watchdog.py under the launcher, not by pytest).
argv: kill | raise | shape. Rank 1 misbehaves after a first all_reduce that succeeds;
rank 0 then waits in an all_reduce that can never finish normally."""
import datetime
import os
import sys

import tensorrt_mini as tm
import tensorrt_mini.distributed as dist

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=30))
rank = dist.get_rank()
x = tm.ones(4)
dist.all_reduce(x)
if rank == 1:
    if sys.argv[1] == "kill":
        os.kill(os.getpid(), 9)
    if sys.argv[1] == "raise":
        raise ValueError("rank one fails on purpose")
    if sys.argv[1] == "shape":
        x = tm.ones(5)
dist.all_reduce(x)
sys.stdout.write(f"FINISHED {rank}\n")
sys.stdout.flush()
