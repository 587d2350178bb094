"""tm.explain's picture as text: what the view is, then its storage cells with the view's
elements marked, in at most `width` columns."""
import math

INDEX_NAMES = "ijklmn"
GAP = "..."  # stands for storage cells left out of a long storage
LEGEND = "storage (view: the first element reading the cell):"
LABEL_WIDTH = 8  # "  value " and its siblings


def header_lines(vm, width):
    n = len(vm.values)
    lines = [f"a view of shape {shape_text(vm.shape)}, {vm.dtype}, on {vm.device}, over a "
             f"storage of {n} {plural(n, 'cell')}"]
    first = f" (element {index_text(vm.index_of(0))} is cell {vm.offset})" if vm.numel else ""
    lines.append(f"storage offset: {vm.offset}{first}")
    lines.append(f"strides: {shape_text(vm.strides)}{cell_formula(vm)}")
    lines += [f"  {step}" for step in steps(vm)]
    lines.append(contiguity(vm))
    lines.append(reading(vm, width))
    return lines


def cell_formula(vm):
    if not vm.shape:
        return f" (no dimensions: the one element is cell {vm.offset})"
    names = index_names(len(vm.shape))
    terms = " + ".join(f"{s}*{name}" for s, name in zip(vm.strides, names))
    return f"; element [{', '.join(names)}] is cell {vm.offset} + {terms}"


def steps(vm):
    """One line per dimension: how far one step along it moves in the storage."""
    for dim, (size, stride) in enumerate(zip(vm.shape, vm.strides)):
        line = f"dim {dim} (size {size}): +{stride} {plural(stride, 'cell')} per step"
        if size <= 1:
            line += f" (size {size}: no step is taken, so any stride would do)"
        elif stride == 0:
            line += " (expanded: every step reads the same cells again)"
        yield line


def contiguity(vm):
    if vm.contiguous:
        return "contiguous: yes (it reads its cells in storage order, one after another)"
    return (f"contiguous: no (a contiguous tensor of this shape would have strides "
            f"{shape_text(contiguous_strides(vm.shape))})")


def reading(vm, width):
    if not vm.numel:
        return "reading order: none (the view has no elements)"
    distinct = vm.distinct
    intro = (f"reading order ({vm.numel} {plural(vm.numel, 'element')}, {distinct} "
             f"{plural(distinct, 'cell')}): ")
    for kept in range(min(vm.numel, width), 0, -1):
        listed = cell_list(vm.order, kept)
        if len(intro) + len(listed) <= width:
            break
    return intro + listed


def cell_list(order, kept):
    """The cells in `order`, at most `kept` of them: its head and tail around a gap."""
    if kept >= order.size:
        return ", ".join(map(str, order.tolist()))
    head, tail = (kept + 1) // 2, kept // 2
    return ", ".join([*map(str, order[:head].tolist()), GAP,
                      *map(str, order[order.size - tail:].tolist())])


def storage_table(vm, width):
    """The storage's cells as columns (cell index, value, the first element that reads it,
    how many elements do), and which cells they are: a `None` column is a gap."""
    n = len(vm.values)
    budget = min(n, max(1, (width - LABEL_WIDTH) // 2))
    while True:
        columns = with_gaps(vm.shown_cells(budget))
        rows = table_rows(vm, columns)
        if budget == 1 or max(map(len, rows)) <= width:
            return columns, rows
        budget -= 1


def with_gaps(cells):
    columns = []
    for cell in cells:
        if columns and cell != columns[-1] + 1:
            columns.append(None)
        columns.append(cell)
    return columns


def table_rows(vm, columns):
    rows = {"cell": [], "value": [], "view": []}
    many = any(vm.reader(c)[1] > 1 for c in columns if c is not None)
    if many:
        rows["reads"] = []
    for cell in columns:
        entries = column(vm, cell)
        width = max(map(len, entries))
        for row, entry in zip(rows.values(), entries):
            row.append(entry.rjust(width))
    return [(f"  {label:<{LABEL_WIDTH - 2}}" + " ".join(entries)).rstrip()
            for label, entries in rows.items()]


def column(vm, cell):
    if cell is None:
        return [GAP] * 4
    reader, times = vm.reader(cell)
    mark = "." if reader is None else index_text(vm.index_of(reader))
    return [str(cell), value_text(vm.values[cell]), mark, f"x{times}" if times else ""]


def value_text(v):
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) < 1e16:
        return f"{v:.0f}."  # torch's way of showing a whole float
    if isinstance(v, (float, complex)):
        return f"{v:.4g}"
    return str(v)


def index_text(index):
    return ",".join(map(str, index)) if index else "()"


def index_names(ndim):
    if ndim <= len(INDEX_NAMES):
        return list(INDEX_NAMES[:ndim])
    return [f"i{d}" for d in range(ndim)]


def shape_text(sizes):
    return f"({sizes[0]},)" if len(sizes) == 1 else f"({', '.join(map(str, sizes))})"


def contiguous_strides(shape):
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def plural(count, word):
    return word if count == 1 else word + "s"
