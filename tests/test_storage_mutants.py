"""Pin down storage.py behaviour that a mutation audit found untested."""
import pytest

import tensorrt_mini as tm
from oracle import needs_torch, same_as_torch
from tensorrt_mini.device import CPU
from tensorrt_mini.storage import Storage

DEVICES = ["cpu", "cuda"]  # cuda runs under Numba's simulator unless a GPU is asked for
# torch's storage() (its TypedStorage, the oracle here) warns that it is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning")


def test_the_base_storage_leaves_the_memory_to_each_device():
    s = Storage(tm.float32, CPU)
    assert s.dtype is tm.float32 and s.device is CPU and s._version == 0
    for method, args in [("size", ()), ("data_ptr", ()), ("to_host", ()), ("fill_", (1.0,))]:
        with pytest.raises(NotImplementedError):
            getattr(s, method)(*args)


@pytest.mark.parametrize("expr", [
    "lib.zeros(3, dtype=lib.float64).storage().nbytes()",
    "lib.zeros(3, dtype=lib.int16).storage().element_size()",
    "lib.arange(4.).storage()[-4]", "lib.arange(4.).storage()[3]",
    "lib.arange(4.).storage()[4]", "lib.arange(4.).storage()[-5]",  # torch's IndexError
])
def test_storage_sizes_and_items_as_torch(expr):
    same_as_torch(expr)


def test_storage_type_names_as_torch():
    torch = needs_torch()
    assert tm.ones(1).storage().type_name() == torch.ones(1).storage().type() == "torch.FloatStorage"
    assert tm.ones(1, device="cuda").storage().type_name() == "torch.cuda.FloatStorage"


def test_a_storage_slice_is_a_list_of_its_values():
    assert tm.arange(4.).storage()[1:3] == [1.0, 2.0]


@pytest.mark.parametrize("device", DEVICES)
def test_writes_through_the_storage_reach_the_tensor(device):
    x = tm.arange(4., device=device)
    s = x.storage()
    assert len(s) == 4 and s.data_ptr() == x.data_ptr()
    assert s.fill_(2.5) is s and x.tolist() == [2.5] * 4
    s[0] = 7.0
    assert x.tolist() == [7.0, 2.5, 2.5, 2.5]


@pytest.mark.parametrize("device", DEVICES)
def test_writes_through_the_storage_raise_the_version_unlike_torch(device):
    # torch leaves _version alone here, so its autograd misses such a write; tm raises it,
    # as any in-place write does, and never lowers it (that could land back on a version
    # a graph recorded)
    x = tm.arange(4., device=device)
    s = x.storage()
    assert x._version == 0
    s.fill_(2.5)
    assert x._version == 1
    s[0] = 7.0
    assert x._version == 2
