"""Invoice numbers QuickBooks already holds (issue 16, point 4), against the simulator over HTTP: the check
before the first invoice push, the invoice that waits instead of meeting 6140, Link for a provably same
invoice, a prefix for our numbers (renumbering only what the customer has not seen), a company that numbers
invoices itself, and who may do what on the page and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.connection.company import company_reread
from integrations.models import DocNumberClash, ExternalRef, JobState, ObjectType, QuickBooksConnection, SyncJob
from integrations.push.numbering import DOC_NUMBER_CLASH, doc_numbers_check
from integrations.qbo.tokens import client_for
from invoicing import lifecycle
from invoicing.models import Invoice
from tests.integrations.conftest import Qbo, flashes
from tests.integrations.push_helpers import connect_org, drain
from tests.integrations.push_ui_helpers import open_job

pytestmark = pytest.mark.django_db

PAGE = "/settings/integrations/quickbooks/"
API = "/api/v1/integrations/quickbooks/invoice-numbers/"


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Numbered Books")


def _connected(qbo: Qbo, realm: str, org: Organization, *, custom_numbers: bool) -> QuickBooksConnection:
    """The organization connected to a company whose bookkeeper chose custom transaction numbers (or not),
    its settings read as on connect."""
    qbo.control.preferences(realm, CustomTxnNumbers=custom_numbers)
    return company_reread(connection=connect_org(qbo.control, org, realm))


def _qbo_customer(qbo: Qbo, realm: str, name: str) -> str:
    return str(qbo.control.entities(realm, "Customer", {"DisplayName": name})["Id"])


def _their_invoice(qbo: Qbo, realm: str, number: str, *, customer_id: str, txn_date: str,
                   amount: float) -> dict[str, Any]:
    """An invoice a bookkeeper entered in QuickBooks with one of our numbers."""
    item = qbo.control.entities(realm, "Item", {"Name": f"Entered by hand {number}", "Type": "Service",
                                               "UnitPrice": amount, "IncomeAccountRef": {"value": "1"}})
    return qbo.control.entities(realm, "Invoice", {
        "DocNumber": number, "CustomerRef": {"value": customer_id}, "TxnDate": txn_date,
        "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail",
                  "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": amount,
                                          "TaxCodeRef": {"value": "NON"}}}]})


def _refusals(qbo: Qbo, realm: str) -> int:
    return int(qbo.control.stats(realm)["requests"]["by_status"].get("400", 0))


def _job(invoice: Invoice) -> SyncJob:
    return SyncJob.objects.get(object_type=ObjectType.INVOICE, local_id=invoice.pk)


def _queries(qbo: Qbo, realm: str) -> int:
    return sum(sum(v.values()) for k, v in qbo.control.stats(realm)["requests"]["by_endpoint"].items()
               if k.endswith(" query"))


def _ours(qbo: Qbo, realm: str, number: str) -> list[dict[str, Any]]:
    return [i for i in qbo.control.objects(realm, "Invoice")
            if i.get("DocNumber") == number and not i["_sim"]["deleted"]]


@pytest.fixture
def clash(qbo: Qbo, realm: str, org: Organization, make_customer: Callable[..., Customer],
          make_invoice: Callable[..., Invoice]) -> tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]]:
    """Two of our invoices finalized after connecting; QuickBooks already holds the first one's number on an
    invoice of another customer, entered by hand. The first push of the connection runs."""
    conn = _connected(qbo, realm, org, custom_numbers=True)
    taken = make_invoice(org, customer=make_customer(org, "Ada Lovelace"))
    free = make_invoice(org, customer=make_customer(org, "Grace Hopper"))
    theirs = _their_invoice(qbo, realm, taken.number, customer_id=_qbo_customer(qbo, realm, "Walk-in"),
                            txn_date="2026-01-15", amount=10)
    for invoice in (taken, free):
        lifecycle.invoice_finalize(invoice=invoice)
    drain()
    return conn, taken, free, theirs


def test_a_used_number_is_found_before_the_first_push_and_that_invoice_waits(
        qbo: Qbo, realm: str, owner_client: Client,
        clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]]) -> None:
    conn, taken, free, theirs = clash
    job = open_job(taken, ObjectType.INVOICE)
    assert (job.state, job.last_fault_code) == (JobState.ERROR, DOC_NUMBER_CLASH)
    assert job.last_error == (f"QuickBooks already has an invoice numbered {taken.number} (Id {theirs['Id']} for "
                              "Walk-in, dated 2026-01-15); this invoice waits, and nothing was created in QuickBooks.")
    assert "Invoice numbers" in job.last_error_hint
    assert _refusals(qbo, realm) == 0  # never sent, so never refused with 6140
    assert len(_ours(qbo, realm, free.number)) == 1  # the other one went
    assert [i["Id"] for i in _ours(qbo, realm, taken.number)] == [theirs["Id"]]
    conn.refresh_from_db()
    assert conn.doc_numbers_checked_at is not None
    page = owner_client.get(PAGE).content.decode()
    assert 'data-testid="qbo-invoice-numbers"' in page and f'data-number="{taken.number}"' in page
    assert "QuickBooks&#x27; invoice is for Walk-in, not Ada Lovelace." in page  # no Link offered
    assert 'data-testid="qbo-clash-link"' not in page and 'data-testid="qbo-prefix-form"' in page


def test_the_check_asks_quickbooks_once_for_all_numbers(qbo: Qbo, realm: str, org: Organization,
                                                        make_customer: Callable[..., Customer],
                                                        make_invoice: Callable[..., Invoice]) -> None:
    conn = _connected(qbo, realm, org, custom_numbers=True)
    invoices = [make_invoice(org, customer=make_customer(org, f"Customer {n}")) for n in range(4)]
    for invoice in invoices:
        lifecycle.invoice_finalize(invoice=invoice)
    queries_before = _queries(qbo, realm)
    assert doc_numbers_check(connection=conn, client=client_for(conn)) == []
    assert _queries(qbo, realm) - queries_before == 1  # one DocNumber IN (...) page for all four
    drain()
    assert all(len(_ours(qbo, realm, invoice.number)) == 1 for invoice in invoices)


def test_link_a_provably_same_invoice_updates_it_instead_of_creating_one(
        qbo: Qbo, realm: str, org: Organization, owner_client: Client, make_customer: Callable[..., Customer],
        make_invoice: Callable[..., Invoice],
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    customer = make_customer(org, "Katherine Johnson")  # a customer of before the connection
    conn = _connected(qbo, realm, org, custom_numbers=True)
    qbo_customer = _qbo_customer(qbo, realm, "Katherine Johnson")
    # The customer is matched to QuickBooks' (as the initial import's match leaves it).
    ExternalRef.objects.create(connection=conn, object_type=ObjectType.CUSTOMER, local_id=customer.pk,
                               qbo_id=qbo_customer, sync_token="0")
    invoice = make_invoice(org, customer=customer)
    theirs = _their_invoice(qbo, realm, invoice.number, customer_id=qbo_customer,
                            txn_date=invoice.issue_date.isoformat(), amount=float(invoice.total))
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    job = open_job(invoice, ObjectType.INVOICE)
    assert job.last_fault_code == DOC_NUMBER_CLASH
    page = owner_client.get(PAGE).content.decode()
    assert 'data-testid="qbo-clash-link"' in page

    clash = DocNumberClash.objects.get(connection=conn, invoice=invoice)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"{PAGE}invoice-numbers/{clash.pk}/link/")
    assert response.status_code == 302 and response["Location"].endswith("#qbo-invoice-numbers")
    assert flashes(owner_client) == [(f"Linked to QuickBooks invoice {theirs['Id']}: it is updated there, not "
                                     "created again.")]
    ref = ExternalRef.objects.get(connection=conn, object_type=ObjectType.INVOICE, local_id=invoice.pk)
    assert ref.qbo_id == str(theirs["Id"])
    job.refresh_from_db()
    assert job.state == JobState.QUEUED  # sent again by the choice
    drain()
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.last_error
    assert [i["Id"] for i in _ours(qbo, realm, invoice.number)] == [theirs["Id"]]  # updated, not a second one
    assert _refusals(qbo, realm) == 0


def test_link_is_refused_when_it_is_not_provably_the_same(
        owner_client: Client, clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]]) -> None:
    conn, taken, _, _ = clash
    record = DocNumberClash.objects.get(connection=conn, invoice=taken)
    response = owner_client.post(f"{PAGE}invoice-numbers/{record.pk}/link/")
    assert response.status_code == 302
    assert flashes(owner_client) == [(f"{taken.number} cannot be linked: QuickBooks' invoice is for Walk-in, not "
                                     "Ada Lovelace.")]
    assert not ExternalRef.objects.filter(connection=conn, object_type=ObjectType.INVOICE, local_id=taken.pk).exists()


def test_a_prefix_renumbers_the_unsent_clash_and_it_goes_while_a_sent_one_keeps_its_number(
        qbo: Qbo, realm: str, org: Organization, owner_client: Client, make_customer: Callable[..., Customer],
        make_invoice: Callable[..., Invoice],
        clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]],
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    conn, taken, _, _ = clash
    # A second clash, on an invoice already emailed to its customer: its number must not change.
    sent = make_invoice(org, customer=make_customer(org, "Alan Turing"))
    lifecycle.invoice_finalize(invoice=sent)
    lifecycle.invoice_send(invoice=sent)
    _their_invoice(qbo, realm, sent.number, customer_id=_qbo_customer(qbo, realm, "Counter"),
                   txn_date="2026-02-01", amount=20)
    drain()
    sent_job = open_job(sent, ObjectType.INVOICE)
    assert sent_job.last_fault_code == DOC_NUMBER_CLASH  # met as 6140 after the check, kept as a clash
    page = owner_client.get(PAGE).content.decode()
    assert f"{sent.number} was sent to the customer; its number stays." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"{PAGE}invoice-numbers/prefix/", {"prefix": "FSM-", "renumber": "1"})
    assert response.status_code == 302
    taken_before = taken.number
    taken.refresh_from_db()
    sent.refresh_from_db()
    org.refresh_from_db()
    assert org.invoice_number_prefix == "FSM-"
    assert taken.number.startswith("FSM-") and sent.number != taken_before and sent.number.startswith("INV-")
    [message] = flashes(owner_client)
    assert f"Renumbered: {taken_before} → {taken.number}" in message
    assert f"Kept: {sent.number} was sent to the customer; its number stays." in message

    drain()
    assert _job(taken).state == JobState.DONE
    assert len(_ours(qbo, realm, taken.number)) == 1
    assert open_job(sent, ObjectType.INVOICE).state == JobState.ERROR  # still waits for a person
    assert list(DocNumberClash.objects.filter(connection=conn).values_list("number", flat=True)) == [sent.number]
    newer = make_invoice(org)
    assert newer.number.startswith("FSM-")


def test_a_company_that_numbers_invoices_itself_gets_no_doc_number_and_shows_its_own(
        qbo: Qbo, realm: str, org: Organization, owner_client: Client, make_invoice: Callable[..., Invoice]) -> None:
    conn = _connected(qbo, realm, org, custom_numbers=False)
    assert conn.custom_txn_numbers is False
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    job = _job(invoice)
    assert job.state == JobState.DONE, job.last_error
    ref = ExternalRef.objects.get(connection=conn, object_type=ObjectType.INVOICE, local_id=invoice.pk)
    theirs = qbo.control.object(realm, "Invoice", ref.qbo_id)
    assert theirs["DocNumber"] != invoice.number and theirs["DocNumber"].isdigit()  # QBO's own sequence
    assert ref.qbo_doc_number == theirs["DocNumber"]
    conn.refresh_from_db()
    assert conn.doc_numbers_checked_at is None  # nothing of ours is sent, so nothing to check
    detail = owner_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'Number in QuickBooks: <span class="mono">{theirs["DocNumber"]}</span>' in detail
    page = owner_client.get(PAGE).content.decode()
    assert "QuickBooks numbers invoices itself in this company" in page


def test_a_bad_prefix_gets_a_clear_error_on_the_settings_page_the_api_and_the_quickbooks_page(
        qbo: Qbo, org: Organization, owner_client: Client, api_client_for: Callable[..., APIClient],
        clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]]) -> None:
    response = owner_client.post("/settings/invoicing/", {
        "prices_include_tax": "", "tax_after_discount": "on", "tax_rounding": "invoice", "payment_terms_days": "30",
        "invoice_number_prefix": "INV 2026!"})
    assert response.status_code == 400
    assert "The invoice number prefix may hold letters, digits and - _ / . only, not space &#x27;!&#x27;." \
        in response.content.decode()
    api = api_client_for(org, Role.OWNER)
    too_long = api.patch("/api/v1/invoice-settings/", {"invoice_number_prefix": "ACME-HEATING-"}, format="json")
    assert too_long.status_code == 400 and "invoice_number_prefix" in too_long.json()
    bad = api.post(API + "prefix/", {"prefix": "A#B", "renumber": True}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"prefix": ["The invoice number prefix may hold letters, digits and - _ / . only, not '#'."]}
    owner_client.post(f"{PAGE}invoice-numbers/prefix/", {"prefix": "TOO-LONG-PREFIX"})
    assert flashes(owner_client) == [("The invoice number prefix is 15 characters; at most 10, so that the prefix "
                                     "and the number stay within 21 characters.")]
    org.refresh_from_db()
    assert org.invoice_number_prefix == "INV-"
    ok = api.patch("/api/v1/invoice-settings/", {"invoice_number_prefix": "W/"}, format="json")
    assert ok.status_code == 200 and ok.json()["invoice_number_prefix"] == "W/"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DISPATCHER])
def test_only_the_owner_acts_on_invoice_numbers(
        role: str, org: Organization, client_for: Callable[..., Client], api_client_for: Callable[..., APIClient],
        clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]]) -> None:
    conn, taken, _, _ = clash
    record = DocNumberClash.objects.get(connection=conn, invoice=taken)
    page_client = client_for(org, role)
    for url, data in ((f"{PAGE}invoice-numbers/check/", {}), (f"{PAGE}invoice-numbers/{record.pk}/link/", {}),
                      (f"{PAGE}invoice-numbers/prefix/", {"prefix": "X-", "renumber": "1"})):
        assert page_client.post(url, data).status_code == 403
    page = page_client.get(PAGE).content.decode()
    assert f'data-number="{taken.number}"' in page and 'data-testid="qbo-prefix-form"' not in page
    api = api_client_for(org, role)
    assert api.get(API).status_code == 200
    assert api.post(API).status_code == 403
    assert api.post(f"{API}{record.pk}/link/").status_code == 403
    assert api.post(API + "prefix/", {"prefix": "X-"}, format="json").status_code == 403
    taken.refresh_from_db()
    org.refresh_from_db()
    assert org.invoice_number_prefix == "INV-" and DocNumberClash.objects.filter(pk=record.pk).exists()


def test_the_api_lists_checks_and_renumbers(
        qbo: Qbo, realm: str, org: Organization, api_client_for: Callable[..., APIClient],
        clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]],
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    _conn, taken, _, theirs = clash
    api = api_client_for(org, Role.OWNER)
    body = api.get(API).json()
    assert body["custom_txn_numbers"] is True and body["prefix"] == "INV-"
    [row] = body["clashes"]
    assert (row["number"], row["qbo_invoice"], row["qbo_customer_name"], row["same_invoice"]) == (
        taken.number, str(theirs["Id"]), "Walk-in", False)
    assert api.post(API).json()["clashes"][0]["number"] == taken.number  # checked again: still there
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(API + "prefix/", {"prefix": "Q-", "renumber": True}, format="json")
    assert done.status_code == 200
    taken.refresh_from_db()
    assert done.json()["clashes"] == [] and done.json()["prefix"] == "Q-" and taken.number.startswith("Q-")
    drain()
    assert _job(taken).state == JobState.DONE
    assert len(_ours(qbo, realm, taken.number)) == 1


def test_fixed_in_quickbooks_then_checked_again_the_invoice_goes(
        qbo: Qbo, realm: str, owner_client: Client,
        clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]],
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    _conn, taken, _, theirs = clash
    current = qbo.control.object(realm, "Invoice", theirs["Id"])
    qbo.control.entities(realm, "Invoice", {"Id": theirs["Id"], "SyncToken": current["SyncToken"], "sparse": True,
                                            "DocNumber": "QB-1"})  # the bookkeeper renumbers theirs
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{PAGE}invoice-numbers/check/")
    assert flashes(owner_client) == ["None of our invoice numbers waiting to be sent is used in QuickBooks."]
    drain()
    assert _job(taken).state == JobState.DONE
    assert len(_ours(qbo, realm, taken.number)) == 1


def test_without_a_connection_the_api_says_409(org: Organization, api_client_for: Callable[..., APIClient]) -> None:
    api = api_client_for(org, Role.OWNER)
    assert api.get(API).status_code == 409
    assert api.post(API + "prefix/", {"prefix": "X-"}, format="json").status_code == 409
    assert api.post(API).status_code == 409


def test_custom_numbers_turned_off_in_quickbooks_then_checked_the_invoice_goes_with_its_number(
        qbo: Qbo, realm: str, owner_client: Client,
        clash: tuple[QuickBooksConnection, Invoice, Invoice, dict[str, Any]],
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    conn, taken, _, _ = clash
    qbo.control.preferences(realm, CustomTxnNumbers=False)  # the bookkeeper lets QuickBooks number them
    company_reread(connection=conn)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{PAGE}invoice-numbers/check/")
    assert flashes(owner_client) == [("QuickBooks numbers invoices itself in this company (custom transaction numbers "
                                     "are off), so our numbers are not sent and cannot clash.")]
    assert not DocNumberClash.objects.filter(connection=conn).exists()
    drain()
    assert _job(taken).state == JobState.DONE
    ref = ExternalRef.objects.get(connection=conn, object_type=ObjectType.INVOICE, local_id=taken.pk)
    assert ref.qbo_doc_number == qbo.control.object(realm, "Invoice", ref.qbo_id)["DocNumber"] != taken.number
