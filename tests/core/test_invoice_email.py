"""Send by email against a real SMTP server (the dev server on loopback): the invoice becomes Sent only when
the server accepted the message; a refused address fails clearly; an unreachable server is retried."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import Membership, Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing.email_delivery import TransientEmailError, _claim, invoice_email_deliver, invoice_emails_overdue
from invoicing.emailing import invoice_email_queue
from invoicing.models import EmailStatus, Invoice, InvoiceEmail, InvoiceStatus
from invoicing.tasks import send_invoice_email
from tests.conftest import REFUSED_ADDRESS, DevMail, _free_port, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(org: Organization, make_customer: Callable[..., Customer],
              make_invoice: Callable[..., Invoice]) -> Invoice:
    customer = make_customer(org, "Jane Smith", email="jane@smith.example")
    return lifecycle.invoice_finalize(invoice=make_invoice(org, customer=customer, lines=[("2", "95.00")]))


def _deliver(email_id: int) -> InvoiceEmail:
    """invoice_email_deliver, for a send the test has queued (None is only for a row that is gone)."""
    email = invoice_email_deliver(email_id=email_id)
    assert email is not None
    return email


def _status(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return invoice.status


def test_accepted_mail_marks_the_invoice_sent(
        generated: Invoice, dev_mail: DevMail,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    with django_capture_on_commit_callbacks() as queued:
        email = invoice_email_queue(invoice=generated, actor=None, cc=["boss@smith.example"],
                                    bcc=["books@acme.example"])
    assert len(queued) == 1  # the delivery task, after commit
    assert _status(generated) == InvoiceStatus.GENERATED  # nothing moves before the server accepts it

    email = _deliver(email.pk)

    email.refresh_from_db()
    assert (email.status, email.error, email.attempts) == (EmailStatus.SENT, "", 1)
    assert _status(generated) == InvoiceStatus.SENT and generated.sent_at is not None
    [caught] = dev_mail.messages()
    assert caught.subject == f"Invoice {generated.number} from Acme Heating"
    assert caught.message_id == email.message_id
    assert (caught.to, caught.cc) == ("jane@smith.example", "boss@smith.example")
    assert "books@acme.example" in caught.envelope_to and "books" not in caught.to + caught.cc  # bcc
    assert "Total:          $190.00" in caught.text and "<strong>$190.00</strong>" in caught.html
    [attachment] = caught.attachments
    assert (attachment.filename, attachment.content_type) == (f"invoice-{generated.number}.pdf", "application/pdf")
    raw = BytesParser(policy=policy.default).parse((dev_mail.directory / caught.name).open("rb"))
    pdf = next(raw.iter_attachments()).get_payload(decode=True)
    assert isinstance(pdf, bytes)  # a decoded non-multipart payload
    assert "$190.00" in pdf_text(pdf) and generated.number in pdf_text(pdf)


def test_refused_address_fails_clearly_and_leaves_the_invoice_unsent(generated: Invoice, dev_mail: DevMail) -> None:
    email = invoice_email_queue(invoice=generated, actor=None, to=REFUSED_ADDRESS)

    email = _deliver(email.pk)

    assert email.status == EmailStatus.FAILED
    assert email.error.startswith(f"The mail server refused the address ({REFUSED_ADDRESS}: 550 5.1.1")
    assert "User unknown" in email.error
    assert _status(generated) == InvoiceStatus.GENERATED and generated.sent_at is None
    assert dev_mail.messages() == []


def test_unreachable_server_is_retried_then_given_up(generated: Invoice, settings: Settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.INVOICE_EMAIL_MAX_ATTEMPTS = 3
    settings.INVOICE_EMAIL_BACKOFF_BASE_SECONDS = 0
    email = invoice_email_queue(invoice=generated, actor=None)

    with pytest.raises(TransientEmailError):
        invoice_email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)
    assert email.error.startswith("The mail server could not be reached") and email.error.endswith("Trying again.")

    send_invoice_email.apply(args=(email.pk,))  # the task: its retries run inline here, without the waits

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 3)
    assert email.error.startswith("The mail server could not be reached")
    assert email.error.endswith("Gave up after 3 attempts.")
    assert _status(generated) == InvoiceStatus.GENERATED


def test_a_retry_after_the_server_is_back_delivers(generated: Invoice, dev_mail: DevMail, settings: Settings) -> None:
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()
    settings.INVOICE_EMAIL_BACKOFF_BASE_SECONDS = 0
    email = invoice_email_queue(invoice=generated, actor=None)
    with pytest.raises(TransientEmailError):
        invoice_email_deliver(email_id=email.pk)
    settings.EMAIL_PORT = port

    send_invoice_email.apply(args=(email.pk,))

    email.refresh_from_db()
    assert (email.status, email.error, email.attempts) == (EmailStatus.SENT, "", 2)
    assert len(dev_mail.messages()) == 1 and _status(generated) == InvoiceStatus.SENT


def test_resend_is_logged_and_delivered_again(generated: Invoice, dev_mail: DevMail,
                                              member: Callable[[Organization, str], Membership]) -> None:
    owner = member(generated.organization, "owner").user
    first = invoice_email_deliver(email_id=invoice_email_queue(invoice=generated, actor=owner).pk)
    generated.refresh_from_db()
    sent_at = generated.sent_at
    assert sent_at is not None

    second = invoice_email_deliver(email_id=invoice_email_queue(invoice=generated, actor=owner,
                                                                to="ap@smith.example").pk)

    assert [(e.to, e.status, e.actor_id) for e in InvoiceEmail.objects.order_by("id")] == [
        ("jane@smith.example", EmailStatus.SENT, owner.pk), ("ap@smith.example", EmailStatus.SENT, owner.pk)]
    assert first is not None and second is not None
    assert first.message_id != second.message_id
    assert len(dev_mail.messages()) == 2
    generated.refresh_from_db()
    assert generated.sent_at is not None
    assert generated.status == InvoiceStatus.SENT and generated.sent_at > sent_at


def test_delivery_runs_once_per_send(generated: Invoice, dev_mail: DevMail) -> None:
    email = invoice_email_queue(invoice=generated, actor=None)
    invoice_email_deliver(email_id=email.pk)
    invoice_email_deliver(email_id=email.pk)  # the broker delivered the task twice
    assert len(dev_mail.messages()) == 1


def test_a_send_in_progress_or_waiting_to_retry_is_not_started_again(generated: Invoice, dev_mail: DevMail,
                                                                     settings: Settings) -> None:
    email = invoice_email_queue(invoice=generated, actor=None)
    assert _claim(email.pk)  # a worker is mid-attempt
    again = invoice_email_deliver(email_id=email.pk)
    assert again is not None and again.status == EmailStatus.QUEUED  # a second task leaves it
    assert dev_mail.messages() == [] and invoice_emails_overdue(grace_seconds=0) == []

    settings.EMAIL_PORT = _free_port()
    InvoiceEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())  # that worker died
    with pytest.raises(TransientEmailError) as deferred:
        invoice_email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert 30 <= deferred.value.retry_in <= 60  # its 2nd attempt: 30 s doubled, less up to half (jitter)
    assert email.next_attempt_at is not None
    assert email.next_attempt_at > timezone.now() and invoice_emails_overdue(grace_seconds=0) == []


def test_sweep_requeues_a_send_whose_message_was_lost(generated: Invoice, dev_mail: DevMail) -> None:
    email = invoice_email_queue(invoice=generated, actor=None)  # on_commit never ran: the message is lost
    InvoiceEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=2))
    assert invoice_emails_overdue() == [email.pk]
    invoice_email_deliver(email_id=email.pk)  # what the task the sweep queued does
    assert invoice_emails_overdue(grace_seconds=0) == [] and len(dev_mail.messages()) == 1


def test_voided_while_queued_is_delivered_but_stays_void(generated: Invoice, dev_mail: DevMail) -> None:
    email = invoice_email_queue(invoice=generated, actor=None)
    lifecycle.invoice_void(invoice=generated)

    email = _deliver(email.pk)

    assert email.status == EmailStatus.SENT
    assert email.error == (f"Delivered, but the invoice was not marked sent: Invoice {generated.number} is void "
                           "and cannot be sent.")
    assert _status(generated) == InvoiceStatus.VOID


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"cc": ["boss@smith", "ok@x.example"]}, "cc", "'boss@smith' is not an email address."),
    ({"to": "jane at smith"}, "to", "'jane at smith' is not an email address."),
    ({"bcc": [f"b{n}@x.example" for n in range(11)]}, "bcc", "At most 10 addresses."),
])
def test_bad_addresses_are_refused_and_nothing_is_logged(generated: Invoice, kwargs: dict, field: str,
                                                         message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        invoice_email_queue(invoice=generated, actor=None, **kwargs)
    assert refused.value.message_dict == {field: [message]}
    assert not InvoiceEmail.objects.exists()


def test_a_customer_without_email_needs_an_address(org: Organization, make_invoice: Callable[..., Invoice]) -> None:
    invoice = lifecycle.invoice_finalize(invoice=make_invoice(org))
    with pytest.raises(ValidationError) as refused:
        invoice_email_queue(invoice=invoice, actor=None)
    assert refused.value.message_dict == {
        "to": ["Jane Smith has no billing email; add one to the customer or type one here."]}


def test_a_draft_cannot_be_sent_and_one_send_at_a_time(generated: Invoice, org: Organization,
                                                       make_invoice: Callable[..., Invoice]) -> None:
    draft = make_invoice(org, customer=generated.customer)
    with pytest.raises(lifecycle.TransitionError, match="is draft and cannot be sent"):
        invoice_email_queue(invoice=draft, actor=None)
    invoice_email_queue(invoice=generated, actor=None)
    with pytest.raises(ValidationError, match="already being sent to jane@smith.example"):
        invoice_email_queue(invoice=generated, actor=None)
    assert InvoiceEmail.objects.count() == 1
