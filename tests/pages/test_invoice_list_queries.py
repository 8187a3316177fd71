"""The invoice list costs the same number of queries however many rows it shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organization, Role
from customers.models import Customer
from invoicing.models import Invoice, InvoiceStatus

pytestmark = pytest.mark.django_db

# The list's own queries: the count for the paginator, one page of invoices with the customer joined,
# and the customers for the filter. The layout adds a fixed few more (session, user, membership, and
# whatever the nav shows), which the test only requires not to grow with the rows.
EXPECTED_LIST_QUERIES = 3
LIST_TABLES = ('"invoicing_', '"customers_')


def _bulk_invoices(org: Organization, count: int) -> None:
    customers = Customer.objects.bulk_create(
        Customer(organization=org, display_name=f"Customer {n}") for n in range(max(1, count // 3))
    )
    statuses = InvoiceStatus.values
    today = date.today()
    Invoice.objects.bulk_create(
        Invoice(organization=org, number=f"INV-{n:06d}", customer=customers[n % len(customers)],
                status=statuses[n % len(statuses)], issue_date=today - timedelta(days=n),
                due_date=today + timedelta(days=30 - n))
        for n in range(1, count + 1)
    )


def _queries_for_list(client: Client) -> tuple[int, int, int]:
    """(all statements, the list's own queries, rows shown) for one request of the invoice list."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("invoicing:invoice_list"))
    assert response.status_code == 200
    own = [q for q in ctx.captured_queries if q["sql"].split(" FROM ", 1)[-1].startswith(LIST_TABLES)]
    return len(ctx.captured_queries), len(own), len(response.context["rows"])


@pytest.mark.parametrize("role", [Role.OWNER, Role.TECHNICIAN])
def test_query_count_does_not_grow_with_rows(make_org: Callable[..., Organization],
                                             client_for: Callable[[Organization, str], Client], role: str) -> None:
    small_org, big_org = make_org("Small"), make_org("Big")
    _bulk_invoices(small_org, 5)
    _bulk_invoices(big_org, 60)

    small_all, small_own, small_rows = _queries_for_list(client_for(small_org, role))
    big_all, big_own, big_rows = _queries_for_list(client_for(big_org, role))

    print(f"\ninvoice list ({role}): 5 invoices -> {small_all} statements ({small_own} of the list itself), "
          f"60 invoices -> {big_all} statements ({big_own} of the list itself)")
    assert (small_rows, big_rows) == (5, 50)
    assert small_all == big_all
    assert small_own == big_own == EXPECTED_LIST_QUERIES
