"""Where a view's elements sit in its storage: the facts that tm.explain draws.

Everything here comes from the view's own metadata (shape, strides, storage offset) and
its storage's values fetched to the host; nothing is copied into a new layout.
"""
import itertools

import numpy as np


class ViewMap:
    """A view and the storage cells it reads."""

    def __init__(self, t):
        self.shape = tuple(t.shape)
        self.strides = tuple(t.stride())
        self.offset = t.storage_offset()
        self.dtype = t.dtype
        self.device = t.device
        self.contiguous = t.is_contiguous()
        self.values = t.untyped_storage().tolist()  # a cuda storage comes to the host here
        self.order = reading_order(self.shape, self.strides, self.offset)
        # the cells read (sorted), the first element (in reading order) that reads each,
        # and how many do; kept as arrays, as a view may read millions of cells
        self._cells, self._first, self._counts = np.unique(self.order, return_index=True,
                                                           return_counts=True)
        # each cell read once, in the order the view first reads it (an expanded view
        # reads few cells many times)
        self.cells_read = self._cells[np.argsort(self._first, kind="stable")]

    @property
    def numel(self):
        return self.order.size

    @property
    def distinct(self):
        """How many cells the view reads."""
        return self._cells.size

    def reader(self, cell):
        """(the position in reading order of the first element that reads `cell`, or None;
        how many elements read it)."""
        at = int(np.searchsorted(self._cells, cell))
        if at == self._cells.size or self._cells[at] != cell:
            return None, 0
        return int(self._first[at]), int(self._counts[at])

    def index_of(self, position):
        """The index tuple of the view's element at `position` in reading order."""
        return tuple(int(i) for i in np.unravel_index(position, self.shape))

    def shown_cells(self, budget):
        """At most `budget` storage cells to draw, in storage order, when not all fit: both
        ends of the storage, then the cells the view reads first and last, then the cells
        nearest its storage offset."""
        n = len(self.values)
        if n <= budget:
            return list(range(n))
        return sorted(itertools.islice(self._by_priority(n), budget))

    def _by_priority(self, n):
        seen = set()
        for cell in itertools.chain((0, n - 1), self._read_from_both_ends(),
                                    self._nearest_offset(n)):
            if cell not in seen:
                seen.add(cell)
                yield cell

    def _read_from_both_ends(self):
        cells = self.cells_read
        for i in range((cells.size + 1) // 2):
            yield int(cells[i])
            yield int(cells[-1 - i])

    def _nearest_offset(self, n):
        for distance in range(n):
            for cell in (self.offset + distance, self.offset - distance):
                if 0 <= cell < n:
                    yield cell


def reading_order(shape, strides, offset):
    """The storage cell of each element, in row-major order of the view's indices."""
    cells = np.full((), offset, np.int64)
    for size, stride in zip(shape, strides):
        cells = cells[..., None] + np.arange(size, dtype=np.int64) * stride
    return cells.reshape(-1)
