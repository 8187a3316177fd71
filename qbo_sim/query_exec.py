"""Run a parsed query against a company's records and build QBO's QueryResponse bytes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from . import clock, errors, ledger, schema
from .query import Cond, Query, parse
from .store import Company, Record

_DATE_HINT = re.compile(r"(Date|Time)$")


def lookup(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    parts = path.split(".")
    for n, part in enumerate(parts):
        if isinstance(value, list):  # AttachableRef.EntityRef.value: any element may match
            rest = ".".join(parts[n:])
            return _Many(lookup(v, rest) for v in value if isinstance(v, dict))
        if not isinstance(value, dict):
            return None
        if part in value:
            value = value[part]
        else:  # QBO ignores case: EntityRef.Type is stored as "type"
            value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    if isinstance(value, dict):  # CustomerRef = '5' compares the ref's value; emails their address
        return value.get("value", value.get("Address", value.get("FreeFormNumber", value.get("URI"))))
    return value


class _Many(list[Any]):
    """Values reached through a list; a condition holds if it holds for one of them."""


def _any(value: Any, test: Callable[[Any], bool]) -> bool:
    if isinstance(value, _Many):
        return any(_any(v, test) for v in value)
    return test(value)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(field: str, have: Any, op: str, want: Any) -> bool:
    if have is None:
        return False
    if isinstance(have, bool) or isinstance(want, bool):
        want_b = want if isinstance(want, bool) else str(want).lower() == "true"
        return (have is want_b) if op == "=" else (have is not want_b) if op in ("!=", "<>") else False
    a: Any
    b: Any
    if _DATE_HINT.search(field):
        a, b = clock.parse_datetime(str(have)), clock.parse_datetime(str(want))
    else:
        a, b = _as_number(have), _as_number(want)
    if a is None or b is None:
        # QBO string comparisons ignore letter case.
        a, b = str(have).casefold(), str(want).casefold()
    # a and b are both numbers, datetimes or strings here, so every comparison is a bool.
    return bool({"=": a == b, "!=": a != b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b,
                 ">=": a >= b}[op])


def _like(pattern: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in str(pattern).split("%")]
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


def _predicate(cond: Cond) -> Callable[[dict[str, Any]], bool]:
    if cond.op == "like":
        rx = _like(cond.values[0])
        return lambda d: _any(lookup(d, cond.field), lambda v: v is not None and rx.fullmatch(str(v)) is not None)
    if cond.op == "in":
        return lambda d: _any(lookup(d, cond.field),
                              lambda v: any(_compare(cond.field, v, "=", w) for w in cond.values))
    return lambda d: _any(lookup(d, cond.field), lambda v: _compare(cond.field, v, cond.op, cond.values[0]))


def _sort_key(field: str) -> Callable[[Record], tuple[int, Any]]:
    def key(rec: Record) -> tuple[int, Any]:
        value = lookup(rec.data, field)
        if value is None:
            return (2, "")
        num = _as_number(value)
        if num is not None and not _DATE_HINT.search(field):
            return (0, num)
        if _DATE_HINT.search(field):
            return (0, clock.parse_datetime(str(value)) or 0.0)
        return (1, str(value).casefold())
    return key


def resolve(q: Query) -> schema.EntityInfo:
    """Canonical entity and property spellings; QBO ignores their case and rejects what it
    cannot filter or sort on (4001) instead of answering an empty result."""
    info = schema.entity(q.entity)
    if info is None:
        raise errors.query_invalid(f"value {q.entity} is not a valid entity")
    q.entity = info.name

    def canon(prop: str) -> str:
        name = info.resolve(prop)
        if name is None:
            raise errors.query_invalid(f"property '{prop}' is not queryable for entity {info.name}")
        return name

    q.conds = [Cond(canon(c.field), c.op, c.values) for c in q.conds]
    q.order = [(canon(name), desc) for name, desc in q.order]
    return info


def select(co: Company, q: Query) -> list[Record]:
    info = resolve(q)
    if info.name == "Account":
        ledger.refresh_accounts(co)   # QBO computes CurrentBalance from the transactions
    conds = list(q.conds)
    if info.name_list and not any(c.field == "Active" for c in conds):
        conds.append(Cond("Active", "=", [True]))  # QBO: name lists are active-only by default
    preds = [_predicate(c) for c in conds]
    rows = [r for r in co.records.get(q.entity, {}).values()
            if not r.deleted and all(p(r.data) for p in preds)]
    rows.sort(key=lambda r: (len(r.id), r.id))  # QBO's natural order is by Id
    for name, desc in reversed(q.order):
        rows.sort(key=_sort_key(name), reverse=desc)
    return rows


def _project(data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    lower = {k.lower(): k for k in data}
    out = {"Id": data["Id"]}
    for f in fields:
        key = lower.get(f.split(".")[0].lower())
        if key is not None:
            out[key] = data[key]
    return {**out, "domain": "QBO", "sparse": True}


def run(co: Company, text: str) -> bytes:
    q = parse(text)
    rows = select(co, q)
    now = clock.iso_ms(clock.now())
    if q.count:
        return json.dumps({"QueryResponse": {"totalCount": len(rows)}, "time": now}).encode()
    page = rows[q.start - 1:q.start - 1 + q.max]
    if not page:
        return b'{"QueryResponse":{},"time":"' + now.encode() + b'"}'
    if q.fields is None:
        items = b",".join(r.json() for r in page)
    else:
        items = b",".join(json.dumps(_project(r.data, q.fields)).encode() for r in page)
    return (b'{"QueryResponse":{"' + q.entity.encode() + b'":[' + items + b'],"startPosition":'
            + str(q.start).encode() + b',"maxResults":' + str(len(page)).encode() + b'},"time":"'
            + now.encode() + b'"}')


def run_dict(co: Company, text: str) -> dict[str, Any]:
    """For batch Query items, which embed a QueryResponse object."""
    response: dict[str, Any] = json.loads(run(co, text))["QueryResponse"]
    return response
