"""Generated kernel modules: Python source that a kernel generator writes for one body and
one operand pattern, saved in the cache folder and imported from there, so that Numba's
on-disk cache (`cache=True`) keeps the compiled code between processes.

A module's file name (its stem) hashes everything its code depends on: the bodies' keys,
the pattern, and the source of the generator and the body preparation (`source_id`), so
no process ever loads machine code made from other source.
"""
import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path

import numba as nb

_lock = threading.Lock()
_loaded = {}  # stem -> module
_KERNELS = Path(__file__).resolve().parent.parent  # the kernels package


def cache_dir():
    """Where generated sources live (Numba caches their machine code beside them):
    $TENSORRT_MINI_CACHE/cpu, else the user cache folder."""
    env = os.environ.get("TENSORRT_MINI_CACHE")
    base = Path(env) if env else Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tensorrt_mini"
    return base / "cpu"


def source_id(*paths):
    """A hash of the kernels package's files at `paths` (relative to it) and Numba's
    version: what a generator's machine code depends on besides its bodies."""
    h = hashlib.sha256(nb.__version__.encode())
    for path in paths:
        h.update((_KERNELS / path).read_bytes())
    return h.hexdigest()[:16]


def stem(kind, *parts):
    """A module's file stem: `kind` and a hash of `parts`."""
    return f"{kind}_" + hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:24]


def load(stem, source, names):
    """The module `stem`, imported once per process: its source (`source()`, written to
    the cache folder unless already there) run with the globals `names()` set first."""
    module = _loaded.get(stem)
    if module is not None:
        return module
    with _lock:
        module = _loaded.get(stem)
        if module is None:
            module = _loaded[stem] = _import(stem, source(), names())
    return module


def write(path, text):
    """Write a file of the cache folder unless it already holds `text`; readers never see
    half a file (written beside it, then renamed)."""
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _import(stem, text, names):
    path = folder() / f"{stem}.py"
    write(path, text)
    name = f"tensorrt_mini_generated.{stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    for key, value in names.items():
        setattr(module, key, value)
    # Numba's cache rebuilds a kernel's environment by importing its module by name
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def folder():
    """cache_dir(), made if need be; when it cannot be made (a read-only home, say), a
    private folder in the temp folder."""
    return _writable(cache_dir())


@functools.lru_cache(maxsize=None)
def _writable(path):
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:
        private = Path(tempfile.gettempdir()) / f"tensorrt_mini-cpu-{os.getuid()}"
        private.mkdir(mode=0o700, exist_ok=True)
        return private
