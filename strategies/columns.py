"""One tiny builder per reflected column type, registered with ``@builds``.

A builder takes the column and its CHECK domain and returns a strategy of
Python values psycopg adapts to that type. Types are matched on the
``format_type()`` spelling without its modifiers ("character varying(20)"
is looked up as "character varying", with 20 passed on as ``size``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Callable

from hypothesis import strategies as st

from conformance.catalog import Column
from strategies.checks import Domain

Builder = Callable[[Column, Domain, tuple[int, ...]], st.SearchStrategy]

BUILDERS: dict[str, Builder] = {}
THIS_FILE = "strategies/columns.py"

_TYPE = re.compile(r"^(?P<base>[a-z][a-z0-9 _]*?)\s*(?:\((?P<mods>[\d, ]+)\))?"
                   r"(?P<tail>(?: with(?:out)? time zone)?)(?P<array>(?:\[\])*)$")

_UTC = dt.timezone.utc
_EARLY = dt.datetime(2000, 1, 1)
_LATE = dt.datetime(2100, 1, 1)


class StrategyError(Exception):
    """A column or table for which no values can be derived."""


def builds(*type_names: str) -> Callable[[Builder], Builder]:
    """Register a builder for one or more type spellings."""

    def register(builder: Builder) -> Builder:
        for name in type_names:
            BUILDERS[name] = builder
        return builder

    return register


def values_for(table: str, column: Column, domain: Domain) -> st.SearchStrategy:
    """A strategy of values for ``table.column`` honouring its domain."""
    if domain.choices is not None:
        return st.sampled_from(domain.choices)
    match = _TYPE.match(column.type.lower())
    if match is None:
        raise _unknown(table, column)
    base = (match["base"] + match["tail"]).strip()
    builder = BUILDERS.get(base)
    if builder is None:
        raise _unknown(table, column)
    mods = tuple(int(m) for m in (match["mods"] or "").split(",") if m.strip())
    values = builder(column, domain, mods)
    if domain.excluded:
        values = values.filter(lambda v: v not in domain.excluded)
    for _ in range(match["array"].count("[]")):
        values = st.lists(values, max_size=3)
    return values


def _unknown(table: str, column: Column) -> StrategyError:
    return StrategyError(
        f"{table}.{column.name}: no builder for type {column.type!r}; "
        f"register one with @builds in {THIS_FILE}, or override the column "
        "in the table's registry entry (strategies/v1.py for V1)"
    )


# --- the builders -------------------------------------------------------------


@builds("uuid")
def _uuid(column, domain, mods):
    return st.uuids()


# PostgreSQL text cannot hold NUL; lone surrogates are not valid UTF-8.
_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")


@builds("text", "character varying", "varchar", "citext", "character",
        "bpchar", "name")
def _text(column, domain, mods):
    limit = mods[0] if mods else 12
    high = min(limit, domain.max_length or limit)
    low = min(domain.min_length, high)
    if column.type.startswith("character(") or column.type == "bpchar":
        # char(n) pads with blanks; trailing blanks would not round-trip.
        return st.text(_CHARS, min_size=low, max_size=high).map(str.rstrip)
    return st.text(_CHARS, min_size=low, max_size=high)


_INT_RANGE = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}


@builds("smallint", "integer", "bigint")
def _integer(column, domain, mods):
    span = _INT_RANGE[column.type]
    low = -span if domain.low is None else int(domain.low) + domain.low_open
    high = span - 1 if domain.high is None else int(domain.high) - domain.high_open
    return st.integers(max(low, -span), min(high, span - 1))


@builds("numeric")
def _numeric(column, domain, mods):
    precision, scale = (mods + (0,))[:2] if mods else (12, 2)
    bound = Decimal(10) ** (precision - scale) - 1
    low = -bound if domain.low is None else Decimal(str(domain.low))
    high = bound if domain.high is None else Decimal(str(domain.high))
    values = st.decimals(low, high, places=scale, allow_nan=False,
                         allow_infinity=False)
    return _open_bounds(values, domain)


@builds("real", "double precision")
def _float(column, domain, mods):
    width = 32 if column.type == "real" else 64
    values = st.floats(domain.low, domain.high, allow_nan=False,
                       allow_infinity=False, width=width)
    return _open_bounds(values, domain)


def _open_bounds(values, domain: Domain):
    if domain.low_open:
        values = values.filter(lambda v: v > domain.low)
    if domain.high_open:
        values = values.filter(lambda v: v < domain.high)
    return values


@builds("boolean")
def _boolean(column, domain, mods):
    return st.booleans()


# Instants are one integer choice (microseconds since 2000) rather than
# st.datetimes()' seven: a graph draws dozens of them per example.
_SPAN_US = int((_LATE - _EARLY).total_seconds()) * 10**6
_MICROS = st.integers(0, _SPAN_US)


@builds("timestamp with time zone")
def _timestamptz(column, domain, mods):
    start = _EARLY.replace(tzinfo=_UTC)
    return _MICROS.map(lambda us: start + dt.timedelta(microseconds=us))


@builds("timestamp without time zone", "timestamp")
def _timestamp(column, domain, mods):
    return _MICROS.map(lambda us: _EARLY + dt.timedelta(microseconds=us))


@builds("date")
def _date(column, domain, mods):
    days = (_LATE - _EARLY).days
    start = _EARLY.date()
    return st.integers(0, days).map(lambda d: start + dt.timedelta(days=d))


@builds("time without time zone", "time")
def _time(column, domain, mods):
    return st.times()


@builds("interval")
def _interval(column, domain, mods):
    bound = 3650 * 86400 * 10**6
    return st.integers(-bound, bound).map(
        lambda us: dt.timedelta(microseconds=us))


@builds("inet")
def _inet(column, domain, mods):
    return st.ip_addresses()


@builds("bytea")
def _bytea(column, domain, mods):
    return st.binary(max_size=16)


_JSON_TEXT = st.text(_CHARS, max_size=8)
_JSON_SCALAR = st.none() | st.booleans() | st.integers(-10**6, 10**6) | _JSON_TEXT


@builds("jsonb", "json")
def _json(column, domain, mods):
    # An object at the top: what application payload columns hold.
    nested = st.recursive(
        _JSON_SCALAR,
        lambda inner: st.lists(inner, max_size=3)
        | st.dictionaries(_JSON_TEXT, inner, max_size=3),
        max_leaves=4,
    )
    return st.dictionaries(_JSON_TEXT, nested, max_size=3)
