"""Run by test_run.py through the launcher: prints what a rank sees, as torch scripts read it."""
import os
import sys

seen = " ".join(os.environ[k] for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE",
                                       "MASTER_ADDR", "MASTER_PORT"))
# one write per line: the ranks share mpiexec's pipe (print writes piece by piece unbuffered)
sys.stdout.write(f"RANKENV {seen} {__name__} {' '.join(sys.argv[1:])}\n")
sys.stdout.flush()
if sys.argv[1:] == ["--fail"] and os.environ["RANK"] == "1":
    sys.exit(3)
