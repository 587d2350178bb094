"""Block shapes and widths the kernels are built for.

A simulated thread costs ~130 µs, so under the simulator the same kernels are built with
small blocks and narrow vectors: tiny test tensors then still cover full tiles, vector
paths and partial tails.
"""
from .compiler import SIMULATOR

THREADS = 8 if SIMULATOR else 128  # 1-D blocks: elementwise, gather/scatter, random
UNROLL = 2 if SIMULATOR else 4  # vectors per thread in contiguous elementwise kernels
VECTOR_BYTES = 8 if SIMULATOR else 16  # widest access: 16 bytes is ld.global.v4.f32
TILE = 4 if SIMULATOR else 32  # tiled transposes stage TILE x (TILE + 1) in shared memory
TILE_ROWS = 2 if SIMULATOR else 8  # ... with (TILE, TILE_ROWS) threads per block
# ... and launch bounds (elementwise.tiled_blocks): registers to fit this many such blocks
# on an SM (2048 threads at most). 8 (32 registers) where a thread's operand values take
# at most two 32-bit words an element: ptxas fits those without spilling. None (no bounds)
# for the wider ones (a 64-bit binary op, where), which spill at 8 and ran slower capped
# at 6 (40 registers) than not capped. 4 (64) for the arithmetic-heavy ops (ops.HEAVY)
TILED_BLOCKS = 8
TILED_BLOCKS_WIDE = None
TILED_BLOCKS_HEAVY = 4
REDUCE_THREADS = 8 if SIMULATOR else 256  # one block reduces (part of) a row
COLUMN_GROUPS = 2 if SIMULATOR else 8  # column reductions: (TILE, COLUMN_GROUPS) blocks
MAX_GRID_YZ = 65535  # CUDA's limit on gridDim.y and gridDim.z
# Kernels stride over the grid, so the grid can stop growing: past these caps threads
# loop. The simulator's tiny caps make small tests take the looping paths too (and
# spawn fewer slow Python threads).
GRID_X = 4 if SIMULATOR else 1 << 16
GRID_YZ = 2 if SIMULATOR else MAX_GRID_YZ


# tiled kernels step TILE_ROWS rows at a time through a TILE-row tile
assert TILE % TILE_ROWS == 0


def blocks(n, per_block):
    """Blocks of `per_block` elements that cover n, capped at GRID_X."""
    return max(1, min(-(-n // per_block), GRID_X))
