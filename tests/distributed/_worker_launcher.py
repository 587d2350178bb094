"""Run by test_run.py through the launcher: prints what a rank sees, as torch scripts read it."""
import os
import sys

print("RANKENV", " ".join(os.environ[k] for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE",
                                                  "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                                  "MASTER_PORT")),
      __name__, " ".join(sys.argv[1:]), flush=True)
if sys.argv[1:] == ["--fail"] and os.environ["RANK"] == "1":
    sys.exit(3)
