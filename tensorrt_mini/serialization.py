"""`tm.save` and `tm.load`: torch.save's zip format, so torch.load reads what tm.save writes
and tm.load reads what torch.save writes. Neither needs torch.

The archive is a zip of stored (uncompressed) records under one folder, each record's
data at a multiple of 64 bytes from the start:
- `data.pkl`: the object, pickled (protocol 2) with torch's names for tensors
  (`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`),
  Parameters, storage types (`torch.FloatStorage`), dtypes, devices and sizes. A storage
  is the persistent id `('storage', storage type, key, location, numel)`; its bytes, in
  the writer's byte order, are the record `data/<key>`. Views saved together name one key,
  so they still share a storage when loaded.
- `byteorder`, `version` ("3"), `.format_version`, `.storage_alignment` and
  `.data/serialization_id`, as torch.save writes them.
"""
import contextlib
import io
import os
import pickle
import struct
import sys
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from . import backends
from . import dtypes as D
from . import torch_format as F
from ._tensor import Tensor
from .device import as_device, device
from .parameter import Parameter
from .size import Size
from .storage import Storage
from .weights_only import Unpickler as WeightsOnlyUnpickler

_ALIGNMENT = 64
_FOLDER = "archive"  # torch.save's name for it when it writes to a file object
# how a file of torch's legacy format (before zip, torch 1.6) starts: its magic number pickled
_LEGACY_START = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"

# --- save -----------------------------------------------------------------------------------

def save(obj, f):
    """Writes obj to f (a path or a seekable binary file object) as torch.save does."""
    pickled = io.BytesIO()
    pickler = _Pickler(pickled)
    pickler.dump(obj)  # before f is opened: an object that fails to pickle leaves f alone
    with _opened(f, "wb") as stream:
        _write_archive(stream, pickled.getvalue(), pickler.storages)


class _Pickler(pickle._Pickler):
    """Pickles as torch.save does. The pure-Python pickler, as only its `dispatch` lets a type
    write its own opcodes: torch's names are written as GLOBALs without importing torch."""

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = {}  # key -> Storage, in the order first pickled
        self._keys = {}     # id(storage) -> key
        self.dispatch = {**pickle._Pickler.dispatch, F.Global: _save_global, Tensor: _save_tensor,
                         Parameter: _save_parameter, D.dtype: _save_dtype, device: _save_device,
                         Size: _save_size}

    def persistent_id(self, obj):
        if not isinstance(obj, Storage):
            return None
        key = self._keys.get(id(obj))
        if key is None:
            key = self._keys[id(obj)] = str(len(self._keys))
            self.storages[key] = obj
        # the location is "cpu" or "cuda:0": a tensor's cuda device always has its index
        return ("storage", F.STORAGE_TYPES[obj.dtype], key, str(obj.device), obj.size())


def _save_global(pickler, g):
    pickler.write(pickle.GLOBAL + f"{g.module}\n{g.name}\n".encode())
    pickler.memoize(g)


def _save_call(pickler, func, args, obj):
    """obj as the call func(*args), which torch.load and tm.load make to rebuild it."""
    pickler.save(func)
    pickler.save(args)
    pickler.write(pickle.REDUCE)
    pickler.memoize(obj)


def _save_tensor(pickler, t):
    _save_call(pickler, F.REBUILD_TENSOR,
               (t._storage, t._offset, t._shape, t._stride, t._requires_grad, OrderedDict()), t)


def _save_parameter(pickler, p):
    _save_call(pickler, F.REBUILD_PARAMETER, (p.detach(), p._requires_grad, OrderedDict()), p)


def _save_dtype(pickler, d):
    pickler.save(F.DTYPES[d])


def _save_device(pickler, d):
    _save_call(pickler, F.DEVICE, (d.type,) if d.index is None else (d.type, d.index), d)


def _save_size(pickler, s):
    _save_call(pickler, F.SIZE, (tuple(s),), s)


def _write_archive(stream, pickled, storages):
    base = stream.tell()
    skew = 0
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
        for name, data in _records(pickled, storages):
            size = _write_record(archive, stream, base, skew, f"{_FOLDER}/{name}", data)
            # torch.load(mmap=True) may compute where a storage starts instead of reading its
            # header, taking the 16-byte data descriptor that torch's writer puts after a
            # non-empty record into account (below 4 GiB); the next record's padding does
            skew = 16 if name.startswith("data/") and size else 0


def _records(pickled, storages):
    yield "data.pkl", pickled
    yield ".format_version", b"1"
    yield ".storage_alignment", str(_ALIGNMENT).encode()
    yield "byteorder", sys.byteorder.encode()
    for key, storage in storages.items():  # one at a time: a cuda storage comes to the host
        yield f"data/{key}", np.ascontiguousarray(storage.to_host()).view(np.uint8)
    yield "version", b"3\n"
    yield ".data/serialization_id", f"{int.from_bytes(os.urandom(16), 'little'):040d}".encode()


def _write_record(archive, stream, base, skew, name, data):
    """A stored record whose data starts at a multiple of _ALIGNMENT from the archive's
    start (torch may map storages from the file), padded by an extra field of the local
    header, and `skew` bytes more; its size. zipfile writes the header at the stream's
    position."""
    size = memoryview(data).nbytes
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's test; a zip64 header has 20 bytes more
    header = 30 + len(name) + 4 + (20 if zip64 else 0)
    pad = skew + -(stream.tell() - base + skew + header) % _ALIGNMENT
    info = zipfile.ZipInfo(name)
    info.file_size = size
    info.extra = struct.pack("<HH", 0x4246, pad) + bytes(pad)  # "FB", the id torch pads with
    with archive.open(info, "w", force_zip64=zip64) as record:
        record.write(data)
    return size


# --- load -----------------------------------------------------------------------------------

def load(f, map_location=None, *, weights_only=True):
    """Reads what torch.save or tm.save wrote to f (a path or a seekable binary file object).

    map_location, as torch.load takes it: None puts each storage where it was saved; a
    device or device string puts them all there; a dict maps saved locations ("cpu",
    "cuda:0") to others; a callable(storage, location) gets each storage on the cpu and
    returns it where it belongs (or None: where it was saved).

    weights_only=True reads only tensors, Parameters, storages, dtypes, devices, sizes and
    containers of them and of plain values, so a file cannot run code; anything else is a
    pickle.UnpicklingError. weights_only=False unpickles anything: only for trusted files.
    """
    restore = _restorer(map_location)
    with _opened(f, "rb") as stream, _open_archive(stream) as archive:
        reader = _Reader(stream, archive, restore)
        pickled = io.BytesIO(reader.read("data.pkl"))
        if weights_only:
            return WeightsOnlyUnpickler(pickled, F.ALLOWED, reader.persistent_load).load()
        unpickler = _Unpickler(pickled)
        unpickler.persistent_load = reader.persistent_load
        return unpickler.load()


class _Unpickler(pickle.Unpickler):
    """The unrestricted unpickler: torch's names read as tm's; any other global is imported."""

    def find_class(self, module, name):
        found = F.ALLOWED.get(f"{module}.{name}")
        return found if found is not None else super().find_class(module, name)


class _Reader:
    """The records of one archive, and the storages loaded from them (by key: views saved
    together share one)."""

    def __init__(self, stream, archive, restore):
        self.stream = stream
        self.archive = archive
        self.names = set(archive.namelist())
        # the records' folder: torch.save names it after the file, so it is read, not assumed
        self.folder = archive.namelist()[0].partition("/")[0] if self.names else ""
        self.restore = restore
        self.storages = {}
        order = self.read("byteorder") if self.has("byteorder") else b"little"
        if order not in (b"little", b"big"):
            raise ValueError(f"Unknown endianness type: {order.decode(errors='replace')}")
        self.swap = order.decode() != sys.byteorder

    def has(self, name):
        return f"{self.folder}/{name}" in self.names

    def info(self, name):
        if not self.has(name):
            raise RuntimeError(f"tm.load: the archive has no record {name}: the file is "
                               f"corrupted, or not a checkpoint")
        return self.archive.getinfo(f"{self.folder}/{name}")

    def read(self, name):
        info = self.info(name)
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, EOFError) as e:
            raise RuntimeError(f"tm.load: failed reading record {name}: {e}") from None

    def read_storage(self, name, dtype, numel):
        """Record `name` as a cpu storage of numel elements. A stored record (torch.save's
        kind) is read straight into the storage: no second copy of a large checkpoint."""
        info = self.info(name)
        if info.file_size != numel * dtype.itemsize:
            raise RuntimeError(f"tm.load: record {name} has {info.file_size} bytes; its storage "
                               f"of {numel} {dtype} elements needs {numel * dtype.itemsize}")
        storage = backends.get("cpu").empty(numel, dtype)
        with memoryview(storage.array.view(np.uint8)) as out:
            if info.compress_type != zipfile.ZIP_STORED:
                out[:] = self.read(name)
            else:
                self.stream.seek(info.header_offset)
                header = self.stream.read(30)
                if len(header) != 30 or header[:4] != b"PK\x03\x04":
                    raise RuntimeError(f"tm.load: record {name} has no local header: the file "
                                       f"is corrupted")
                self.stream.seek(info.header_offset + 30 + sum(struct.unpack("<HH", header[26:])))
                if self.stream.readinto(out) != info.file_size or zlib.crc32(out) != info.CRC:
                    raise RuntimeError(f"tm.load: failed reading record {name}: it is truncated "
                                       f"or corrupted")
        if self.swap:
            storage.array.byteswap(inplace=True)
        return storage

    def persistent_load(self, pid):
        if type(pid) is not tuple or len(pid) != 5 or pid[0] != "storage" \
                or not isinstance(pid[1], F.StorageType) or type(pid[2]) is not str \
                or type(pid[3]) is not str or type(pid[4]) is not int or pid[4] < 0:
            raise RuntimeError(f"tm.load: unsupported storage id {pid!r}")
        _, storage_type, key, location, numel = pid
        if key in self.storages:
            return self.storages[key]
        dtype = storage_type.dtype
        if dtype is None:
            raise RuntimeError(f"tm.load: the file holds a {storage_type.name}, whose element "
                               f"type tensorrt_mini does not have")
        storage = self.restore(self.read_storage(f"data/{key}", dtype, numel), location)
        if not isinstance(storage, Storage) or storage.dtype is not dtype:
            raise TypeError(f"map_location returned {storage!r} for a storage of {dtype}; it "
                            f"must return a Storage of that dtype, or None")
        self.storages[key] = storage
        return storage


def _open_archive(stream):
    start = stream.tell()
    head = stream.read(len(_LEGACY_START))
    stream.seek(start)
    if head == _LEGACY_START:
        raise RuntimeError("tm.load: this file has torch's legacy format (torch.save with "
                           "_use_new_zipfile_serialization=False), which tm.load does not "
                           "read; save it again with torch.save's default format")
    if not head.startswith(b"PK\x03\x04"):
        raise RuntimeError("tm.load: not a zip archive, so not a file that torch.save or "
                           "tm.save wrote")
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, EOFError) as e:
        raise RuntimeError(f"tm.load: failed reading zip archive ({e}): the file is "
                           f"truncated or corrupted") from None


def _restorer(map_location):
    """(a loaded cpu storage, its saved location) -> that storage where map_location puts it."""
    if map_location is None:
        return _move
    if isinstance(map_location, (str, device)):
        return lambda storage, location: _move(storage, str(map_location))
    if isinstance(map_location, dict):
        return lambda storage, location: _move(storage, str(map_location.get(location, location)))
    if callable(map_location):
        def restore(storage, location):
            moved = map_location(storage, location)
            return _move(storage, location) if moved is None else moved
        return restore
    raise TypeError(f"map_location must be a device, a string, a dict or a callable, not "
                    f"{type(map_location).__name__}")


def _move(storage, location):
    dev = as_device(location)
    if dev.type == "cpu":
        return storage
    return backends.get(dev.type).from_host(storage.to_host(), dev, dtype=storage.dtype)


@contextlib.contextmanager
def _opened(f, mode):
    if isinstance(f, (str, os.PathLike)):
        with open(f, mode) as stream:
            yield stream
    else:
        yield f
