"""A module's single-point mutants: a walk over its AST proposing, at each spot one of the
operators below applies to, an edit of the source text.

Only numbers, booleans, operators, `not`, `return`, `raise` and `if` are mutated, never
strings, so docstrings stay as they are. Annotations, `__all__` and f-strings are skipped.
"""
import ast
from dataclasses import dataclass

from .source import Source, apply_edits, split_lines

# `*` gets two mutants: `/` breaks integer code at once, `//` only where it matters
ARITHMETIC = {"+": ("-",), "-": ("+",), "*": ("/", "//"), "/": ("*",), "//": ("*",),
              "%": ("//",)}
COMPARISON = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==",
              "is": "is not", "is not": "is", "in": "not in", "not in": "in"}
BOOLEAN = {"and": "or", "or": "and"}


@dataclass(frozen=True)
class Mutant:
    path: str       # the module, relative to the repository root
    line: int
    col: int        # from 1, as linters count
    operator: str   # what changed, such as "compare < -> <="
    edits: tuple    # ((start, end, replacement), ...) in the module's original text
    before: str     # the changed line, unmutated and mutated, stripped
    after: str

    @property
    def diff(self):
        return f"{self.path}:{self.line}:{self.col} ({self.operator})  {self.before}  =>  {self.after}"

    def apply(self, text):
        return apply_edits(text, self.edits)


def mutants(path, text):
    """The mutants of the module at `path` whose source is `text`, in source order."""
    finder = _Finder(path, Source(text))
    finder.visit(ast.parse(text, filename=path))
    return sorted(finder.found, key=lambda m: (m.line, m.col, m.operator))


def _assigns_all(node):
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


class _Finder(ast.NodeVisitor):
    def __init__(self, path, source):
        self.path = path
        self.source = source
        self.found = []

    def add(self, operator, edits):
        line, col = self.source.position(min(e[0] for e in edits))
        after = split_lines(apply_edits(self.source.text, edits))[line - 1]
        self.found.append(Mutant(self.path, line, col, operator, tuple(edits),
                                 self.source.lines[line - 1].strip(), after.strip()))

    def generic_visit(self, node):
        # annotations only describe types: a mutant there changes nothing a test can see
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns"):
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    self.visit(child)

    def visit_Assign(self, node):
        if not _assigns_all(node):
            self.generic_visit(node)

    visit_AnnAssign = visit_Assign

    def visit_JoinedStr(self, node):
        """f-strings only build messages, and before Python 3.12 the positions ast gives
        inside them are unreliable: left alone."""

    def visit_BinOp(self, node):
        start, end, op = self.source.operator(node.left, node.right)
        for new in ARITHMETIC.get(op, ()):
            self.add(f"arithmetic {op} -> {new}", [(start, end, new)])
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if _assigns_all(node):
            return
        start, end, op = self.source.operator(node.target, node.value)
        for new in ARITHMETIC.get(op[:-1], ()):
            self.add(f"arithmetic {op} -> {new}=", [(start, end, new + "=")])
        self.generic_visit(node)

    def visit_Compare(self, node):
        for left, right in zip([node.left, *node.comparators], node.comparators):
            start, end, op = self.source.operator(left, right)
            self.add(f"compare {op} -> {COMPARISON[op]}", [(start, end, COMPARISON[op])])
        self.generic_visit(node)

    def visit_BoolOp(self, node):
        ops = [self.source.operator(a, b) for a, b in zip(node.values, node.values[1:])]
        op = ops[0][2]
        self.add(f"boolean {op} -> {BOOLEAN[op]}", [(s, e, BOOLEAN[op]) for s, e, _ in ops])
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.Not):  # the keyword and the blanks after it
            start = self.source.span(node)[0]
            end = start + len("not")
            while self.source.text[end] in " \t":
                end += 1
            self.add("remove not", [(start, end, "")])
        self.generic_visit(node)

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool):
            new, kind = not value, "boolean"
        elif isinstance(value, int):
            new, kind = {0: 1, 1: 0}.get(value, value + 1), "number"
        else:
            return
        self.add(f"{kind} {value} -> {new}", [(*self.source.span(node), str(new))])

    def visit_Return(self, node):
        value = node.value
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            self.add("return None", [(*self.source.span(value), "None")])
        self.generic_visit(node)

    def visit_Raise(self, node):
        self.add("delete raise", [(*self.source.span(node), "pass")])
        self.generic_visit(node)

    def visit_If(self, node):
        start, end = self.source.span(node.test)
        self.add("negate if", [(start, end, f"not ({self.source.text[start:end]})")])
        self.generic_visit(node)
