"""The import's database work grows with pages, not rows: ten times the customers on the same number of
pages costs the same queries, apart from the multi-row INSERTs SQLite splits at 999 parameters."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from accounts.models import Organization
from customers.models import Customer
from integrations.importer.run import import_execute
from integrations.importer.services import import_request
from integrations.models import ImportState
from tests.integrations.import_helpers import connect_owner

pytestmark = pytest.mark.django_db


def _queries_for(qbo: Any, org: Organization, member: Any, size: int) -> tuple[int, int]:
    realm = qbo.control.create_company(f"Size {size}", seed={"customers": size, "seed": 5})
    rows = [c for c in qbo.control.objects(realm, "Customer") if c["_sim"]["active"]]
    # A fifth of QBO's customers exist here too (linked), and as many local-only ones (sent to QBO).
    Customer.objects.bulk_create(
        [Customer(organization=org, display_name=c["DisplayName"],
                  email=(c.get("PrimaryEmailAddr") or {}).get("Address", "")) for c in rows[:size // 5]]
        + [Customer(organization=org, display_name=f"Only here {size}-{n}") for n in range(size // 5)])
    conn = connect_owner(qbo, org, member, realm)
    run = import_request(connection=conn, enqueue=False)
    seen: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        done = import_execute(run.pk)
    assert done is not None and done.state == ImportState.DONE
    assert done.summary["created_in_qbo"] == size // 5
    inserts = sum(1 for sql in seen if sql.lstrip().upper().startswith("INSERT"))
    return len(seen) - inserts, inserts


def test_queries_do_not_grow_with_rows(qbo: Any, make_org: Any, member: Any) -> None:
    # 25 and 250 customers are one QBO page each; 5 and 50 creates are one and two batches.
    small_other, small_inserts = _queries_for(qbo, make_org("Small"), member, 25)
    big_other, big_inserts = _queries_for(qbo, make_org("Big"), member, 250)
    # The second batch of creates: limiter slots (the request bucket and the batch window), reads, intents,
    # mappings, progress, savepoints.
    one_more_batch = 20
    assert big_other <= small_other + one_more_batch, (small_other, big_other)
    if connection.vendor == "postgresql":
        assert big_inserts <= small_inserts + 3  # one multi-row INSERT per table per page or batch
    else:
        assert big_inserts <= small_inserts + 3 + (250 * 18) // 999 * 2  # SQLite's 999-parameter split
