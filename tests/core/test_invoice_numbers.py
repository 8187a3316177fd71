"""Invoice numbers: per organization, sequential, short enough for QuickBooks, unique under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection, connections

from accounts.models import Organization, OrgSequence
from customers.models import Customer
from invoicing.models import Invoice
from invoicing.services import invoice_number_next
from tests.core.conftest import create_invoice

QBO_DOC_NUMBER_MAX = 21


def test_numbers_are_sequential_per_organization(
    org: Organization, other_org: Organization, make_customer: Callable[..., Customer]
) -> None:
    ours, theirs = make_customer(org), make_customer(other_org)
    made = [create_invoice(org, ours, due=date.today()) for _ in range(3)]
    made.append(create_invoice(other_org, theirs, due=date.today()))
    made.append(create_invoice(org, ours, due=date.today()))
    assert [invoice.number for invoice in made] == [
        "INV-000001", "INV-000002", "INV-000003", "INV-000001", "INV-000004",
    ]


def test_a_deleted_number_is_not_handed_out_again(org: Organization, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    create_invoice(org, customer, due=date.today()).delete()
    assert create_invoice(org, customer, due=date.today()).number == "INV-000002"


@pytest.mark.parametrize("next_value", [1, 999_999, 1_000_000, 10**17 - 1])
def test_numbers_fit_quickbooks_doc_number(org: Organization, next_value: int) -> None:
    OrgSequence.objects.create(organization=org, name="invoice", next_value=next_value)
    number = invoice_number_next(organization=org)
    assert number == f"INV-{next_value:06d}"
    assert len(number) <= QBO_DOC_NUMBER_MAX
    assert Invoice._meta.get_field("number").max_length == QBO_DOC_NUMBER_MAX


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serializes every writer on one file lock, so it cannot show a race")
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_hands_out_no_duplicate(org: Organization, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    threads_n, per_thread = 6, 5
    start = threading.Barrier(threads_n)
    errors: list[Exception] = []

    def create_some() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(per_thread):
                create_invoice(org, customer, due=date.today())
        except Exception as exc:  # noqa: BLE001 -- a thread cannot raise into the test; reported below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread has its own connection; the test database must drop

    workers = [threading.Thread(target=create_some) for _ in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    numbers = list(Invoice.objects.for_org(org).values_list("number", flat=True))
    assert sorted(numbers) == [f"INV-{n:06d}" for n in range(1, threads_n * per_thread + 1)]
