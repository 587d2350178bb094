"""Private copies of the working tree, where mutants are written and their tests run.

Neither the checkout (others work in it) nor the user's caches ever see a mutant: a copy
holds its own kernel sources cache ($TENSORRT_MINI_CACHE) and Numba cache
(NUMBA_CACHE_DIR) in .mutation-cache/.
"""
import compileall
import contextlib
import itertools
import os
import py_compile
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# --hypothesis-seed: property tests draw the same examples for every mutant, so a mutant
# is killed or not the same way on every run
PYTEST = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
          "--hypothesis-seed=0"]


@dataclass
class Outcome:
    status: str      # "passed", "failed" or "timeout"
    seconds: float
    output: str

    @property
    def failure(self):
        """The first failing test or error pytest reports, else its last line."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        return next((line for line in lines if line.startswith(("FAILED ", "ERROR "))),
                    lines[-1] if lines else "")


class Workspace:
    def __init__(self, directory):
        self.dir = Path(directory)
        self._process = None
        self._runs = itertools.count()

    @classmethod
    def copy_of(cls, root):
        """A copy of the working tree at `root`: the files git tracks or would track, as
        they are now (uncommitted changes included), links kept as links."""
        dest = Path(tempfile.mkdtemp(prefix="tm-mutation-"))
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=root, check=True, capture_output=True).stdout
        for name in filter(None, listed.decode().split("\0")):
            src = Path(root, name)
            if src.is_symlink() or src.is_file():  # (a tracked file may be deleted)
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name, follow_symlinks=False)
        # Bytecode checked by hash, not by mtime and size: a mutant of the same size written
        # within the same second as a pyc could otherwise load another mutant's code. Python
        # never rewrites a hash-checked pyc, so a mutant compiles in memory, and the
        # unchanged modules load from their pycs.
        compileall.compile_dir(dest, quiet=2, workers=1,
                               invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        return cls(dest)

    def clone(self):
        """Another copy, of this one (so every copy holds the same files)."""
        dest = tempfile.mkdtemp(prefix="tm-mutation-")
        shutil.copytree(self.dir, dest, symlinks=True, dirs_exist_ok=True)
        return Workspace(dest)

    def read(self, path):
        return (self.dir / path).read_bytes().decode("utf-8")

    @contextlib.contextmanager
    def mutated(self, path, text):
        """The module at `path` holds `text` for the duration, its own bytes again after."""
        file = self.dir / path
        original = file.read_bytes()
        file.write_bytes(text.encode("utf-8"))
        try:
            yield
        finally:
            file.write_bytes(original)

    def run_tests(self, tests, timeout, fresh_cache):
        """Run pytest on `tests` in this copy, killed after `timeout` seconds (None: no
        limit); with `fresh_cache`, in an empty kernel cache, removed after."""
        cache = self.dir / ".mutation-cache" / (f"run-{next(self._runs)}" if fresh_cache else "shared")
        env = dict(os.environ, TENSORRT_MINI_CACHE=str(cache), NUMBA_CACHE_DIR=str(cache / "numba"))
        start = time.perf_counter()
        # its own process group, so that a timeout also ends what the tests started
        self._process = subprocess.Popen(PYTEST + list(tests), cwd=self.dir, env=env, text=True,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        try:
            output, _ = self._process.communicate(timeout=timeout)
            status = "passed" if self._process.returncode == 0 else "failed"
        except subprocess.TimeoutExpired:
            self.stop()
            output, _ = self._process.communicate()
            status = "timeout"
        finally:
            if fresh_cache:
                shutil.rmtree(cache, ignore_errors=True)
            # Hypothesis replays the failures it saved here: every run starts without them
            shutil.rmtree(self.dir / ".hypothesis", ignore_errors=True)
        return Outcome(status, time.perf_counter() - start, output)

    def stop(self):
        """End the test run in flight, if any, with every process it started."""
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.killpg(self._process.pid, signal.SIGKILL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
