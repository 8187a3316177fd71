"""The sync log page: every attempt with its details, filters, pagination and organization scoping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.models import ObjectType, QuickBooksConnection, SyncAttempt
from invoicing.models import Invoice, InvoiceStatus
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain
from tests.integrations.push_ui_helpers import by_testid, db_connection, one, set_status

pytestmark = pytest.mark.django_db

LOG = "/settings/integrations/quickbooks/sync-log/"


def attempt(conn: QuickBooksConnection, local_id: int, *, outcome: str = "create",
            object_type: str = ObjectType.INVOICE, started_at: datetime | None = None, **fields: Any) -> SyncAttempt:
    return SyncAttempt.objects.create(connection=conn, object_type=object_type, local_id=local_id,
                                      operation=fields.pop("operation", "upsert"), outcome=outcome,
                                      started_at=started_at or timezone.now(), **fields)


def _rows(client: Client, params: dict[str, str] | None = None, status: int = 200) -> tuple[list[Any], bytes]:
    response = client.get(LOG, params or {})
    assert response.status_code == status
    return by_testid(response.content, "sync-log-row"), response.content


def test_every_attempt_with_its_details(org: Organization, owner_client: Client,
                                        make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), InvoiceStatus.SENT)
    conn = db_connection(org)
    attempt(conn, invoice.pk, outcome="error", http_status=400, fault_code="6240", intuit_tid="1-abc-tid",
            duration_ms=187, message="A vendor in QuickBooks already uses this name.")
    attempt(conn, invoice.pk, outcome="create", http_status=200, intuit_tid="1-def-tid", qbo_id="314",
            duration_ms=95, started_at=timezone.now() - timedelta(minutes=5))
    rows, html = _rows(owner_client)
    assert [r.attrs["data-outcome"] for r in rows] == ["error", "create"]  # newest first
    failed, created = rows[0].text, rows[1].text
    for expected in (f"Invoice {invoice.number}", "Create or update", "Error", "6240", "400", "1-abc-tid", "187 ms",
                     "already uses this name"):
        assert expected in failed
    assert "Created" in created and "#314" in created and "95 ms" in created
    page = html.decode()
    assert f'href="/invoices/{invoice.pk}/"' in page
    assert f"/app/invoice?txnId=314&amp;realmId={conn.realm_id}" in page


def test_filters_by_outcome_object_and_date(org: Organization, owner_client: Client) -> None:
    conn = db_connection(org)
    now = timezone.localtime()
    attempt(conn, 1, outcome="create", object_type=ObjectType.CUSTOMER)
    attempt(conn, 2, outcome="backoff", object_type=ObjectType.INVOICE)
    attempt(conn, 3, outcome="error", object_type=ObjectType.ITEM, started_at=now - timedelta(days=3))
    attempt(conn, 4, outcome="update", object_type=ObjectType.INVOICE, started_at=now - timedelta(days=10))

    def outcomes(**params: str) -> list[str]:
        return sorted(r.attrs["data-outcome"] for r in _rows(owner_client, params)[0])

    assert outcomes() == ["backoff", "create", "error", "update"]
    assert outcomes(outcome="failed") == ["backoff", "error"]
    assert outcomes(outcome="succeeded") == ["create", "update"]
    assert outcomes(outcome="update") == ["update"]
    assert outcomes(object_type="invoice") == ["backoff", "update"]
    day = (now - timedelta(days=3)).date().isoformat()
    assert outcomes(date_from=day, date_to=day) == ["error"]
    assert outcomes(date_from=day) == ["backoff", "create", "error"]
    assert outcomes(date_to=(now - timedelta(days=4)).date().isoformat(), outcome="succeeded") == ["update"]


def test_bad_filters_answer_400_and_keep_the_good_ones(org: Organization, owner_client: Client) -> None:
    conn = db_connection(org)
    attempt(conn, 1, outcome="create")
    attempt(conn, 2, outcome="error")
    rows, html = _rows(owner_client, {"outcome": "failed", "date_from": "last tuesday"}, status=400)
    assert [r.attrs["data-outcome"] for r in rows] == ["error"]
    assert "Enter a valid date" in one(html, "sync-log-errors").text
    _, html = _rows(owner_client, {"date_from": "2025-05-02", "date_to": "2025-05-01"}, status=400)
    assert "“To” is before “From”" in one(html, "sync-log-errors").text
    _, html = _rows(owner_client, {"outcome": "exploded"}, status=400)
    assert "exploded" in one(html, "sync-log-errors").text


def test_paginated_50_a_page(org: Organization, owner_client: Client) -> None:
    conn = db_connection(org)
    start = timezone.now() - timedelta(hours=1)
    SyncAttempt.objects.bulk_create(
        SyncAttempt(connection=conn, object_type=ObjectType.CUSTOMER, local_id=n, operation="upsert",
                    outcome="create", started_at=start + timedelta(seconds=n)) for n in range(60))
    first, html = _rows(owner_client)
    assert len(first) == 50 and "1–50 of 60" in html.decode()
    second, _ = _rows(owner_client, {"page": "2"})
    assert len(second) == 10


def test_only_this_organizations_attempts_and_deleted_objects_still_named(
        org: Organization, other_org: Organization, client_for: Callable[[Organization, str], Client]) -> None:
    attempt(db_connection(org), 999_999, outcome="create", object_type=ObjectType.CUSTOMER)
    attempt(db_connection(other_org, realm_id="9130-OTHER"), 1, outcome="error", message="Someone else's.")
    rows, html = _rows(client_for(org, Role.TECHNICIAN))  # a read anyone in the organization may do
    assert len(rows) == 1 and "Customer #999999 (no longer here)" in rows[0].text
    assert b"Someone else" not in html


def test_real_attempts_from_the_simulator(qbo: Qbo, org: Organization, owner_client: Client,
                                          make_customer: Callable[..., Customer]) -> None:
    realm = qbo.company("Log Books")
    connect_org(qbo.control, org, realm)
    customer = make_customer(org, "Katherine Johnson")
    drain()
    [row], _ = _rows(owner_client, {"object_type": "customer"})
    assert f"Customer {customer.display_name}" in row.text and "Created" in row.text
    logged = SyncAttempt.objects.get()
    assert logged.intuit_tid and logged.intuit_tid in row.text and str(logged.http_status) in row.text
