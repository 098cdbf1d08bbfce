"""Normalising what the server prints, so rules compare meanings.

pg_get_expr() deparses a default or predicate; its spelling has moved
between major versions (extra parentheses, casts, case of SQL-standard
functions), so rules never compare raw text.
"""

from __future__ import annotations

import re

# Only a cast to the column's own timestamptz type is noise; a cast to
# anything else (gen_random_uuid()::text) changes what the default is.
_CAST = re.compile(r"::(timestamp(\(\d\))? with time zone|timestamptz)$")


def normalise(expr: str | None) -> str | None:
    """Lower-case, single-spaced, without outer parentheses or a cast."""
    if expr is None:
        return None
    text = " ".join(expr.lower().split())
    while True:
        stripped = _strip_parens(_CAST.sub("", text).strip())
        if stripped == text:
            return text
        text = stripped


def _strip_parens(text: str) -> str:
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return text  # "(a) and (b)": the parentheses are not outer
    return text[1:-1].strip()


def conjuncts(predicate: str | None) -> list[str]:
    """Top-level AND terms of a predicate, each normalised."""
    text = normalise(predicate) or ""
    terms, depth, start = [], 0, 0
    for match in re.finditer(r"[()]|\band\b", text):
        token = match.group()
        if token in "()":
            depth += 1 if token == "(" else -1
        elif depth == 0:
            terms.append(text[start:match.start()])
            start = match.end()
    terms.append(text[start:])
    return [normalise(t) or "" for t in terms if t.strip()]
