"""Issue 16, US automated sales tax: QuickBooks computes its own tax; when it differs from ours the invoice
page says so, and before the invoice is sent a person can take QuickBooks' figure (page and API). The
invoice's totals follow, the update reaches QuickBooks (simulator over HTTP) and the note goes; after sending
the note stays with no button and says why; roles that may not change a finalized invoice are refused; an
edit of the lines afterwards drops the taken figure and says so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.connection.company import company_reread
from integrations.models import AuditEvent, ExternalRef, JobState, QuickBooksConnection, SyncAttempt, SyncJob
from invoicing import lifecycle
from invoicing.document import invoice_document
from invoicing.models import Invoice, TaxCode, TaxRate
from invoicing.services import LineInput, invoice_create
from tests.conftest import pdf_text
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain
from tests.invoice_edits import form_fields

pytestmark = pytest.mark.django_db
ISSUED = date(2026, 11, 2)
API = "/api/v1/invoices/{}/quickbooks-tax/"


def _ast_invoice(qbo: Qbo, org: Organization, customer: Customer) -> tuple[QuickBooksConnection, Invoice, Decimal]:
    """An invoice of 100.00 at our 8 % pushed to an AST company, whose engine taxes it otherwise."""
    code = TaxCode.objects.create(organization=org, name="Local 8")
    code.rates.add(TaxRate.objects.create(organization=org, name="Local", rate=Decimal(8)))
    realm = qbo.control.create_company("AST Books", kind="us_ast")
    conn = company_reread(connection=connect_org(qbo.control, org, realm))
    invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED,
                             lines=[LineInput(description="Tune-up", quantity=Decimal(1),
                                              unit_price=Decimal("100.00"), tax_code=code)])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    theirs = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk).qbo_total_tax
    assert theirs is not None and theirs != invoice.tax_amount == Decimal("8.00")
    return conn, invoice, theirs


def _in_qbo(qbo: Qbo, conn: QuickBooksConnection, invoice: Invoice) -> dict[str, Any]:
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    return qbo.control.object(conn.realm_id, "Invoice", ref.qbo_id)


def _page(client: Client, invoice: Invoice) -> str:
    return client.get(reverse("invoicing:invoice_detail", args=[invoice.pk])).content.decode()


def _take(client: Client, invoice: Invoice, expected: Decimal | str) -> Any:
    return client.post(reverse("integrations:push_invoice_take_tax", args=[invoice.pk]),
                       {"expected": str(expected)}, follow=True)


def test_owner_takes_quickbooks_tax_and_the_books_match(qbo: Qbo, org: Organization, owner_client: Client,
                                                        make_customer: Callable[..., Customer]) -> None:
    conn, invoice, theirs = _ast_invoice(qbo, org, make_customer(org))
    page = _page(owner_client, invoice)
    assert f"QuickBooks computed tax {theirs}, ours 8.00" in page
    assert f"Use QuickBooks' tax ({theirs})" in page

    answer = _take(owner_client, invoice, theirs)
    assert f"now uses QuickBooks' tax ({theirs})" in " ".join(str(m) for m in get_messages(answer.wsgi_request))
    invoice.refresh_from_db()
    assert invoice.tax_amount == theirs and invoice.tax_override == theirs
    assert invoice.total == invoice.balance == Decimal("100.00") + theirs
    assert invoice.tax_override_source == "QuickBooks automated sales tax"
    assert invoice.tax_override_by is not None and invoice.tax_override_by.username.startswith("owner")
    tax_lines = list(invoice.tax_lines.all())
    assert [(t.name, t.amount, t.taxable_amount) for t in tax_lines] == [("Sales tax", theirs, Decimal("100.00"))]
    # The customer's document (PDF, print view, email) shows it as any tax.
    document = invoice_document(invoice)
    assert document.total == invoice.total
    assert [(t.label, t.amount) for t in document.tax_lines] == [(f"Sales tax {theirs.normalize()}%", theirs)]
    pdf = pdf_text(owner_client.get(reverse("invoicing:invoice_pdf", args=[invoice.pk])).content)
    assert f"Sales tax {theirs.normalize()}%" in pdf and f"{invoice.total}" in pdf and "QuickBooks" not in pdf
    # Recorded, with both figures.
    event = AuditEvent.objects.get(organization=org, action="invoice_tax_taken")
    assert f"tax {theirs} taken from QuickBooks automated sales tax in place of ours (8.00)" in event.detail

    # The update goes to QuickBooks: AST recomputes the same tax, so QBO's totals are ours to the cent.
    job = SyncJob.objects.exclude(state=JobState.DONE).get(connection=conn, object_type="invoice",
                                                            local_id=invoice.pk)
    assert job.state == JobState.QUEUED
    drain()
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.last_error
    assert SyncAttempt.objects.filter(job=job, outcome="update").exists()
    sent = _in_qbo(qbo, conn, invoice)
    assert Decimal(str(sent["TxnTaxDetail"]["TotalTax"])) == theirs
    assert Decimal(str(sent["TotalAmt"])) == invoice.total and Decimal(str(sent["Balance"])) == invoice.balance
    assert ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk).qbo_total_tax == theirs
    page = _page(owner_client, invoice)
    assert "QuickBooks computed tax" not in page and "qbo-take-tax" not in page
    assert "taken from QuickBooks automated sales tax by owner" in page


def test_after_sending_the_note_stays_without_the_button(qbo: Qbo, org: Organization, owner_client: Client,
                                                        api_client_for: Callable[..., Any],
                                                        make_customer: Callable[..., Customer]) -> None:
    _, invoice, theirs = _ast_invoice(qbo, org, make_customer(org))
    lifecycle.invoice_send(invoice=invoice)
    drain()
    page = _page(owner_client, invoice)
    assert f"QuickBooks computed tax {theirs}, ours 8.00" in page  # both figures, still
    assert "qbo-take-tax" not in page
    assert "was already sent to the customer; the tax they were sent stays as it is" in page

    answer = _take(owner_client, invoice, theirs)
    assert "already sent" in " ".join(str(m) for m in get_messages(answer.wsgi_request))
    admin = api_client_for(org, Role.ADMIN)
    refused = admin.post(API.format(invoice.pk), {}, format="json")
    assert refused.status_code == 400 and "already sent" in refused.json()["detail"]
    shown = admin.get(API.format(invoice.pk)).json()
    assert (shown["qbo_total_tax"], shown["tax_amount"], shown["can_take"]) == (str(theirs), "8.00", False)
    assert "already sent" in shown["why_not"]
    invoice.refresh_from_db()
    assert invoice.tax_amount == Decimal("8.00") and invoice.tax_override is None
    assert not AuditEvent.objects.filter(action="invoice_tax_taken").exists()


def test_a_role_that_cannot_edit_finalized_invoices_is_refused(qbo: Qbo, org: Organization,
                                                               client_for: Callable[..., Client],
                                                               api_client_for: Callable[..., Any],
                                                               make_customer: Callable[..., Customer]) -> None:
    _, invoice, theirs = _ast_invoice(qbo, org, make_customer(org))
    technician = client_for(org, Role.TECHNICIAN)
    page = _page(technician, invoice)
    assert f"QuickBooks computed tax {theirs}" in page and "qbo-take-tax" not in page
    assert technician.post(reverse("integrations:push_invoice_take_tax", args=[invoice.pk]),
                           {"expected": str(theirs)}).status_code == 403
    api = api_client_for(org, Role.TECHNICIAN).post(API.format(invoice.pk), {}, format="json")
    assert api.status_code == 403 and "ask the office" in api.json()["detail"]
    invoice.refresh_from_db()
    assert invoice.tax_override is None and invoice.tax_amount == Decimal("8.00")


def test_api_takes_it_for_the_office_and_refuses_a_stale_figure(qbo: Qbo, org: Organization,
                                                               api_client_for: Callable[..., Any],
                                                               other_org: Organization,
                                                               make_customer: Callable[..., Customer]) -> None:
    conn, invoice, theirs = _ast_invoice(qbo, org, make_customer(org))
    dispatcher = api_client_for(org, Role.DISPATCHER)
    shown = dispatcher.get(API.format(invoice.pk)).json()
    assert shown == {"qbo_total_tax": str(theirs), "tax_amount": "8.00", "can_take": True, "why_not": ""}
    technician = api_client_for(org, Role.TECHNICIAN).get(API.format(invoice.pk)).json()
    assert technician["can_take"] is False and "ask the office" in technician["why_not"]
    stale = dispatcher.post(API.format(invoice.pk), {"expected": str(theirs + 1)}, format="json")
    assert stale.status_code == 400 and f"is now {theirs}" in stale.json()["detail"]
    assert api_client_for(other_org, Role.OWNER).post(API.format(invoice.pk), {}, format="json").status_code == 404
    answer = dispatcher.post(API.format(invoice.pk), {"expected": str(theirs)}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert Decimal(body["tax_amount"]) == theirs and Decimal(body["total"]) == Decimal("100.00") + theirs
    assert body["tax_override_source"] == "QuickBooks automated sales tax"
    assert body["job"]["state"] == "queued" and body["job"]["local_id"] == invoice.pk
    detail = dispatcher.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert Decimal(detail["tax_override"]) == theirs and detail["tax_override_by"].startswith("dispatcher")
    again = dispatcher.post(API.format(invoice.pk), {}, format="json")
    assert again.status_code == 400 and "already QuickBooks'" in again.json()["detail"]
    assert dispatcher.get(API.format(invoice.pk)).json()["can_take"] is False
    drain()
    assert Decimal(str(_in_qbo(qbo, conn, invoice)["TotalAmt"])) == Decimal("100.00") + theirs


def test_editing_the_lines_afterwards_drops_the_taken_tax_and_says_so(
        qbo: Qbo, org: Organization, owner_client: Client, api_client_for: Callable[..., Any],
        make_customer: Callable[..., Customer]) -> None:
    conn, invoice, theirs = _ast_invoice(qbo, org, make_customer(org))
    _take(owner_client, invoice, theirs)
    drain()

    # A change that is not the lines' (the message to the customer) keeps it.
    api = api_client_for(org, Role.OWNER)
    kept = api.patch(f"/api/v1/invoices/{invoice.pk}/", {"memo": "Thank you"}, format="json")
    assert kept.status_code == 200 and Decimal(kept.json()["tax_override"]) == theirs

    # The edit page warns, and a new quantity drops the figure: it was QuickBooks' tax for the old lines.
    url = reverse("invoicing:invoice_edit", args=[invoice.pk])
    form = owner_client.get(url).content.decode()
    assert "Changing its lines or discount drops that figure" in form
    data = form_fields(form)
    data["lines-0-quantity"] = "2"
    answer = owner_client.post(url, data, follow=True)
    said = " ".join(str(m) for m in get_messages(answer.wsgi_request))
    assert f"The tax taken from QuickBooks automated sales tax ({theirs}) was dropped because the lines changed" in said
    invoice.refresh_from_db()
    assert invoice.tax_override is None and invoice.tax_amount == Decimal("16.00")
    assert invoice.total == Decimal("216.00")
    assert [t.name for t in invoice.tax_lines.all()] == ["Local"]

    # Until the edit reaches QuickBooks, its figure is the old lines': not offered, refused if posted.
    page = _page(owner_client, invoice)
    assert "qbo-take-tax" not in page and "once the invoice&#x27;s latest changes reach QuickBooks" in page
    pending = api.post(API.format(invoice.pk), {"expected": str(theirs)}, format="json")
    assert pending.status_code == 400 and "latest changes reach QuickBooks" in pending.json()["detail"]
    # The edit goes to QuickBooks, whose engine taxes the new lines its own way: the choice is offered again.
    drain()
    new_theirs = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk).qbo_total_tax
    assert new_theirs is not None and new_theirs != Decimal("16.00")
    assert f"Use QuickBooks' tax ({new_theirs})" in _page(owner_client, invoice)


def test_taken_tax_can_be_given_back_while_unsent(qbo: Qbo, org: Organization, owner_client: Client,
                                                  make_customer: Callable[..., Customer]) -> None:
    _, invoice, theirs = _ast_invoice(qbo, org, make_customer(org))
    _take(owner_client, invoice, theirs)
    assert "Compute tax from the lines again" in _page(owner_client, invoice)
    owner_client.post(reverse("invoicing:invoice_tax_override_clear", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.tax_override is None and invoice.tax_amount == Decimal("8.00")
    drain()  # the change reaches QuickBooks; its figure is offered again
    assert f"Use QuickBooks' tax ({theirs})" in _page(owner_client, invoice)
