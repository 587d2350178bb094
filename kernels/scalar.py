"""Scalar bodies: the one Python function an elementwise op is written as, prepared for
one compute dtype and one device before a kernel generator inlines it.

Two rewrites make a body written once behave the same on every device:
- **Literals take the compute dtype.** Numba types `0.5 * x` as float64 even for a
  float32 `x`, which halves the CPU's vector width and runs the GPU's double-precision
  units. PyTorch treats a Python number beside a tensor as a weak scalar of the tensor's
  dtype, so the body's numeric constants become constants of the compute dtype (floats
  and ints for a float compute, ints for an integer one).
- **`math` is the device's.** A body calls `math.exp`; each device supplies its own
  `math` namespace (`math_namespace`): the CPU adds what Numba's CPU target lacks, the CUDA
  simulator uses numpy's IEEE functions, a real GPU takes libdevice through `math` itself.

A body whose source cannot be read (made by exec, say) keeps its literals as they are.
"""
import ast
import functools
import hashlib
import inspect
import math
import re
import textwrap
import types

import numpy as np

__all__ = ["Body", "BodyError", "math_namespace", "numba_reason", "prepare"]


class BodyError(TypeError):
    """A scalar body that Numba cannot compile for the dtypes (or the device) it was
    called with."""


def numba_reason(error):
    """Numba's message without its traceback-like context and colour codes."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = []
    for line in text.splitlines():
        if line.startswith(("During:", "File ", "Enable logging")) or "^" in line.strip()[:1]:
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines)[:600]


class Body:
    """A scalar function and the key that names it in kernel caches: two bodies with the
    same key must compile to the same code."""

    __slots__ = ("fn", "key", "name")

    def __init__(self, fn, key=None):
        self.fn = fn
        self.name = getattr(fn, "__qualname__", getattr(fn, "__name__", "body"))
        self.key = key or f"{fn.__module__}.{self.name}.{code_hash(fn)}"

    def __repr__(self):
        return f"Body({self.key})"


def code_hash(fn):
    """A hash of what fn computes: its source when readable, else its bytecode and
    constants, and the values of the globals and closure cells it reads that are numbers."""
    h = hashlib.sha256()
    try:
        h.update(inspect.getsource(fn).encode())
    except (OSError, TypeError):
        code = fn.__code__
        h.update(code.co_code)
        h.update(repr(code.co_consts).encode())
        h.update(repr(code.co_names).encode())
    for name, value in _free_values(fn).items():
        if isinstance(value, (int, float, complex, np.generic)):
            h.update(f"{name}={value!r}".encode())
    return h.hexdigest()[:16]


def _free_values(fn):
    """The values of fn's closure cells, by name."""
    cells = fn.__closure__ or ()
    return {name: cell.cell_contents for name, cell in zip(fn.__code__.co_freevars, cells)}


def math_namespace(base, overrides):
    """A module that holds `math`'s names with `overrides` (a dict) on top: a body's
    `math.f` then resolves to the device's f."""
    ns = types.ModuleType(f"tensorrt_mini_math_{base}")
    for name in dir(math):
        if not name.startswith("_"):
            setattr(ns, name, getattr(math, name))
    for name, value in overrides.items():
        setattr(ns, name, value)
    return ns


def prepare(fn, dtype, math_ns):
    """fn with its literals in `dtype` and `math` (and names imported from it) bound to
    `math_ns` (a namespace from math_namespace, or None to keep `math`)."""
    dtype = np.dtype(dtype)
    glb = dict(fn.__globals__)
    glb.update(_free_values(fn))
    if math_ns is not None:
        for name, value in list(glb.items()):
            if value is math:
                glb[name] = math_ns
            elif getattr(value, "__module__", None) == "math" and hasattr(math_ns, name):
                glb[name] = getattr(math_ns, name)
    tree = _parse(fn)
    if tree is None or dtype.kind not in "iuf":
        return types.FunctionType(fn.__code__, glb, fn.__name__, fn.__defaults__,
                                  fn.__closure__)
    _Literals(dtype, glb).visit(tree)
    ast.fix_missing_locations(tree)
    local = {}
    exec(compile(tree, inspect.getsourcefile(fn) or "<body>", "exec"), glb, local)
    return local[fn.__name__]


@functools.lru_cache(maxsize=1024)
def _source_tree(fn):
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a lambda in the middle of a line, say
        return None
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, ast.FunctionDef) or fdef.name != fn.__name__:
        return None
    return source


def _parse(fn):
    source = _source_tree(fn)
    if source is None:
        return None
    tree = ast.parse(source)
    fdef = tree.body[0]
    fdef.decorator_list = []
    # line numbers of the original file, so Numba's messages point at the user's code
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    # free variables become globals (their values are in glb): a def inside a def would
    # otherwise need the enclosing function to rebuild its closure
    return tree


class _Literals(ast.NodeTransformer):
    """Numeric constants in arithmetic, comparisons and returns become globals holding
    them as numpy scalars of the compute dtype, which Numba freezes as typed constants.
    Constants elsewhere (range bounds, subscripts, keyword arguments) are left alone."""

    def __init__(self, dtype, glb):
        self.dtype = dtype
        self.glb = glb
        self.count = 0

    def _typed(self, node):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            return node
        value = node.value
        if isinstance(value, float) and self.dtype.kind != "f":
            return node
        if not isinstance(value, (int, float)):
            return node
        if isinstance(value, int) and self.dtype.kind in "iu":
            info = np.iinfo(self.dtype)
            if not info.min <= value <= info.max:
                return node
        name = f"_tm_literal_{self.count}"
        self.count += 1
        self.glb[name] = self.dtype.type(value)
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        node.left = self._typed(node.left)
        if not (isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant)
                and isinstance(node.right.value, int)):  # x ** 2 stays an integer power
            node.right = self._typed(node.right)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            value = node.operand.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return self._typed(ast.copy_location(ast.Constant(-value), node))
        node.operand = self._typed(node.operand)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        node.left = self._typed(node.left)
        node.comparators = [self._typed(c) for c in node.comparators]
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        node.body = self._typed(node.body)
        node.orelse = self._typed(node.orelse)
        return node

    def visit_Return(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Tuple):
            node.value.elts = [self._typed(e) for e in node.value.elts]
        elif node.value is not None:
            node.value = self._typed(node.value)
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        node.value = self._typed(node.value)
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        node.value = self._typed(node.value)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        # math.f(0.5, x) and min/max(x, 0.) take typed literals; range(3) and int(2) do not
        if isinstance(func, ast.Attribute) or (isinstance(func, ast.Name)
                                               and func.id in ("min", "max", "abs")):
            node.args = [self._typed(a) for a in node.args]
        return node
