"""Positions in one module's source text, and mutants as text edits of it.

A mutant edits only the characters it changes, so the rest of the file (comments, layout,
line numbers) stays as it was and a mutant shows as a one-line diff. ast reports columns
in UTF-8 bytes and tokenize in characters; everything here is in characters.
"""
import bisect
import io
import tokenize

_PARENS = {"(", ")"}


class Source:
    def __init__(self, text):
        self.text = text
        self.lines = split_lines(text)
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))
        # operators and keywords, as (start, end, text); parentheses are left in to skip
        self._tokens = [(self._offset(*t.start), self._offset(*t.end), t.string)
                        for t in tokenize.generate_tokens(io.StringIO(text, newline="").readline)
                        if t.type in (tokenize.OP, tokenize.NAME)]
        self._token_starts = [t[0] for t in self._tokens]

    def _offset(self, lineno, col):
        return self._starts[lineno - 1] + col

    def _node_offset(self, lineno, byte_col):
        line = self.lines[lineno - 1].encode()
        return self._offset(lineno, len(line[:byte_col].decode()))

    def span(self, node):
        """(start, end) of an AST node."""
        return (self._node_offset(node.lineno, node.col_offset),
                self._node_offset(node.end_lineno, node.end_col_offset))

    def operator(self, left, right):
        """(start, end, text) of the operator between two operand nodes, such as `+`,
        `<=`, `and` or `not in` (text with single spaces), parentheses aside."""
        lo, hi = self.span(left)[1], self.span(right)[0]
        first = bisect.bisect_left(self._token_starts, lo)
        last = bisect.bisect_left(self._token_starts, hi)
        found = [t for t in self._tokens[first:last] if t[2] not in _PARENS]
        return found[0][0], found[-1][1], " ".join(t[2] for t in found)

    def position(self, offset):
        """(line, column) of a character offset, both from 1."""
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def split_lines(text):
    """The lines of `text`, ends kept, split where Python ends a line: str.splitlines
    also splits at form feeds and other separators, which would shift line numbers."""
    return io.StringIO(text, newline="").readlines()


def apply_edits(text, edits):
    """`text` with each (start, end, replacement) edit made. A replacement that spans fewer
    lines than what it replaces (a `raise` over three lines becoming `pass`) is padded with
    newlines, so every later line keeps its number in diffs and tracebacks."""
    for start, end, new in sorted(edits, reverse=True):
        lost = text.count("\n", start, end) - new.count("\n")
        text = text[:start] + new + "\n" * max(lost, 0) + text[end:]
    return text
