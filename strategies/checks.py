"""CHECK constraints of simple forms, read from their server spelling.

pg_get_constraintdef() prints ``col IN (...)`` as ``col = ANY (ARRAY[...])``
and ``BETWEEN`` as two comparisons joined by AND. The forms understood
here: comparisons of a column with a literal or another column, IS [NOT]
NULL, ``= ANY (ARRAY[...])``, length()/char_length() of a column, combined
with AND, OR and parentheses. Two uses: a column's value domain (IN list,
bounds, non-empty) shapes its builder, and the whole expression filters a
drawn row in Python with SQL's three-valued logic. Anything else raises
``UnknownCheck``; the strategy then asks for an override.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^']|'')*')
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<cast>::\s*[a-z_][a-z0-9_ ]*(?:\(\d+(?:,\d+)?\))?(?:\[\])?)
    | (?P<op><=|>=|<>|!=|=|<|>)
    | (?P<punct>[(),\[\]])
    | (?P<word>"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)

_COMPARE = {
    "=": operator.eq, "<>": operator.ne, "!=": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>",
         "!=": "!="}
_LENGTH = {"length", "char_length", "character_length"}


class UnknownCheck(ValueError):
    """An expression outside the understood forms."""


@dataclass(frozen=True)
class Ref:
    column: str
    length: bool = False  # length(column) rather than column


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Node:
    kind: str  # and, or, cmp, null, notnull, any
    parts: tuple = ()
    op: str = ""


@dataclass
class Domain:
    """What one column's CHECKs allow, as far as a builder can use it."""

    choices: tuple | None = None
    low: float | None = None  # inclusive
    high: float | None = None  # inclusive
    low_open: bool = False
    high_open: bool = False
    min_length: int = 0
    max_length: int | None = None
    excluded: set = field(default_factory=set)


def parse(expression: str) -> Node:
    tokens = _tokens(expression)
    parser = _Parser(tokens, expression)
    node = parser.disjunction()
    if parser.peek() is not None:
        raise UnknownCheck(f"unexpected {parser.peek()[1]!r} in {expression!r}")
    return node


def columns_of(node: Node | Ref | Lit) -> set[str]:
    if isinstance(node, Ref):
        return {node.column}
    if isinstance(node, Lit):
        return set()
    return set().union(*(columns_of(p) for p in node.parts)) if node.parts else set()


def evaluate(node: Node, row: dict) -> bool | None:
    """SQL truth of the expression on a row; None is unknown (passes)."""
    if node.kind == "and":
        return _and(evaluate(p, row) for p in node.parts)
    if node.kind == "or":
        return _or(evaluate(p, row) for p in node.parts)
    if node.kind in ("null", "notnull"):
        value = _value(node.parts[0], row)
        if value is _UNKNOWN:
            return None
        return (value is None) == (node.kind == "null")
    if node.kind == "any":
        value = _value(node.parts[0], row)
        if value is None or value is _UNKNOWN:
            return None
        return value in [p.value for p in node.parts[1:]]
    left, right = (_value(p, row) for p in node.parts)
    if left is None or right is None or _UNKNOWN in (left, right):
        return None
    return _COMPARE[node.op](left, right)


def domain(node: Node, column: str) -> Domain:
    """The part of a CHECK that constrains ``column`` alone, if any."""
    found = Domain()
    atoms = node.parts if node.kind == "and" else (node,)
    for atom in atoms:
        if columns_of(atom) == {column}:
            _narrow(found, atom)
    return found


# --- internals ----------------------------------------------------------------

_UNKNOWN = object()


def _value(part, row: dict):
    if isinstance(part, Lit):
        return part.value
    value = row.get(part.column, _UNKNOWN)
    if value is _UNKNOWN or not part.length or value is None:
        return value
    return len(value)


def _and(values) -> bool | None:
    values = list(values)
    if False in values:
        return False
    return None if None in values else True


def _or(values) -> bool | None:
    values = list(values)
    if True in values:
        return True
    return None if None in values else False


def _narrow(found: Domain, atom: Node) -> None:
    if atom.kind == "any":
        found.choices = tuple(p.value for p in atom.parts[1:])
        return
    if atom.kind != "cmp":
        return
    ref, lit, op = _oriented(atom)
    if ref is None:
        return
    if ref.length:
        _narrow_length(found, op, lit.value)
    elif isinstance(lit.value, str):
        if op in ("<>", "!="):
            found.excluded.add(lit.value)
            found.min_length = max(found.min_length, int(lit.value == ""))
    elif isinstance(lit.value, (int, float)):
        _narrow_number(found, op, lit.value)


def _oriented(atom: Node):
    left, right = atom.parts
    if isinstance(left, Ref) and isinstance(right, Lit):
        return left, right, atom.op
    if isinstance(right, Ref) and isinstance(left, Lit):
        return right, left, _FLIP[atom.op]
    return None, None, None


def _narrow_number(found: Domain, op: str, value) -> None:
    if op in (">", ">="):
        found.low, found.low_open = value, op == ">"
    elif op in ("<", "<="):
        found.high, found.high_open = value, op == "<"
    elif op == "=":
        found.choices = (value,)
    elif op in ("<>", "!="):
        found.excluded.add(value)


def _narrow_length(found: Domain, op: str, value: int) -> None:
    if op in (">", ">="):
        found.min_length = value + (op == ">")
    elif op in ("<", "<="):
        found.max_length = value - (op == "<")


def _tokens(expression: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = expression.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise UnknownCheck(f"cannot read {text[pos:]!r} in {expression!r}")
        pos = match.end()
        kind = match.lastgroup
        if kind != "cast":  # casts of literals and columns do not matter here
            out.append((kind, match.group(kind)))
    return out


class _Parser:
    def __init__(self, tokens, expression):
        self.tokens = tokens
        self.pos = 0
        self.expression = expression

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value=None):
        token = self.peek()
        if token is None or (value is not None and token[1].upper() != value):
            raise UnknownCheck(f"expected {value or 'more'} in {self.expression!r}")
        self.pos += 1
        return token

    def at(self, value) -> bool:
        token = self.peek()
        return token is not None and token[1].upper() == value

    def disjunction(self) -> Node:
        parts = [self.conjunction()]
        while self.at("OR"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Node("or", tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.atom()]
        while self.at("AND"):
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else Node("and", tuple(parts))

    def atom(self) -> Node:
        if self.at("(") and not self._parenthesised_operand():
            self.take("(")
            node = self.disjunction()
            self.take(")")
            return node
        left = self.operand()
        if self.at("IS"):
            return self._is(left)
        kind, op = self.take()
        if kind != "op":
            raise UnknownCheck(f"unsupported {op!r} in {self.expression!r}")
        if self.at("ANY"):
            return self._any(left, op)
        return Node("cmp", (left, self.operand()), op)

    def _parenthesised_operand(self) -> bool:
        # "(col)::text = ..." : a parenthesised column, not a sub-expression
        ahead = self.tokens[self.pos:self.pos + 4]
        return (len(ahead) >= 3 and ahead[1][0] == "word"
                and ahead[2][1] == ")"
                and (len(ahead) < 4 or ahead[3][0] == "op"))

    def _is(self, left) -> Node:
        self.take("IS")
        negated = self.at("NOT")
        if negated:
            self.take()
        self.take("NULL")
        return Node("notnull" if negated else "null", (left,))

    def _any(self, left, op: str) -> Node:
        if op != "=":
            raise UnknownCheck(f"{op} ANY in {self.expression!r}")
        self.take("ANY")
        depth = 0
        values = []
        while True:
            kind, text = self.take()
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth == 0:
                    break
            elif kind in ("str", "num"):
                values.append(_literal(kind, text))
            elif text.upper() not in ("ARRAY", "[", "]", ","):
                raise UnknownCheck(f"unsupported {text!r} in {self.expression!r}")
        return Node("any", (left, *map(Lit, values)))

    def operand(self):
        if self.at("("):
            self.take("(")
            inner = self.operand()
            self.take(")")
            return inner
        kind, text = self.take()
        if kind in ("str", "num"):
            return Lit(_literal(kind, text))
        if kind == "word" and text.upper() == "NULL":
            return Lit(None)
        if kind == "word" and text.lower() in _LENGTH and self.at("("):
            self.take("(")
            ref = self.operand()
            self.take(")")
            return Ref(ref.column, length=True)
        if kind == "word" and text.upper() not in ("AND", "OR", "NOT", "IS"):
            return Ref(text.strip('"'))
        raise UnknownCheck(f"unsupported {text!r} in {self.expression!r}")


def _literal(kind: str, text: str):
    if kind == "str":
        return text[1:-1].replace("''", "'")
    return float(text) if "." in text else int(text)
