"""Counting the database queries of the push queue per pushed object, grouped by where they come from.

`QueryLog` records every statement the default connection runs together with the innermost frame of the
project's own code that sent it (e.g. `push/refs.py:ref_save`), so a breakdown names the line to look
at, and the statement's shape (literals and IN lists folded) so repeated queries group together.
"""

from __future__ import annotations

import re
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
_OWN = ("integrations/", "invoicing/", "customers/", "accounts/")
_LITERALS = [(re.compile(r'SAVEPOINT "[^"]*"'), "SAVEPOINT ?"), (re.compile(r"'(?:[^']|'')*'"), "?"), (re.compile(r"\b\d+(\.\d+)?\b"), "?"),
             (re.compile(r"\((?:\s*(?:\?|%s)\s*,?)+\)"), "(…)"), (re.compile(r"\s+"), " ")]


def shape(sql: str) -> str:
    for pattern, repl in _LITERALS:
        sql = pattern.sub(repl, sql)
    return sql.strip()


def _site() -> str:
    """The innermost frame of the project's code (not Django, not the tests) on the stack."""
    for frame in reversed(traceback.extract_stack()):
        try:
            rel = Path(frame.filename).resolve().relative_to(ROOT).as_posix()
        except ValueError:
            continue
        if rel.startswith(_OWN):
            return f"{rel.removeprefix('integrations/')}:{frame.name}"
    return "other"


@dataclass
class QueryLog:
    rows: list[tuple[str, str]] = field(default_factory=list)  # (site, shape)

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        # SQLite's BEGIN is a statement; PostgreSQL's driver opens a transaction without one, and the
        # bench (bench/_counting_worker.py) counts what the worker sends on PostgreSQL.
        if not sql.startswith("BEGIN"):
            self.rows.append((_site(), shape(sql)))
        return execute(sql, params, many, context)

    def __len__(self) -> int:
        return len(self.rows)

    def by_site(self) -> Counter[str]:
        return Counter(site for site, _ in self.rows)

    def by_shape(self) -> Counter[tuple[str, str]]:
        return Counter(self.rows)

    def report(self, per: int, title: str) -> str:
        lines = [f"--- {title}: {len(self)} queries, {len(self) / per:.2f} per invoice ---"]
        for site, n in self.by_site().most_common():
            lines.append(f"{n:6d} {n / per:6.2f}  {site}")
        lines.append("  by statement shape:")
        for (site, sql), n in self.by_shape().most_common(40):
            lines.append(f"{n:6d}  {site}  {sql[:160]}")
        return "\n".join(lines)


@contextmanager
def query_log() -> Iterator[QueryLog]:
    log = QueryLog()
    with connection.execute_wrapper(log):
        yield log
