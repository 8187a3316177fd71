"""QBO calls of the import: throttling and transient errors wait and try again; an expired
authorization propagates (the job pauses with that reason)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings

from integrations.importer.progress import Reporter
from integrations.qbo.client import PAGE_SIZE, QboClient
from integrations.qbo.errors import QboThrottled, QboTransient

T = TypeVar("T")
MAX_TRANSIENT_ATTEMPTS = 6


def _retry_base_seconds() -> float:
    # A setting so tests can shorten the waits; QBO_THROTTLE_WAIT_SECONDS is the push queue's (60 s).
    return float(getattr(settings, "QBO_IMPORT_RETRY_BASE_SECONDS", 2.0))


def patiently(reporter: Reporter, fn: Callable[[], T], *, what: str) -> T:
    """fn(), waiting out 429s (as long as it takes) and transient failures (a few, with backoff).

    Writes are safe to repeat here: every create carries a stable requestid (QBO replays the first
    answer) and an ImportIntent was committed before it, so a retry cannot create a second record."""
    transient, waited = 0, False
    while True:
        try:
            result = fn()
        except QboThrottled:
            wait = float(settings.QBO_THROTTLE_WAIT_SECONDS)
            reporter.waiting(f"QuickBooks asked us to slow down while {what}; continuing in {wait:.0f} s.")
        except QboTransient as exc:
            transient += 1
            if transient >= MAX_TRANSIENT_ATTEMPTS:
                raise
            wait = min(_retry_base_seconds() * 2 ** (transient - 1), 60.0)
            reporter.waiting(f"QuickBooks did not answer while {what} ({exc.message}); trying again in {wait:.0f} s.")
        else:
            if waited:
                reporter.waiting("")  # clear the "waiting" line on the page
            return result
        waited = True
        time.sleep(wait)


def pages(reporter: Reporter, client: QboClient, entity: str, where: str = "", *, select: str = "*",
          what: str = "") -> Iterator[list[dict[str, Any]]]:
    """Every row, one full 1000-row page per request, ordered by Id.

    The same query as QboClient.query_pages, but each page is fetched through `patiently`, so a 429 on
    page 7 waits and fetches page 7 again instead of ending the generator (and the import) there.
    `select` lets items ask for "*, Sku" (QBO omits Sku from SELECT * on items)."""
    clause = f" WHERE {where}" if where else ""
    start = 1
    while True:
        sql = f"SELECT {select} FROM {entity}{clause} ORDERBY Id STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"
        rows = patiently(reporter, lambda sql=sql: client.query(sql).get(entity, []),
                         what=what or f"reading {entity} records")
        if rows:
            yield rows
        if len(rows) < PAGE_SIZE:
            return
        start += PAGE_SIZE


def count(reporter: Reporter, client: QboClient, entity: str, where: str = "") -> int:
    return patiently(reporter, lambda: client.count(entity, where), what=f"counting {entity} records")
