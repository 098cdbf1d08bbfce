"""The documented shape of --conformance-report (README, "Findings
report"), and a small checker for it: jsonschema is not a dependency and
this shape needs only types, required keys and enumerations."""

from __future__ import annotations

from typing import Any

STR_OR_NULL = (str, type(None))
COUNT = int

FINDING = {
    "rule": str,
    "severity": ("error", "warning"),
    "table": STR_OR_NULL,
    "object": STR_OR_NULL,
    "expected": str,
    "actual": str,
    "hint": str,
    "test": str,
}

REPORT = {
    "version": int,
    "provider": STR_OR_NULL,
    "server_version": STR_OR_NULL,
    "migrations": STR_OR_NULL,
    "contract": STR_OR_NULL,
    "counts": {
        "tests": COUNT, "passed": COUNT, "failed": COUNT, "skipped": COUNT,
        "findings": COUNT, "errors": COUNT, "warnings": COUNT,
        "by_rule": {str: COUNT},
    },
    "findings": [FINDING],
}


def problems(value: Any, shape: Any = REPORT, at: str = "$") -> list[str]:
    """Every place ``value`` departs from ``shape``, as ``path: what``."""
    if isinstance(shape, dict) and list(shape) == [str]:
        return _mapping(value, shape[str], at)
    if isinstance(shape, dict):
        return _record(value, shape, at)
    if isinstance(shape, list):
        return _array(value, shape[0], at)
    if isinstance(shape, tuple) and all(isinstance(s, str) for s in shape):
        return [] if value in shape else [f"{at}: {value!r} not in {shape}"]
    if isinstance(value, bool) and shape is int:
        return [f"{at}: bool where int expected"]
    return [] if isinstance(value, shape) else [
        f"{at}: {type(value).__name__} where {shape} expected"]


def _record(value: Any, shape: dict, at: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{at}: not an object"]
    found = [f"{at}: missing {k}" for k in shape if k not in value]
    found += [f"{at}: unexpected {k}" for k in value if k not in shape]
    for key in shape.keys() & value.keys():
        found += problems(value[key], shape[key], f"{at}.{key}")
    return found


def _mapping(value: Any, item: Any, at: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{at}: not an object"]
    return [p for k, v in value.items() for p in problems(v, item, f"{at}.{k}")]


def _array(value: Any, item: Any, at: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{at}: not an array"]
    return [p for i, v in enumerate(value)
            for p in problems(v, item, f"{at}[{i}]")]
