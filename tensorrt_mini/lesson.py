"""The seed lesson's cells, runnable on any device.

Each cell is the lesson's code with `torch` replaced by `tm`; `{dev}` marks where the
walkthrough passes the chosen device. A cell's last line is an expression whose value is
printed, as a notebook does.
"""

CELLS = [
    ("Creation", "tensor_1 = tm.ones(2, 2{dev})\ntensor_1"),
    ("Creation", "tensor_2 = tm.Tensor(2, 2{dev})\ntensor_2.uniform_(0, 1)"),
    ("Creation", "tensor_2"),
    ("Creation", "tensor_c = tm.rand(2, 2{dev})\ntensor_c"),
    ("Arithmetic", "result = tensor_2 + tensor_c\nresult"),
    ("Shape", "# the shape of the tensor\nresult.shape"),
    ("Views", "reshaped = result.view(4, 1)\nreshaped"),
    ("Views", "reshaped2 = result.view(1, 4)\nreshaped2"),
    ("Indexing", "points = tm.tensor([[1.0, 2.0], [3.0, 4.0]]{dev})\npoints"),
    ("Indexing", "points[0][1]"),
    ("Indexing", "points[1][1]"),
    ("Storage", "prueba_storage = tm.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]]{dev})\n"
                "prueba_storage.storage()"),
    ("Strides", "prueba_xd = tm.tensor([[1, 2], [3, 4], [5, 6]]{dev})\nprueba_xd"),
    ("Strides", "prueba_xd.stride()"),
    ("Strides", "prueba_xd.t()"),
    ("Strides", "prueba_xd.t().stride()"),
    ("Strides", "points.stride()"),
    ("Strides", "prueba_stride = tm.Tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]{dev})\nprueba_stride"),
    ("Strides", "prueba_stride.stride()"),
    ("Strides", "tr_prueba_stride = prueba_stride.t()\ntr_prueba_stride"),
    ("Strides", "tr_prueba_stride.stride()"),
]


def source(cell, device):
    """A cell's code for `device`; cpu needs no argument, as in the lesson."""
    dev = "" if device == "cpu" else f", device={device!r}"
    return cell.format(dev=dev)


def run_cell(code, namespace):
    """Execute a cell and return the repr of its last expression (None for statements)."""
    lines = code.rstrip().split("\n")
    body, last = "\n".join(lines[:-1]), lines[-1]
    exec(body, namespace)
    try:
        compiled = compile(last, "<cell>", "eval")
    except SyntaxError:
        exec(last, namespace)
        return None
    return repr(eval(compiled, namespace))
