"""Pin down kernels/cpu/elementwise.py behaviour that a mutation audit found untested."""
import numpy as np

import tensorrt_mini as tm
from tensorrt_mini.kernels.cpu.elementwise import TILE_COLS, TILE_ROWS


def test_the_tiled_kernel_runs_each_tile_once_over_extents_of_whole_tiles():
    # tiles are numbered over (batch, tile row, tile col): with no partial tile at either
    # edge, a tile count one off skips tiles or repeats them, which an in-place add shows.
    # 32768 elements and an operand transposed against the output: the parallel tiled kernel
    shape = (4, 2 * TILE_COLS, 2 * TILE_ROWS)
    base = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    acc = tm.ones(4, 2 * TILE_ROWS, 2 * TILE_COLS)
    acc.add_(tm.from_numpy(base).permute(0, 2, 1))
    np.testing.assert_array_equal(np.asarray(acc), 1 + base.transpose(0, 2, 1))
