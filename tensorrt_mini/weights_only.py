"""The restricted unpickler of `tm.load(weights_only=True)`.

A pickle is a program: its GLOBAL opcode imports any name and REDUCE calls it, so loading
an untrusted file with `pickle` can run anything. This unpickler runs only the opcodes
that torch.save's pickles use (protocol 2), resolves GLOBAL against an allowlist instead of
importing, calls only allowlisted callables, and builds (sets the state of) nothing but an
OrderedDict. Whatever else a file asks for stops the load with `pickle.UnpicklingError`
before it runs.
"""
import pickle
import struct
from collections import OrderedDict
from pickle import UnpicklingError

_MESSAGE = ("Weights only load failed: {}. tm.load(weights_only=True) loads only tensors, "
            "Parameters, dtypes, devices and sizes, in containers with plain values. If you "
            "trust the file's source, load it with weights_only=False, which can run any code "
            "the file holds.")


class Unpickler:
    """Reads one pickle from `file`: `allowed` maps "module.name" to what a GLOBAL of it
    gives; `persistent_load` resolves BINPERSID ids."""

    def __init__(self, file, allowed, persistent_load):
        self._read = file.read
        self._readline = file.readline
        self._allowed = allowed
        self._callable = {id(v) for v in allowed.values() if callable(v)}
        self._persistent_load = persistent_load

    def load(self):
        try:
            return self._run()
        except (UnpicklingError, UnicodeDecodeError) as e:  # the latter: a name or string
            raise UnpicklingError(_MESSAGE.format(e)) from None

    def _take(self, n):
        data = self._read(n)
        if len(data) != n:
            raise UnpicklingError("the pickle ends early")
        return data

    def _run(self):
        stack, marks, memo = [], [], {}

        def pop():
            if not stack:
                raise UnpicklingError("the pickle pops an empty stack")
            return stack.pop()

        def pop_mark():
            nonlocal stack
            if not marks:
                raise UnpicklingError("the pickle has no MARK to pop to")
            items, stack = stack, marks.pop()
            return items

        def top(kind, op):
            if not stack or type(stack[-1]) not in kind:
                found = type(stack[-1]).__name__ if stack else "nothing"
                raise UnpicklingError(f"{op} on a {found}")
            return stack[-1]

        while True:
            op = self._take(1)
            if op == pickle.PROTO:
                self._take(1)
            elif op == pickle.STOP:
                return pop()
            elif op == pickle.GLOBAL:
                module = self._readline()[:-1].decode("utf-8")
                name = self._readline()[:-1].decode("utf-8")
                # protocol 2 names builtins by their Python 2 module
                path = f"{'builtins' if module == '__builtin__' else module}.{name}"
                if path not in self._allowed:
                    raise UnpicklingError(f"GLOBAL {path} is not an allowed global")
                stack.append(self._allowed[path])
            elif op == pickle.REDUCE:
                args, func = pop(), pop()
                if id(func) not in self._callable or type(args) is not tuple:
                    raise UnpicklingError(f"REDUCE may not call {func!r}")
                stack.append(func(*args))
            elif op == pickle.BUILD:
                state = pop()
                target = top((OrderedDict,), "BUILD")
                if type(state) is not dict or not all(type(k) is str for k in state):
                    raise UnpicklingError("BUILD takes a dict of attributes")
                target.__dict__.update(state)  # a state_dict's _metadata
            elif op == pickle.BINPERSID:
                pid = pop()
                if type(pid) is not tuple or not pid or pid[0] != "storage":
                    raise UnpicklingError(f"persistent id {pid!r} is not a storage")
                stack.append(self._persistent_load(pid))
            elif op == pickle.MARK:
                marks.append(stack)
                stack = []
            elif op == pickle.TUPLE:
                items = pop_mark()
                stack.append(tuple(items))
            elif op in _TUPLE_N:
                n = _TUPLE_N[op]
                if len(stack) < n:
                    raise UnpicklingError("the pickle pops an empty stack")
                items = tuple(stack[len(stack) - n:])
                del stack[len(stack) - n:]
                stack.append(items)
            elif op in _CONSTANTS:
                stack.append(_CONSTANTS[op]())
            elif op == pickle.APPEND:
                item = pop()
                top((list,), "APPEND").append(item)
            elif op == pickle.APPENDS:
                items = pop_mark()
                top((list,), "APPENDS").extend(items)
            elif op == pickle.SETITEM:
                value, key = pop(), pop()
                top((dict, OrderedDict), "SETITEM")[key] = value
            elif op == pickle.SETITEMS:
                items = pop_mark()
                target = top((dict, OrderedDict), "SETITEMS")
                if len(items) % 2:
                    raise UnpicklingError("SETITEMS with a key and no value")
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif op in _NUMBERS:
                fmt = _NUMBERS[op]
                stack.append(struct.unpack(fmt, self._take(struct.calcsize(fmt)))[0])
            elif op == pickle.LONG1:
                stack.append(int.from_bytes(self._take(self._take(1)[0]), "little", signed=True))
            elif op == pickle.BINUNICODE:
                n = struct.unpack("<I", self._take(4))[0]
                stack.append(self._take(n).decode("utf-8", "surrogatepass"))
            elif op in (pickle.BINPUT, pickle.LONG_BINPUT):
                if not stack:
                    raise UnpicklingError("the pickle memoizes an empty stack")
                memo[self._index(op == pickle.BINPUT)] = stack[-1]
            elif op in (pickle.BINGET, pickle.LONG_BINGET):
                i = self._index(op == pickle.BINGET)
                if i not in memo:
                    raise UnpicklingError(f"the pickle reads memo entry {i}, which it never wrote")
                stack.append(memo[i])
            else:
                raise UnpicklingError(f"opcode {op!r} is not supported")

    def _index(self, short):
        return self._take(1)[0] if short else struct.unpack("<I", self._take(4))[0]


_TUPLE_N = {pickle.EMPTY_TUPLE: 0, pickle.TUPLE1: 1, pickle.TUPLE2: 2, pickle.TUPLE3: 3}
_CONSTANTS = {pickle.NONE: lambda: None, pickle.NEWTRUE: lambda: True,
              pickle.NEWFALSE: lambda: False, pickle.EMPTY_LIST: list, pickle.EMPTY_DICT: dict}
_NUMBERS = {pickle.BININT: "<i", pickle.BININT1: "<B", pickle.BININT2: "<H",
            pickle.BINFLOAT: ">d"}
