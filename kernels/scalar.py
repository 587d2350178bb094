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
import linecache
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
    """A hash of what fn computes: its code (bytecode, constants, names, recursively for
    nested code) and the values it reads from its globals and closure cells, whatever they
    are: numbers and strings by value, functions by their own code hash, modules by name,
    anything else by identity (such a body is then compiled anew in each process)."""
    h = hashlib.sha256()
    _hash_code(h, fn.__code__)
    values = dict(_free_values(fn))
    names = _names(fn.__code__)
    values.update({n: fn.__globals__[n] for n in sorted(names) if n in fn.__globals__})
    for name, value in sorted(values.items()):
        h.update(f"{name}={_value_key(value, 0)}".encode())
    return h.hexdigest()[:16]


def _hash_code(h, code):
    h.update(code.co_code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _hash_code(h, const)
        else:
            h.update(repr(const).encode())
    h.update(repr(code.co_names).encode())


def _names(code):
    """The global names a code object (and the code nested in it) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _value_key(value, depth):
    if isinstance(value, (bool, int, float, complex, str, bytes, np.generic, type(None))):
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, types.ModuleType):
        return f"module:{value.__name__}"
    if isinstance(value, tuple) and depth < 3:
        return "(" + ",".join(_value_key(v, depth + 1) for v in value) + ")"
    py_func = getattr(value, "py_func", value)  # a Numba dispatcher: its Python function
    if isinstance(py_func, types.FunctionType) and depth < 3:
        return f"fn:{py_func.__module__}.{py_func.__qualname__}:{code_hash(py_func)}"
    if callable(value) and getattr(value, "__module__", None) in ("math", "numpy", "builtins"):
        return f"builtin:{value.__module__}.{getattr(value, '__name__', '?')}"
    return f"object:{type(value).__qualname__}:{id(value)}"


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
    """fn's definition as an AST, or None when its source cannot be read or is not what
    fn runs (a file edited since it was imported, a lambda beside another on its line)."""
    source = _source_tree(fn)
    if source is None:
        return None
    if not _compiles_to(fn):
        return None
    tree = ast.parse(source)
    fdef = tree.body[0]
    fdef.decorator_list = []
    # line numbers of the original file, so Numba's messages point at the user's code
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    # free variables become globals (their values are in glb): a def inside a def would
    # otherwise need the enclosing function to rebuild its closure
    return tree


def _compiles_to(fn):
    """Whether the source file inspect reads for fn still compiles to fn's own code: the
    whole file, as Python compiles a method call on an imported module differently from
    one on any other global."""
    code = fn.__code__
    path = inspect.getsourcefile(fn)
    if path is None:
        return False
    try:
        module = compile("".join(linecache.getlines(path)), path, "exec")
    except (SyntaxError, ValueError):
        return False
    found = _code_at(module, code.co_name, code.co_firstlineno)
    return found is not None and _same_code(found, code)


def _code_at(code, name, line):
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_name == name and const.co_firstlineno == line:
                return const
            inner = _code_at(const, name, line)
            if inner is not None:
                return inner
    return None


def _same_code(a, b):
    if a.co_code != b.co_code or a.co_names != b.co_names:
        return False
    consts_a = [c for c in a.co_consts if not isinstance(c, types.CodeType)]
    consts_b = [c for c in b.co_consts if not isinstance(c, types.CodeType)]
    nested_a = [c for c in a.co_consts if isinstance(c, types.CodeType)]
    nested_b = [c for c in b.co_consts if isinstance(c, types.CodeType)]
    return repr(consts_a) == repr(consts_b) and len(nested_a) == len(nested_b) and \
        all(_same_code(x, y) for x, y in zip(nested_a, nested_b))


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
