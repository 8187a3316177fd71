"""Invoice numbers: per organization, sequential, short enough for QuickBooks, unique under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts.models import Organization, OrgSequence
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Invoice
from invoicing.services import invoice_number_next, invoice_number_prefix_set, invoice_renumber
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


def test_new_numbers_take_the_organization_prefix_and_issued_ones_keep_theirs(
        org: Organization, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    first = create_invoice(org, customer, due=date.today())
    invoice_number_prefix_set(organization=org, prefix="HVAC/")
    second = create_invoice(org, customer, due=date.today())
    first.refresh_from_db()
    assert (first.number, second.number) == ("INV-000001", "HVAC/000002")
    invoice_number_prefix_set(organization=org, prefix="")
    assert create_invoice(org, customer, due=date.today()).number == "000003"


@pytest.mark.parametrize(("prefix", "error"), [
    ("ACME-HEATING", "The invoice number prefix is 12 characters; at most 10"),
    ("IN V", "may hold letters, digits and - _ / . only, not space."),
    ("INV#", "only, not '#'."),
    ("FACTURÉ-", "only, not 'É'."),
])
def test_a_bad_prefix_is_refused_and_says_why(org: Organization, prefix: str, error: str) -> None:
    with pytest.raises(ValidationError) as refused:
        invoice_number_prefix_set(organization=org, prefix=prefix)
    assert error in refused.value.messages[0]
    org.refresh_from_db()
    assert org.invoice_number_prefix == "INV-"


def test_the_longest_prefix_with_a_counter_past_eleven_digits_is_refused_not_truncated(org: Organization) -> None:
    invoice_number_prefix_set(organization=org, prefix="ABCDEFGHIJ")
    OrgSequence.objects.create(organization=org, name="invoice", next_value=10**11 - 1)
    assert invoice_number_next(organization=org) == "ABCDEFGHIJ99999999999"  # 21 characters
    with pytest.raises(ValidationError, match="longer than 21 characters; choose a shorter invoice number prefix"):
        invoice_number_next(organization=org)


def test_only_an_invoice_the_customer_has_not_seen_is_renumbered(
        org: Organization, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    unsent, sent = (create_invoice(org, customer, due=date.today()) for _ in range(2))
    for invoice in (unsent, sent):
        lifecycle.invoice_finalize(invoice=invoice)
    lifecycle.invoice_send(invoice=sent)
    invoice_number_prefix_set(organization=org, prefix="N-")
    assert invoice_renumber(invoice=unsent).number == "N-000003"
    with pytest.raises(ValidationError, match="INV-000002 was sent to the customer; its number stays."):
        invoice_renumber(invoice=sent)
    sent.refresh_from_db()
    assert sent.number == "INV-000002"
