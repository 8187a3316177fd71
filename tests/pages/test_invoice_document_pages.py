"""The invoice's print view and PDF, the Send-by-email panel, and the staff-only dev inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import Membership, Organization, Role
from customers.models import Customer
from invoicing import lifecycle
from invoicing.email_delivery import invoice_email_deliver
from invoicing.models import EmailStatus, Invoice, InvoiceEmail, InvoiceStatus
from tests.conftest import REFUSED_ADDRESS, DevMail, pdf_text

if TYPE_CHECKING:  # django-stubs name the test client's response (with .context and .json()) only privately
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(org: Organization, make_customer: Callable[..., Customer],
              make_invoice: Callable[..., Invoice]) -> Invoice:
    Organization.objects.filter(pk=org.pk).update(address_line1="400 Commerce Dr", payment_instructions="Pay by check.")
    customer = make_customer(org, "Jane Smith", email="jane@smith.example", billing_line1="12 Elm St")
    return lifecycle.invoice_finalize(invoice=make_invoice(org, customer=customer, tax_percent="5",
                                                           lines=[("2", "95.00"), ("1", "10.00")]))


def test_print_view_and_pdf_show_the_same_invoice(generated: Invoice, owner_client: Client) -> None:
    html = owner_client.get(reverse("invoicing:invoice_print", args=[generated.pk])).content.decode()
    response = owner_client.get(reverse("invoicing:invoice_pdf", args=[generated.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="invoice-{generated.number}.pdf"'
    text = pdf_text(response.content)
    # 200.00 + 5 % tax = 210.00
    for expected in ("Acme Heating", "400 Commerce Dr", "Jane Smith", "12 Elm St", generated.number, "Tax 5 5%",
                     "$10.00", "$200.00", "$210.00", "Pay by check."):
        assert expected in html and expected in text, expected
    assert 'data-testid="doc-total">$210.00<' in html
    assert "data-print" in html and "js/print.js" in html and reverse("invoicing:invoice_pdf", args=[generated.pk]) in html


def test_print_view_and_pdf_of_another_orgs_invoice_are_404(generated: Invoice, other_org: Organization,
                                                            client_for: Callable[[Organization, str], Client]) -> None:
    stranger = client_for(other_org, Role.OWNER)
    assert stranger.get(reverse("invoicing:invoice_print", args=[generated.pk])).status_code == 404
    assert stranger.get(reverse("invoicing:invoice_pdf", args=[generated.pk])).status_code == 404


def _send(client: Client, invoice: Invoice, **data: str) -> _MonkeyPatchedWSGIResponse:
    return client.post(reverse("invoicing:invoice_send", args=[invoice.pk]), data)


def test_send_panel_queues_the_email_and_the_page_says_so(
        generated: Invoice, owner_client: Client,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    page = owner_client.get(reverse("invoicing:invoice_detail", args=[generated.pk])).content.decode()
    assert 'id="send"' in page and 'value="jane@smith.example"' in page  # To: offers the billing email

    with django_capture_on_commit_callbacks() as queued:
        response = _send(owner_client, generated, to="", cc="boss@smith.example; ap@smith.example", bcc="")

    assert response.status_code == 302 and len(queued) == 1
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        (f"Invoice {generated.number} is being emailed to jane@smith.example; it is marked sent once the mail "
         "server accepts it.")]
    email = InvoiceEmail.objects.get()
    assert (email.to, email.cc, email.status) == ("jane@smith.example", ["boss@smith.example", "ap@smith.example"],
                                                  EmailStatus.QUEUED)
    generated.refresh_from_db()
    assert generated.status == InvoiceStatus.GENERATED
    page = owner_client.get(reverse("invoicing:invoice_detail", args=[generated.pk])).content.decode()
    assert "Emailing to jane@smith.example…" in page


def test_send_with_a_bad_address_shows_the_form_again(generated: Invoice, owner_client: Client) -> None:
    response = _send(owner_client, generated, to="jane@smith.example", cc="boss@smith, ok@x.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "&#x27;boss@smith&#x27; is not an email address." in html
    assert 'value="boss@smith, ok@x.example"' in html  # what was typed is kept
    assert not InvoiceEmail.objects.exists()


def test_refused_address_is_shown_on_the_invoice(generated: Invoice, owner_client: Client, dev_mail: DevMail) -> None:
    _send(owner_client, generated, to=REFUSED_ADDRESS)
    invoice_email_deliver(email_id=InvoiceEmail.objects.get().pk)

    page = owner_client.get(reverse("invoicing:invoice_detail", args=[generated.pk])).content.decode()
    assert f"Emailing to {REFUSED_ADDRESS} failed: The mail server refused the address ({REFUSED_ADDRESS}: 550" in page
    assert "The invoice was not marked sent." in page
    assert 'data-email-status="failed"' in page


def test_technician_cannot_send(generated: Invoice, client_for: Callable[[Organization, str], Client],
                                org: Organization) -> None:
    assert _send(client_for(org, Role.TECHNICIAN), generated, to="jane@smith.example").status_code == 403
    assert not InvoiceEmail.objects.exists()


def test_dev_inbox_is_off_unless_enabled_and_staff_only(generated: Invoice, owner_client: Client, dev_mail: DevMail,
                                                        settings: Settings,
                                                        member: Callable[[Organization, str], Membership]) -> None:
    _send(owner_client, generated, to="jane@smith.example", bcc="books@acme.example")
    invoice_email_deliver(email_id=InvoiceEmail.objects.get().pk)
    [caught] = dev_mail.messages()
    inbox = reverse("devinbox:inbox")

    settings.FSM_DEV_INBOX = False
    assert owner_client.get(inbox).status_code == 404
    settings.FSM_DEV_INBOX = True
    assert owner_client.get(inbox).status_code == 403  # an Owner is not staff: the inbox holds every org's mail

    staff = member(generated.organization, Role.ADMIN).user
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff)
    listing = client.get(inbox).content.decode()
    assert f"Invoice {generated.number} from Acme Heating" in listing and "books@acme.example" in listing
    page = client.get(reverse("devinbox:message", args=[caught.name])).content.decode()
    assert "Balance due:    $210.00" in page and f"invoice-{generated.number}.pdf" in page
    body = client.get(reverse("devinbox:message_html", args=[caught.name]))
    assert "<strong>$210.00</strong>" in body.content.decode() and "sandbox" in body["Content-Security-Policy"]
    pdf = client.get(reverse("devinbox:attachment", args=[caught.name, 0]))
    assert pdf["Content-Type"] == "application/pdf" and "$210.00" in pdf_text(pdf.content)
    assert client.get(reverse("devinbox:attachment", args=[caught.name, 1])).status_code == 404
    assert client.get(reverse("devinbox:message", args=["..%2Fsecret.eml"])).status_code == 404


def test_admin_action_emails_like_the_page(generated: Invoice, org: Organization,
                                           make_invoice: Callable[..., Invoice]) -> None:
    draft = make_invoice(org, customer=generated.customer)
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123"))
    response = client.post("/admin/invoicing/invoice/", {"action": "email_to_customers",
                                                        "_selected_action": [generated.pk, draft.pk]}, follow=True)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"{generated.number}: being emailed to jane@smith.example." in shown
    assert f"{draft.number}: Invoice {draft.number} is draft and cannot be sent." in shown
    assert [(e.invoice_id, e.status) for e in InvoiceEmail.objects.all()] == [(generated.pk, EmailStatus.QUEUED)]
