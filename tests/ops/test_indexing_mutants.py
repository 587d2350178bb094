"""Pin down ops/indexing.py behaviour that a mutation audit found untested."""
import pytest

from oracle import same_as_torch


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence:UserWarning")  # torch's
@pytest.mark.parametrize("expr", ["lib.arange(3)[[[0]] * 31]", "lib.arange(3)[[[0]] * 32]"])
def test_a_list_holding_sequences_is_a_tuple_of_indices_only_below_32_items(expr):
    # torch's rule: 31 lists are 31 indices (too many for one dim), 32 one index tensor
    same_as_torch(expr)
