"""Send by email, the email log and the PDF through the API: the same rules as the invoice page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer
from invoicing import lifecycle
from invoicing.email_delivery import invoice_email_deliver
from invoicing.models import EmailStatus, Invoice, InvoiceEmail, InvoiceStatus
from tests.api.conftest import API
from tests.conftest import REFUSED_ADDRESS, DevMail, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(org: Organization, make_customer: Callable[..., Customer],
              make_invoice: Callable[..., Invoice]) -> Invoice:
    customer = make_customer(org, "Jane Smith", email="jane@smith.example")
    return lifecycle.invoice_finalize(invoice=make_invoice(org, customer=customer, lines=[("3", "40.00")]))


def test_send_answers_202_and_the_invoice_is_sent_on_delivery(owner_api: APIClient, generated: Invoice,
                                                              dev_mail: DevMail) -> None:
    url = f"{API}/invoices/{generated.pk}"
    response = owner_api.post(f"{url}/send/", {"cc": ["boss@smith.example"]}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["to"], body["cc"], body["bcc"], body["status"]) == ("jane@smith.example", ["boss@smith.example"],
                                                                   [], "queued")
    assert owner_api.get(f"{url}/").json()["status"] == InvoiceStatus.GENERATED

    invoice_email_deliver(email_id=body["id"])  # the worker's part

    assert owner_api.get(f"{url}/").json()["status"] == InvoiceStatus.SENT
    [logged] = owner_api.get(f"{url}/emails/").json()
    assert (logged["status"], logged["attempts"], logged["actor"]) == ("sent", 1, f"owner-{generated.organization.slug}")
    assert logged["message_id"] == dev_mail.messages()[0].message_id


def test_resend_and_refusal_are_logged(owner_api: APIClient, generated: Invoice, dev_mail: DevMail) -> None:
    url = f"{API}/invoices/{generated.pk}"
    first = owner_api.post(f"{url}/send/", {"to": REFUSED_ADDRESS}, format="json").json()
    invoice_email_deliver(email_id=first["id"])
    assert owner_api.get(f"{url}/").json()["status"] == InvoiceStatus.GENERATED

    second = owner_api.post(f"{url}/send/", {}, format="json").json()
    invoice_email_deliver(email_id=second["id"])

    log = owner_api.get(f"{url}/emails/").json()
    assert [(e["to"], e["status"]) for e in log] == [("jane@smith.example", "sent"), (REFUSED_ADDRESS, "failed")]
    assert "550 5.1.1" in log[1]["error"]
    assert owner_api.get(f"{url}/").json()["status"] == InvoiceStatus.SENT


@pytest.mark.parametrize(("body", "errors"), [
    ({"cc": ["boss@smith"]}, {"cc": ["'boss@smith' is not an email address."]}),
    ({"to": "nope"}, {"to": ["'nope' is not an email address."]}),
    ({"cc": "boss@smith.example"}, {"cc": ['Expected a list of items but got type "str".']}),
])
def test_send_with_bad_addresses_is_400_and_logs_nothing(owner_api: APIClient, generated: Invoice, body: dict,
                                                         errors: dict) -> None:
    response = owner_api.post(f"{API}/invoices/{generated.pk}/send/", body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not InvoiceEmail.objects.exists()


def test_sending_a_draft_is_400(owner_api: APIClient, org: Organization, generated: Invoice,
                                make_invoice: Callable[..., Invoice]) -> None:
    draft = make_invoice(org, customer=generated.customer)
    response = owner_api.post(f"{API}/invoices/{draft.pk}/send/", {}, format="json")
    assert response.status_code == 400
    assert f"Invoice {draft.number} is draft and cannot be sent." in str(response.json())


def test_technician_may_read_the_log_and_pdf_but_not_send(api: Callable[[str], APIClient], generated: Invoice) -> None:
    technician = api(Role.TECHNICIAN)
    url = f"{API}/invoices/{generated.pk}"
    assert technician.post(f"{url}/send/", {}, format="json").status_code == 403
    assert technician.get(f"{url}/emails/").json() == []
    pdf = technician.get(f"{url}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "$120.00" in pdf_text(pdf.content) and generated.number in pdf_text(pdf.content)
    assert EmailStatus.QUEUED not in InvoiceEmail.objects.values_list("status", flat=True)


def test_other_orgs_invoice_pdf_and_emails_are_404(api_client_for: Callable[[Organization, str], APIClient],
                                                   other_org: Organization, generated: Invoice) -> None:
    stranger = api_client_for(other_org, Role.OWNER)
    assert stranger.get(f"{API}/invoices/{generated.pk}/pdf/").status_code == 404
    assert stranger.get(f"{API}/invoices/{generated.pk}/emails/").status_code == 404
