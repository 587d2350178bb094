"""The kernels that tests/kernels/cuda/test_cuda_ptx.py compiles for compute capability 9.0.

An entry is (id, module, factory, args): the list is built without building kernels, so
it reads the same in the simulator-enabled test process and in the compiling worker.

The default list covers every op in its contiguous, vectorised variant at one dtype of each
kind and width it takes (bool, int8, int64, float32: a typing error shows up per kind, and
every pair added 236 kernels, about 75 s of CI), and every dtype in each other variant with
a few ops; set TM_PTX_FULL=1 for the full cross product (see the timings in the module's
output).
"""
import os

from tensorrt_mini.kernels import catalog

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64")
_ACC = {"bool": "int64", "uint8": "int64", "int8": "int64", "int16": "int64", "int32": "int64",
        "int64": "int64", "float32": "float32", "float64": "float64"}
# the dtypes each op's contiguous kernel compiles at outside the full catalog
_OP_DTYPES = ("bool", "int8", "int64", "float32")
_SIZE = {"bool": 1, "uint8": 1, "int8": 1, "int16": 2, "int32": 4, "int64": 8, "float32": 4,
         "float64": 8, "complex64": 8, "complex128": 16}
_PARTS = {"complex64": "float32", "complex128": "float64"}
# complex kernels in CI: one of each kind of load, store and body (cmath, Smith's division)
_COMPLEX_CI = {("add", "complex64"), ("div", "complex128"), ("abs", "complex64")}


def _arity(name):
    return catalog.get(name).arity


def _pointers(name):
    return (True,) * _arity(name)


def _elementwise(name, dtype, out, variant):
    p = _pointers(name)
    width = 16 // max(_SIZE[dtype], _SIZE[out])  # the GPU's vector width (16 bytes)
    if variant == "contig":
        return ("contiguous", (name, dtype, out, p, width))
    if variant == "contig1":
        return ("contiguous", (name, dtype, out, p, 1))
    if variant == "scalar":
        return ("contiguous", (name, dtype, out, (True,) + (False,) * (_arity(name) - 1), width))
    if variant == "strided":
        return ("strided", (name, dtype, out, p))
    # as the backend launches it: a unary op's one operand staged (a transposed copy),
    # else the first operand read directly and the others staged
    staged = (True,) if _arity(name) == 1 else (False,) + (True,) * (_arity(name) - 1)
    return ("tiled", (name, dtype, out, p, staged))


def entries(full=None):
    if full is None:
        full = os.environ.get("TM_PTX_FULL") == "1"
    out = []

    seen = set()

    def add(module, factory, args):
        key = f"{module}.{factory}{args}"
        if key not in seen:
            seen.add(key)
            out.append((key, module, factory, args))

    names = sorted(catalog.OPS)
    layouts = ("contig", "contig1", "scalar", "strided", "tiled")
    for name in names:
        for dtype in DTYPES if full else _OP_DTYPES:
            if not catalog.get(name).supports(dtype):
                continue
            res = str(catalog.get(name).result_dtype(dtype))
            for variant in layouts if full else ("contig",):
                if variant == "scalar" and _arity(name) < 2:
                    continue
                add("elementwise", *_elementwise(name, dtype, res, variant))
    for name in names:
        op = catalog.get(name)
        for dtype in _PARTS if "c" in op.kinds else ():
            if full or (name, dtype) in _COMPLEX_CI:
                res = "bool" if op.result == "bool" else (
                    _PARTS[dtype] if op.real_of_complex else dtype)
                add("elementwise", *_elementwise(name, dtype, res, "contig"))
    for dtype in DTYPES:
        for name in ("add", "where", "lt"):
            for variant in () if full else layouts[1:]:
                add("elementwise", *_elementwise(name, dtype,
                                                 str(catalog.get(name).result_dtype(dtype)), variant))
        # sorted: a set's order follows string hashing, which differs between processes,
        # and pytest-xdist's workers must collect the same tests in the same order
        for src, dst in sorted({(dtype, "float32"), ("float32", dtype)} | (
                {(dtype, d) for d in DTYPES} if full else set())):
            for variant in ("contig", "strided", "tiled"):
                # float -> integer goes through int64, as the backend casts
                name = "to_int64" if src.startswith("float") and not dst.startswith(("float", "bool")) \
                    else "copy"
                add("elementwise", *_elementwise(name, src, dst, variant))
        # the ops whose tiled kernels need the most registers (the catalog's heavy ones), at
        # the widest,
        # also with both operands staged
        if dtype in ("int64", "float64") or full:
            for name in ("div", "floor_divide", "remainder", "pow", "log1p", "sin"):
                if catalog.get(name).supports(dtype):
                    res = str(catalog.get(name).result_dtype(dtype))
                    add("elementwise", *_elementwise(name, dtype, res, "tiled"))
                    if _arity(name) == 2:
                        add("elementwise", "tiled", (name, dtype, res, _pointers(name),
                                                     (True, True)))
        # fill: a copy of a scalar
        add("elementwise", "contiguous", ("copy", dtype, dtype, (False,), 16 // _SIZE[dtype]))
        add("elementwise", "strided", ("copy", dtype, dtype, (False,)))

    for name in ("sum", "mean", "prod", "amax", "amin", "all", "any"):
        for dtype in DTYPES:
            acc = {"all": "bool", "any": "bool", "amax": dtype, "amin": dtype}.get(name, _ACC[dtype])
            if name == "mean" and not dtype.startswith("float"):
                continue
            add("reduce", "rows", (name, dtype, acc))
            add("reduce", "rows", (name, dtype, acc, 16 // _SIZE[dtype]))  # dense rows
            add("reduce", "rows", (name, acc, acc, 16 // _SIZE[acc]))  # their partials
            if full or dtype in ("bool", "int32", "float32"):
                add("reduce", "columns", (name, dtype, acc))
    for name in ("max", "min"):
        for dtype in DTYPES:
            add("argreduce", "rows", (name, dtype, False))
            if full or dtype in ("bool", "int64", "float32"):
                add("argreduce", "rows", (name, dtype, True))
                add("argreduce", "columns", (name, dtype, False))
                add("argreduce", "columns", (name, dtype, True))

    for dtype in DTYPES:
        add("index", "take", (dtype,))
        add("index", "put", (dtype, True))
        add("index", "put", (dtype, False))
    for dtype in ("int32", "int64", "float32", "float64"):
        add("index", "put_add", (dtype, True))
        add("index", "put_add", (dtype, False))
        for op in ("prod", "amax", "amin"):
            add("index", "put_reduce", (dtype, op))
    for dtype in ("float32", "float64"):
        add("philox", "uniform", (dtype,))
        add("philox", "normal", (dtype,))
        add("optim", "sgd", (dtype,))
        add("optim", "adam", (dtype,))
        for factory in ("moments", "finish", "planes"):
            add("batch_norm", factory, (dtype,))
    # fused attention at the GPU's tiles and the bench's head dim, 64: every kernel in
    # bfloat16; in the full catalog also the forward (each dtype's loads and stores) in the
    # others, and the heaviest, dkdv, at the widest head dim the kernels take (128, smaller
    # tiles): the seven took about 40 s of cpu to compile together
    for factory in ("forward", "delta", "dkdv", "dq"):
        add("flash_attention", factory,
            ("bfloat16", 64, 64) if factory == "delta" else ("bfloat16", 64, 64, 64, 64))
    if full:
        for dtype in ("float32", "float16"):
            add("flash_attention", "forward", (dtype, 64, 64, 64, 64))
        add("flash_attention", "dkdv", ("bfloat16", 128, 128, 32, 32))
    return out
