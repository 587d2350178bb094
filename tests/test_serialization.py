"""tm.save / tm.load in torch.save's zip format, the weights-only unpickler, and pickle and
deepcopy of tensors. Tests marked by their name `torch` compare with torch and skip
without it; the rest run without torch."""
import copy
import io
import os
import pathlib
import pickle
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict
from fractions import Fraction

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import DTYPES, needs_torch, torch_dtype
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.device import CPU

needs_cuda = pytest.mark.skipif(not cuda_runtime.is_available(), reason="cuda unavailable")


def round_trip(obj, **load_args):
    buf = io.BytesIO()
    tm.save(obj, buf)
    buf.seek(0)
    return tm.load(buf, **load_args)


def layout(t):
    return tuple(t.shape), t.stride(), t.storage_offset()


def sample(dtype, device="cpu"):
    """A (3, 4) tensor of dtype with distinct values (where the dtype has them), and two views."""
    values = np.arange(12).reshape(3, 4) - 5
    if dtype is tm.bool:
        values = values % 3 == 0
    elif dtype is tm.uint8:
        values = values + 200
    elif dtype.is_floating_point:
        values = values / 4
    x = tm.tensor(values.astype(dtype.np), device=device)
    return {"x": x, "t": x[1:].t(), "col": x[:, 2]}


# --- hand-made files: built here byte by byte, not by the code under test -----------------

def op_global(path):
    module, name = path.rsplit(".", 1)
    return b"c" + f"{module}\n{name}\n".encode()


def op_str(s):
    data = s.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def op_int(n):
    return b"J" + struct.pack("<i", n)


def op_tuple(items):
    return b"(" + b"".join(items) + b"t"


def tensor_pickle(numel, offset, size, stride, storage="FloatStorage", requires_grad=False,
                  metadata=b""):
    """The pickle of one tensor, as torch.save writes it (protocol 2); `metadata`, the
    opcodes of a 7th argument."""
    pid = op_tuple([op_str("storage"), op_global(f"torch.{storage}"), op_str("0"), op_str("cpu"),
                    op_int(numel)]) + b"Q"
    hooks = op_global("collections.OrderedDict") + b")R"
    args = op_tuple([pid, op_int(offset), op_tuple(map(op_int, size)),
                     op_tuple(map(op_int, stride)), b"\x88" if requires_grad else b"\x89", hooks,
                    metadata])
    return b"\x80\x02" + op_global("torch._utils._rebuild_tensor_v2") + args + b"R."


def archive(pickled, records=(), byteorder=b"little", folder="archive",
            compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        if pickled is not None:
            z.writestr(f"{folder}/data.pkl", pickled)
        if byteorder is not None:
            z.writestr(f"{folder}/byteorder", byteorder)
        for name, data in dict(records).items():
            z.writestr(f"{folder}/{name}", data)
        z.writestr(f"{folder}/version", b"3\n")
    return buf.getvalue()


def load_bytes(data, **kw):
    return tm.load(io.BytesIO(data), **kw)


def data_offsets(data):
    """Where each record's data starts, read from the zip's local headers."""
    out = {}
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        head = data[info.header_offset:info.header_offset + 30]
        assert head[:4] == b"PK\x03\x04"
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        out[info.filename] = info.header_offset + 30 + name_len + extra_len
    return out


# --- tm -> tm ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_round_trip_keeps_values_dtypes_layouts_and_sharing(dtype):
    saved = sample(dtype)
    back = round_trip(saved)
    assert list(back) == ["x", "t", "col"]
    for k, t in saved.items():
        assert back[k].dtype is dtype and back[k].device is CPU
        assert layout(back[k]) == layout(t) and back[k].tolist() == t.tolist()
    storage = back["x"].untyped_storage()
    assert back["t"].untyped_storage() is storage and back["col"].untyped_storage() is storage
    assert storage is not saved["x"].untyped_storage()
    back["x"][2, 2] = 1  # one memory: a write through one view shows in the others
    assert back["t"][2, 1].item() == back["col"][2].item() == 1


def test_views_of_one_storage_need_not_include_its_start():
    base = tm.arange(10.0)
    back = round_trip([base[4:7], base[5:].view(5, 1).expand(5, 3)])
    assert [layout(t) for t in back] == [((3,), (1,), 4), ((5, 3), (1, 0), 5)]
    assert back[0].untyped_storage() is back[1].untyped_storage()
    assert back[0].untyped_storage().size() == 10
    assert back[1].tolist() == [[v] * 3 for v in (5.0, 6.0, 7.0, 8.0, 9.0)]


def test_zero_d_and_empty_tensors():
    back = round_trip({"s": tm.tensor(2.5), "e": tm.zeros(0, 3, dtype=tm.int64)})
    assert back["s"].shape == () and back["s"].item() == 2.5
    assert back["e"].shape == (0, 3) and back["e"].dtype is tm.int64


def test_parameters_and_requires_grad():
    p = tm.nn.Parameter(tm.ones(2, 2))
    frozen = tm.nn.Parameter(tm.ones(2), requires_grad=False)
    leaf = tm.ones(3, requires_grad=True)
    back = round_trip({"p": p, "p_t": p.t(), "frozen": frozen, "leaf": leaf, "plain": tm.ones(1),
                       "non_leaf": leaf * 2})
    assert type(back["p"]) is tm.nn.Parameter and back["p"].requires_grad and back["p"].is_leaf
    assert type(back["frozen"]) is tm.nn.Parameter and not back["frozen"].requires_grad
    assert back["p_t"].untyped_storage() is back["p"].untyped_storage()
    assert type(back["leaf"]) is tm.Tensor and back["leaf"].requires_grad
    assert not back["plain"].requires_grad
    # as torch: a non-leaf is saved with its requires_grad and loads as a leaf
    assert back["non_leaf"].is_leaf and back["non_leaf"].requires_grad
    assert back["non_leaf"].tolist() == [2.0, 2.0, 2.0]


def test_a_parameter_loads_without_nn(tmp_path):
    """Parameter lives beside the Tensor: a fresh process loads one before touching tm.nn."""
    path = tmp_path / "p.pt"
    tm.save(tm.nn.Parameter(tm.ones(2)), path)
    code = (f"import sys\nimport tensorrt_mini as tm\np = tm.load({str(path)!r})\n"
            f"print(type(p).__name__, 'tensorrt_mini.nn' in sys.modules)\n")
    repo = pathlib.Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo,
                         check=True).stdout
    assert out == "Parameter False\n"


def test_state_dicts():
    model = tm.nn.Sequential(tm.nn.Linear(3, 4), tm.nn.ReLU(), tm.nn.Linear(4, 2))
    state = round_trip(model.state_dict())
    assert type(state) is OrderedDict and list(state) == list(model.state_dict())
    other = tm.nn.Sequential(tm.nn.Linear(3, 4), tm.nn.ReLU(), tm.nn.Linear(4, 2))
    other.load_state_dict(state)
    x = tm.randn(5, 3)
    assert other(x).tolist() == model(x).tolist()


def test_containers_and_plain_values():
    x = tm.arange(4)
    obj = {"list": [x, 1, -7, 2 ** 70, -2 ** 70, 2.5, "s", None, True, False],
           "tuple": (x[1:], (1, (2,))), "nested": {"deep": [{"x": x}]},
           "bytes": b"\x00\xff", "set": {1, 2}, "complex": 1 - 2j, "empty": ([], {}, ()),
           "dtype": tm.float64, "device": tm.device("cuda", 0), "cpu": tm.device("cpu"),
           "size": tm.Size([2, 3]), 3: "int key", "storage": x.untyped_storage()}
    back = round_trip(obj)
    assert back["list"][1:] == obj["list"][1:] and back["tuple"][1] == (1, (2,))
    assert [type(v) for v in back["list"]] == [type(v) for v in obj["list"]]  # True is not 1
    assert back["bytes"] == b"\x00\xff" and back["set"] == {1, 2} and back["complex"] == 1 - 2j
    assert back["empty"] == ([], {}, ()) and back[3] == "int key"
    assert back["dtype"] is tm.float64 and back["device"] == tm.device("cuda:0")
    assert back["cpu"] == CPU and type(back["size"]) is tm.Size and back["size"] == (2, 3)
    x2 = back["list"][0]
    assert back["tuple"][0].untyped_storage() is x2.untyped_storage()
    assert back["nested"]["deep"][0]["x"] is x2  # one object saved twice loads as one
    assert back["storage"] is x2.untyped_storage()  # a storage saved as itself, as torch does


def test_paths_and_file_objects(tmp_path):
    x = tm.arange(3.0)
    for where in (str(tmp_path / "a.pt"), tmp_path / "b.pt"):
        tm.save(x, where)
        assert tm.load(where).tolist() == [0.0, 1.0, 2.0]
    with open(tmp_path / "c.pt", "wb") as f:
        tm.save({"x": x}, f)
    with open(tmp_path / "c.pt", "rb") as f:
        assert tm.load(f)["x"].tolist() == [0.0, 1.0, 2.0]
    buf = io.BytesIO()
    tm.save(x, buf)
    assert not buf.closed  # the caller's file object stays open, after load too
    buf.seek(0)
    tm.load(buf)
    assert not buf.closed
    assert (tmp_path / "c.pt").read_bytes()[:4] == b"PK\x03\x04"


def test_the_archive_has_torchs_records_stored_and_aligned():
    buf = io.BytesIO()
    tm.save({"a": tm.ones(3), "b": tm.zeros(5, dtype=tm.int8), "c": tm.ones(1).t()}, buf)
    data = buf.getvalue()
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.namelist() == ["archive/data.pkl", "archive/.format_version",
                            "archive/.storage_alignment", "archive/byteorder", "archive/data/0",
                            "archive/data/1", "archive/data/2", "archive/version",
                            "archive/.data/serialization_id"]
    assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
    assert all(offset % 64 == 0 for offset in data_offsets(data).values())
    assert z.read("archive/version") == b"3\n" and z.read("archive/.format_version") == b"1"
    assert z.read("archive/.storage_alignment") == b"64"
    assert z.read("archive/byteorder") == b"little"  # this machine's order
    assert z.read("archive/data/0") == np.ones(3, np.float32).tobytes()
    assert z.read("archive/data/1") == bytes(5)
    sid = z.read("archive/.data/serialization_id")
    assert len(sid) == 40 and sid.isdigit()
    pickled = z.read("archive/data.pkl")
    for name in (b"torch._utils\n_rebuild_tensor_v2", b"torch\nFloatStorage",
                 b"torch\nCharStorage"):
        assert b"c" + name in pickled
    assert b"tensorrt_mini" not in pickled


def test_the_records_may_sit_under_any_folder_name():
    data = archive(tensor_pickle(3, 0, (3,), (1,)), {"data/0": np.arange(3, dtype="<f4").tobytes()},
                   folder="weights")
    assert load_bytes(data).tolist() == [0.0, 1.0, 2.0]


def test_a_file_of_one_record_loads():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("only/data.pkl", pickle.dumps({"a": [1, (2.5, None)]}, protocol=2))
    assert load_bytes(buf.getvalue()) == {"a": [1, (2.5, None)]}


def test_zip64_records_stay_aligned(monkeypatch):
    # zipfile writes a record past ZIP64_LIMIT with a longer header (it asks whether 1.05 x
    # the size is past it): lowered here, so that records of 100 bytes and more take that path
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 100)
    saved = {"a": tm.arange(25.0), "b": tm.arange(3)}  # 100 and 24 bytes
    buf = io.BytesIO()
    tm.save(saved, buf)
    data = buf.getvalue()
    monkeypatch.undo()
    assert all(offset % 64 == 0 for offset in data_offsets(data).values())
    back = load_bytes(data)
    assert back["a"].tolist() == saved["a"].tolist() and back["b"].tolist() == [0, 1, 2]


def test_a_compressed_archive_loads():
    values = np.arange(1000, dtype="<i8") % 7
    data = archive(tensor_pickle(1000, 0, (10, 100), (100, 1), storage="LongStorage"),
                   {"data/0": values.tobytes()}, compression=zipfile.ZIP_DEFLATED)
    assert len(data) < values.nbytes  # compressed indeed
    assert load_bytes(data).tolist() == values.reshape(10, 100).tolist()


def test_a_big_endian_file_is_byteswapped():
    data = archive(tensor_pickle(3, 0, (3,), (1,), storage="IntStorage"),
                   {"data/0": np.array([1, -2, 300], ">i4").tobytes()}, byteorder=b"big")
    back = load_bytes(data)
    assert back.dtype is tm.int32 and back.tolist() == [1, -2, 300]
    # no byteorder record: little endian, as torch reads it
    data = archive(tensor_pickle(2, 0, (2,), (1,), storage="ShortStorage"),
                   {"data/0": np.array([1, -2], "<i2").tobytes()}, byteorder=None)
    assert load_bytes(data).tolist() == [1, -2]


# --- map_location ----------------------------------------------------------------------------

def test_map_location_on_the_cpu():
    saved = sample(tm.float32)
    seen = []

    def keep(storage, location):
        seen.append((type(storage).__name__, storage.device.type, location))
        return storage

    for where in (None, "cpu", CPU, tm.device("cpu"), {"cpu": "cpu"}, {"cuda:0": "cuda:0"}, keep,
                  lambda storage, location: None):
        back = round_trip(saved, map_location=where)
        assert back["x"].device is CPU and back["t"].tolist() == saved["t"].tolist()
        assert back["t"].untyped_storage() is back["x"].untyped_storage()
    assert seen == [("CPUStorage", "cpu", "cpu")]  # once per storage, on the cpu
    with pytest.raises(TypeError, match="map_location must be"):
        round_trip(saved, map_location=3)
    with pytest.raises(TypeError, match="must return a Storage of that dtype, or None"):
        round_trip(saved, map_location=lambda storage, location: "elsewhere")


@needs_cuda
def test_cuda_tensors_load_back_to_cuda_unless_mapped():
    saved = sample(tm.float64, device="cuda")
    locations = []

    def record(storage, location):
        locations.append(location)

    back = round_trip(saved, map_location=record)
    assert locations == ["cuda:0"]  # the location saved, as torch writes it
    for where in (None, "cuda", "cuda:0", tm.device("cuda")):
        back = round_trip(saved, map_location=where)
        assert back["x"].device == tm.device("cuda:0") and back["t"].tolist() == saved["t"].tolist()
        assert (back["x"] + saved["x"]).tolist() == (saved["x"] * 2).tolist()
        assert back["t"].untyped_storage() is back["x"].untyped_storage()
        assert layout(back["t"]) == layout(saved["t"])
    for where in ("cpu", CPU, {"cuda:0": "cpu"}, lambda storage, location: storage):
        back = round_trip(saved, map_location=where)
        assert back["x"].device is CPU and back["col"].tolist() == saved["col"].tolist()
        assert back["col"].untyped_storage() is back["x"].untyped_storage()
    cpu_saved = {"x": tm.ones(2), "x_t": tm.ones(2)[1:]}
    for where in ("cuda", {"cpu": "cuda:0"}):
        back = round_trip(cpu_saved, map_location=where)
        assert back["x"].device == tm.device("cuda:0") and back["x"].tolist() == [1.0, 1.0]


# --- weights_only ------------------------------------------------------------------------------

class RunsShell:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_weights_only_refuses_a_global_that_would_run_code(tmp_path):
    marker = tmp_path / "ran"
    data = archive(pickle.dumps({"x": RunsShell(f"touch {marker}")}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL (posix|nt)\.system is not an "
                                                     r"allowed global.*weights_only=False"):
        load_bytes(data)
    assert not marker.exists()
    load_bytes(data, weights_only=False)  # the same file, trusted, does run it
    assert marker.exists()


@pytest.mark.parametrize("pickled, message", [
    (b"\x80\x02" + op_global("tensorrt_mini.creation.rebuild") + b".",
     "GLOBAL tensorrt_mini.creation.rebuild is not an allowed global"),
    (b"\x80\x02" + op_global("__builtin__.eval") + op_str("1") + b"\x85R.",
     "GLOBAL builtins.eval is not an allowed global"),
    (b"\x80\x02}" + b")R.", "REDUCE may not call {}"),
    (b"\x80\x02" + op_global("torch.float32") + b")R.", "REDUCE may not call torch.float32"),
    (b"\x80\x02" + op_global("torch._utils._rebuild_tensor_v2") + b"}" + op_str("x") + op_int(1)
     + b"s" + b"b.", "BUILD on a function"),
    (b"\x80\x02" + op_str("x") + b"Q.", "persistent id 'x' is not a storage"),
    (b"\x80\x02" + op_tuple([op_str("other")]) + b"Q.", r"persistent id \('other',\) is not a"),
    (b"\x80\x02" + op_str("os") + op_str("system") + b"\x93.", r"opcode b'\\x93' is not supported"),
    (b"\x80\x02" + b"}]" + op_int(1) + op_int(2) + b"s.", "SETITEM on a list"),
    (b"\x80\x02" + op_int(1) + b"\x86.", "pops an empty stack"),
    (b"\x80\x02" + b"}" + op_int(1) + b"a.", "APPEND on a dict"),
    (b"\x80\x02" + b"h\x05.", "memo entry 5, which it never wrote"),
    (b"\x80\x02" + b"q\x00.", "memoizes an empty stack"),
    (b"\x80\x02" + op_global("collections.OrderedDict") + b")R}" + op_int(1) + op_int(2) + b"sb.",
     "BUILD takes a dict of attributes"),
    (b"\x80\x02" + b"0.", "opcode b'0' is not supported"),
    (b"\x80\x02" + b"t.", "no MARK"),
    (b"\x80\x02" + b".", "pops an empty stack"),
    (b"\x80\x02" + op_str("abc")[:6], "ends early"),
    (b"\x80\x02" + b"X\x01\x00\x00\x00\xff.", "can't decode byte 0xff"),
])
def test_weights_only_refuses_what_is_not_data(pickled, message):
    with pytest.raises(pickle.UnpicklingError, match=message):
        load_bytes(archive(pickled))


def test_weights_only_leaves_functions_alone():
    from tensorrt_mini import torch_format
    before = dict(torch_format._rebuild_tensor_v2.__dict__)
    with pytest.raises(pickle.UnpicklingError):
        load_bytes(archive(b"\x80\x02" + op_global("torch._utils._rebuild_tensor_v2")
                           + b"N}" + op_str("__defaults__") + b"N" + b"s\x86b."))
    assert torch_format._rebuild_tensor_v2.__dict__ == before
    assert torch_format._rebuild_tensor_v2.__defaults__ == (None,)


@pytest.mark.parametrize("weights_only", [True, False])
def test_a_persistent_id_must_name_a_storage(weights_only):
    float_storage = op_global("torch.FloatStorage")
    for pid in (op_str("x"), op_tuple([op_str("storage"), op_str("FloatStorage"), op_str("0"),
                                       op_str("cpu"), op_int(1)]),
                op_tuple([op_str("storage"), float_storage, op_int(0), op_str("cpu"), op_int(1)]),
                op_tuple([op_str("storage"), float_storage, op_str("0"), op_str("cpu")])):
        with pytest.raises((RuntimeError, pickle.UnpicklingError), match="storage"):
            load_bytes(archive(b"\x80\x02" + pid + b"Q."), weights_only=weights_only)


def test_only_weights_only_false_loads_other_objects():
    buf = io.BytesIO()
    tm.save({"f": Fraction(1, 3), "x": tm.ones(1)}, buf)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL fractions.Fraction is not"):
        load_bytes(buf.getvalue())
    back = load_bytes(buf.getvalue(), weights_only=False)
    assert back["f"] == Fraction(1, 3) and back["x"].tolist() == [1.0]


def test_weights_only_false_reads_torchs_names_as_tms():
    back = round_trip({"p": tm.nn.Parameter(tm.ones(2)), "x": tm.ones(3)[1:], "d": tm.int16},
                      weights_only=False)
    assert type(back["p"]) is tm.nn.Parameter and back["x"].storage_offset() == 1
    assert back["d"] is tm.int16


@pytest.mark.parametrize("numel, offset, size, stride, message", [
    (4, 0, (5,), (1,), "requiring a storage size of 20 are out of bounds for storage of size 16"),
    (4, 3, (2,), (1,), "out of bounds"),
    (4, 0, (2, 2), (3, 1), "out of bounds"),
    (4, -1, (2,), (1,), "invalid saved tensor layout"),
    (4, 0, (-2,), (1,), "invalid saved tensor layout"),
    (4, 0, (2,), (-1,), "invalid saved tensor layout"),
    (4, 0, (2, 2), (1,), "invalid saved tensor layout"),
])
def test_a_layout_outside_its_storage_is_refused(numel, offset, size, stride, message):
    data = archive(tensor_pickle(numel, offset, size, stride), {"data/0": bytes(4 * numel)})
    for weights_only in (True, False):
        with pytest.raises(RuntimeError, match=message):
            load_bytes(data, weights_only=weights_only)


def test_metadata_and_parameters_of_other_things_are_refused():
    data = archive(tensor_pickle(2, 0, (2,), (1,), metadata=b"}" + op_str("neg") + b"\x88s"),
                   {"data/0": bytes(8)})
    with pytest.raises(RuntimeError, match=r"metadata \{'neg': True\} \(conjugate or negative"):
        load_bytes(data)
    pickled = (b"\x80\x02" + op_global("torch._utils._rebuild_parameter")
               + op_tuple([op_int(1), b"\x88", op_global("collections.OrderedDict") + b")R"])
               + b"R.")
    with pytest.raises(TypeError, match="a Parameter's data must be a tensor, not int"):
        load_bytes(archive(pickled))


def test_a_pickle_past_256_memo_entries():
    names = [f"name{i}" for i in range(300)]
    x = tm.arange(300.0)
    back = round_trip({"names": names, "again": names[-1], "rows": [x[i:] for i in range(300)]})
    assert back["names"] == names and back["again"] is back["names"][-1]
    assert all(r.untyped_storage() is back["rows"][0].untyped_storage() for r in back["rows"])
    assert [r.storage_offset() for r in back["rows"]] == list(range(300))


def test_a_hand_made_file_loads():
    data = archive(tensor_pickle(4, 1, (2, 1), (2, 0), requires_grad=True),
                   {"data/0": np.arange(4, dtype="<f4").tobytes()})
    back = load_bytes(data)
    assert layout(back) == ((2, 1), (2, 0), 1) and back.tolist() == [[1.0], [3.0]]
    assert back.requires_grad and back.is_leaf


# --- bad files -----------------------------------------------------------------------------------

def saved_bytes():
    buf = io.BytesIO()
    tm.save({"x": tm.arange(300.0)}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"", "not a zip archive"),
    (b"hello, not a checkpoint", "not a zip archive"),
    (b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", "torch's legacy format"),
    (saved_bytes()[:700], "failed reading zip archive"),
    (saved_bytes()[:-10], "failed reading zip archive"),
    (archive(tensor_pickle(3, 0, (3,), (1,))), "no record data/0"),
    (archive(None, {"data/0": bytes(12)}), "no record data.pkl"),
    (archive(tensor_pickle(3, 0, (3,), (1,)), {"data/0": bytes(8)}),
     "record data/0 has 8 bytes; its storage of 3 torch.float32 elements needs 12"),
    (archive(tensor_pickle(3, 0, (3,), (1,), storage="ComplexFloatStorage"), {"data/0": bytes(24)}),
     "the file holds a torch.ComplexFloatStorage, whose element type tensorrt_mini does not"),
    (archive(tensor_pickle(3, 0, (3,), (1,), storage="storage.UntypedStorage"),
             {"data/0": bytes(3)}),
     "the file holds a torch.storage.UntypedStorage, whose element type tensorrt_mini does not"),
    (archive(tensor_pickle(3, 0, (3,), (1,), storage="QInt8Storage"), {"data/0": bytes(3)}),
     "GLOBAL torch.QInt8Storage is not an allowed global"),
])
def test_bad_files(data, message):
    error = pickle.UnpicklingError if "GLOBAL" in message else RuntimeError
    with pytest.raises(error, match=message):
        load_bytes(data)


def test_torchs_dtypes_that_tm_lacks_are_named():
    torch = needs_torch()
    for dtype, name in ((torch.complex64, "ComplexFloat"), (torch.complex128, "ComplexDouble")):
        with pytest.raises(RuntimeError, match=f"holds a torch.{name}Storage, whose element type"):
            load_bytes(torch_save({"x": torch.ones(2, dtype=dtype)}))


def test_half_tensors_both_ways():
    """float16 and bfloat16 (its bits, as torch writes them) to torch.load and back, with
    a view's strides and offset."""
    torch = needs_torch()
    values = [[1.5, -2.3, 3e38], [0.1, 70000.0, 1e-6]]
    ours = {"b": tm.tensor(values, dtype=tm.bfloat16).t()[1:], "h": tm.tensor(values[0], dtype=tm.half)}
    buffer = io.BytesIO()
    tm.save(ours, buffer)
    theirs = torch.load(io.BytesIO(buffer.getvalue()))
    assert theirs["b"].dtype == torch.bfloat16 and theirs["h"].dtype == torch.float16
    assert theirs["b"].tolist() == ours["b"].tolist() and theirs["h"].tolist() == ours["h"].tolist()
    assert theirs["b"].stride() == ours["b"].stride()
    back = load_bytes(torch_save(theirs))
    assert back["b"].dtype is tm.bfloat16 and back["b"].tolist() == ours["b"].tolist()
    assert back["h"].dtype is tm.float16 and back["h"].tolist() == ours["h"].tolist()


def test_a_corrupted_record_is_a_runtime_error():
    data = bytearray(saved_bytes())
    start = data_offsets(bytes(data))["archive/data/0"]
    data[start + 5] ^= 0xFF  # the CRC no longer matches
    with pytest.raises(RuntimeError, match="failed reading record data/0"):
        load_bytes(bytes(data))


def test_a_byteorder_record_must_name_one():
    with pytest.raises(ValueError, match="Unknown endianness type: middle"):
        load_bytes(archive(tensor_pickle(0, 0, (0,), (1,)), {"data/0": b""}, byteorder=b"middle"))


def test_saving_what_does_not_pickle_leaves_the_file_alone(tmp_path):
    path = tmp_path / "x.pt"
    path.write_bytes(b"before")
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        tm.save({"f": lambda: 1}, path)
    assert path.read_bytes() == b"before"


# --- pickle and deepcopy ------------------------------------------------------------------------

def test_pickle_keeps_layouts_and_sharing():
    x = tm.arange(12, dtype=tm.int16).view(3, 4)
    views = {"x": x, "t": x[1:].t(), "col": x[:, 3]}
    back = pickle.loads(pickle.dumps(views))
    for k, t in views.items():
        assert layout(back[k]) == layout(t) and back[k].tolist() == t.tolist()
        assert back[k].dtype is tm.int16 and back[k].device is CPU
    storage = back["x"].untyped_storage()
    assert back["t"].untyped_storage() is storage and back["col"].untyped_storage() is storage
    assert back["x"].untyped_storage() is not x.untyped_storage()


def test_pickle_of_parameters_grads_and_non_leaves():
    p = tm.nn.Parameter(tm.ones(2))
    p.grad = tm.ones(2)
    back = pickle.loads(pickle.dumps([p, p.detach()[1:], p * 2]))
    assert type(back[0]) is tm.nn.Parameter and back[0].requires_grad
    assert back[0].grad is None  # torch does not pickle .grad either
    assert back[1].untyped_storage() is back[0].untyped_storage()
    assert back[2].is_leaf and back[2].requires_grad and back[2].tolist() == [2.0, 2.0]


def test_old_pickles_still_load():
    # what Tensor.__reduce_ex__ wrote before it kept layouts: creation.rebuild of the values
    from tensorrt_mini import creation

    class Old:
        def __reduce__(self):
            return creation.rebuild, (tm.Tensor, np.arange(3.0), "cpu", True)

    back = pickle.loads(pickle.dumps(Old()))
    assert back.tolist() == [0.0, 1.0, 2.0] and back.requires_grad


def test_deepcopy_keeps_sharing_and_grad():
    x = tm.arange(6.0).view(2, 3).requires_grad_()
    x.grad = tm.full((2, 3), 7.0)
    v = x.detach()[1:].t()
    back = copy.deepcopy({"x": x, "v": v, "again": x})
    assert back["again"] is back["x"] and back["x"].requires_grad
    assert back["v"].untyped_storage() is back["x"].untyped_storage()
    assert back["x"].untyped_storage() is not x.untyped_storage()
    assert layout(back["v"]) == layout(v) and back["v"].tolist() == v.tolist()
    assert back["x"].grad.tolist() == [[7.0] * 3] * 2 and back["x"].grad is not x.grad
    back["x"].detach().zero_()
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_deepcopy_of_a_non_leaf_raises():
    x = tm.ones(2, requires_grad=True)
    for non_leaf in (x * 2, x[1:]):
        with pytest.raises(RuntimeError, match=r"Only Tensors created explicitly by the user "
                                               r"\(graph leaves\) support the deepcopy protocol"):
            copy.deepcopy(non_leaf)


@needs_cuda
def test_pickle_and_deepcopy_of_cuda_tensors():
    x = tm.arange(6.0, device="cuda").view(2, 3)
    for back in (pickle.loads(pickle.dumps([x, x.t()])), copy.deepcopy([x, x.t()])):
        assert back[0].device == tm.device("cuda:0") and back[1].tolist() == x.t().tolist()
        assert back[0].device is x.device  # the one shared cuda:0, as for every cuda tensor
        assert (back[0] + x).tolist() == (x * 2).tolist()
        assert back[1].untyped_storage() is back[0].untyped_storage()
        assert back[0].data_ptr() != x.data_ptr()


# --- against torch -----------------------------------------------------------------------------

def torch_load(data, **kw):
    torch = needs_torch()
    return torch.load(io.BytesIO(data), **kw)  # weights_only=True: torch's default


def torch_save(obj):
    torch = needs_torch()
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def tm_save(obj):
    buf = io.BytesIO()
    tm.save(obj, buf)
    return buf.getvalue()


def torch_layout(t):
    return tuple(t.shape), t.stride(), t.storage_offset()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torch_loads_what_tm_saves(dtype):
    torch = needs_torch()
    saved = sample(dtype)
    back = torch_load(tm_save(saved))
    for k, t in saved.items():
        assert back[k].dtype == torch_dtype(torch, dtype)
        assert torch_layout(back[k]) == layout(t) and back[k].tolist() == t.tolist()
    ptr = back["x"].untyped_storage().data_ptr()
    assert back["t"].untyped_storage().data_ptr() == back["col"].untyped_storage().data_ptr() == ptr


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tm_loads_what_torch_saves(dtype):
    torch = needs_torch()
    x = torch.tensor(np.array(sample(dtype)["x"]))
    saved = {"x": x, "t": x[1:].t(), "col": x[:, 2], "wide": x[1].expand(2, 4)}
    back = load_bytes(torch_save(saved))
    for k, t in saved.items():
        assert back[k].dtype is dtype and back[k].device is CPU
        assert layout(back[k]) == torch_layout(t) and back[k].tolist() == t.tolist()
        assert back[k].untyped_storage() is back["x"].untyped_storage()


def test_torch_and_tm_write_the_same_records():
    torch = needs_torch()
    x = torch.ones(3)
    ours = zipfile.ZipFile(io.BytesIO(tm_save({"a": tm.ones(3), "b": tm.ones(2, dtype=tm.int8)})))
    theirs = zipfile.ZipFile(io.BytesIO(torch_save({"a": x, "b": torch.ones(2, dtype=torch.int8)})))
    assert ours.namelist() == theirs.namelist()
    for name in theirs.namelist():
        if name != "archive/.data/serialization_id":
            assert ours.read(name) == theirs.read(name), name


def test_parameters_and_requires_grad_cross_torch():
    torch = needs_torch()
    leaf = tm.ones(3, requires_grad=True)
    back = torch_load(tm_save({"p": tm.nn.Parameter(tm.ones(2)), "leaf": leaf, "nl": leaf * 2,
                               "frozen": tm.nn.Parameter(tm.ones(1), requires_grad=False)}))
    assert type(back["p"]) is torch.nn.Parameter and back["p"].requires_grad
    assert type(back["frozen"]) is torch.nn.Parameter and not back["frozen"].requires_grad
    assert type(back["leaf"]) is torch.Tensor and back["leaf"].requires_grad
    assert back["nl"].is_leaf and back["nl"].requires_grad
    tleaf = torch.ones(3, requires_grad=True)
    back = load_bytes(torch_save({"p": torch.nn.Parameter(torch.ones(2)), "leaf": tleaf,
                                  "nl": tleaf * 2, "plain": torch.ones(1)}))
    assert type(back["p"]) is tm.nn.Parameter and back["p"].requires_grad
    assert type(back["leaf"]) is tm.Tensor and back["leaf"].requires_grad
    assert back["nl"].is_leaf and back["nl"].requires_grad and not back["plain"].requires_grad


def test_state_dicts_cross_torch():
    torch = needs_torch()
    ours = tm.nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    theirs.load_state_dict(torch_load(tm_save(ours.state_dict())))
    assert theirs.weight.tolist() == ours.weight.tolist()
    assert theirs.bias.tolist() == ours.bias.tolist()
    theirs = torch.nn.Linear(3, 2)
    state = load_bytes(torch_save(theirs.state_dict()))
    assert type(state) is OrderedDict and state._metadata == {"": {"version": 1}}
    ours.load_state_dict(state)
    assert theirs.weight.tolist() == ours.weight.tolist()
    assert theirs.bias.tolist() == ours.bias.tolist()


def test_plain_values_cross_torch():
    torch = needs_torch()
    values = {"list": [1, 2 ** 70, 2.5, "s", None, True], "tuple": (1, (2,)), "bytes": b"\x00\xff",
              "set": {3}, "complex": 1 - 2j}
    back = torch_load(tm_save({**values, "dtype": tm.bool, "size": tm.Size([2]),
                               "cuda": tm.device("cuda:0"), "cpu": tm.device("cpu")}))
    assert {k: back[k] for k in values} == values
    assert back["dtype"] is torch.bool and type(back["size"]) is torch.Size and back["size"] == (2,)
    assert back["cuda"] == torch.device("cuda:0") and back["cpu"] == torch.device("cpu")
    back = load_bytes(torch_save({**values, "dtype": torch.uint8, "size": torch.Size([2]),
                                  "cuda": torch.device("cuda", 0)}))
    assert {k: back[k] for k in values} == values
    assert back["dtype"] is tm.uint8 and type(back["size"]) is tm.Size and back["size"] == (2,)
    assert back["cuda"] == tm.device("cuda:0")


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning")
def test_storages_cross_torch():
    torch = needs_torch()
    x = tm.arange(4, dtype=tm.int32)
    back = torch_load(tm_save([x.untyped_storage(), x[1:]]))
    assert back[0].tolist() == [0, 1, 2, 3] and back[0].dtype == torch.int32
    assert back[0].data_ptr() == back[1].untyped_storage().data_ptr()
    y = torch.arange(4, dtype=torch.int32)
    back = load_bytes(torch_save([y.storage(), y[1:]]))
    assert back[0].tolist() == [0, 1, 2, 3] and back[0].dtype is tm.int32
    assert back[1].untyped_storage() is back[0]
    # torch.save writes an untyped storage as bytes (torch.storage.UntypedStorage): tm has none
    with pytest.raises(RuntimeError, match="torch.storage.UntypedStorage"):
        load_bytes(torch_save(y.untyped_storage()))


def test_torch_maps_what_tm_saves(tmp_path, monkeypatch):
    # mmap=True, and torch computing each storage's offset from the one before (checked
    # against the real offset under TORCH_SERIALIZATION_DEBUG)
    torch = needs_torch()
    from torch.utils.serialization import config
    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")
    saved = [tm.arange(n, dtype=dtype) for n, dtype in
             [(3, tm.int8), (0, tm.float32), (17, tm.float64), (40, tm.int8), (5, tm.int16),
              (1, tm.float32), (30, tm.int8), (9, tm.int64)]]
    tm.save(saved, tmp_path / "m.pt")
    with config.patch("load.calculate_storage_offsets", True):
        back = torch.load(tmp_path / "m.pt", mmap=True)
    assert [t.tolist() for t in back] == [t.tolist() for t in saved]
    assert all(t.untyped_storage().data_ptr() % 64 == 0 for t in back if t.numel())


def test_hand_made_files_load_in_torch_as_in_tm():
    data = archive(tensor_pickle(4, 1, (2, 1), (2, 0), requires_grad=True),
                   {"data/0": np.arange(4, dtype="<f4").tobytes()})
    back = torch_load(data)
    assert torch_layout(back) == ((2, 1), (2, 0), 1) and back.tolist() == [[1.0], [3.0]]
    data = archive(tensor_pickle(4, 0, (5,), (1,)), {"data/0": bytes(16)})
    with pytest.raises(RuntimeError):  # torch: "Trying to resize storage that is not resizable"
        torch_load(data)


def test_torch_refuses_what_weights_only_refuses(tmp_path):
    marker = tmp_path / "ran"
    data = archive(pickle.dumps(RunsShell(f"touch {marker}"), protocol=2))
    for load in (torch_load, load_bytes):
        with pytest.raises(pickle.UnpicklingError, match="system"):
            load(data)
    assert not marker.exists()


def test_bad_files_are_runtime_errors_in_torch_too():
    for data in (saved_bytes()[:700], archive(tensor_pickle(3, 0, (3,), (1,))),
                 archive(None, {"data/0": bytes(12)})):
        for load in (torch_load, load_bytes):
            with pytest.raises(RuntimeError):
                load(data)


def test_a_legacy_torch_file_is_refused():
    torch = needs_torch()
    buf = io.BytesIO()
    torch.save({"x": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy format"):
        load_bytes(buf.getvalue())


@needs_cuda
def test_torch_reads_the_cuda_location_tm_saves():
    needs_torch()  # (torch_load reads with torch)
    locations = []

    def record(storage, location):
        locations.append(location)
        return storage

    back = torch_load(tm_save({"x": tm.ones(2, device="cuda"), "y": tm.ones(1)}),
                      map_location=record)
    assert locations == ["cuda:0", "cpu"] and back["x"].tolist() == [1.0, 1.0]


def test_pickle_and_deepcopy_of_non_leaves_as_torch():
    torch = needs_torch()
    ours, theirs = tm.ones(2, requires_grad=True) * 2, torch.ones(2, requires_grad=True) * 2
    for t in (pickle.loads(pickle.dumps(ours)), pickle.loads(pickle.dumps(theirs))):
        assert t.is_leaf and t.requires_grad
    with pytest.raises(RuntimeError) as expected:
        copy.deepcopy(theirs)
    with pytest.raises(RuntimeError) as got:
        copy.deepcopy(ours)
    assert str(got.value) == str(expected.value)
