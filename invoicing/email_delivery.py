"""Sending an invoice by email, the worker's half: one delivery attempt of a queued InvoiceEmail.

It draws the PDF, sends through Django's email framework (SMTP in production, the dev SMTP server in
`make run`), and only when the server accepted the message marks the invoice Sent through the lifecycle.
A permanent refusal (5xx: unknown mailbox, relay denied) fails the row with the server's words and leaves
the invoice as it was; a temporary one (4xx, connection refused, timeout) is raised as
TransientEmailError, which the task retries with backoff.
"""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from invoicing import lifecycle
from invoicing.document import InvoiceDocument, invoice_document
from invoicing.models import EmailStatus, InvoiceEmail
from invoicing.pdf import invoice_pdf, invoice_pdf_filename


class TransientEmailError(Exception):
    """The mail server could not take the message now (4xx, unreachable, timeout): try again later."""


def _message(email: InvoiceEmail, document: InvoiceDocument) -> EmailMultiAlternatives:
    context = {"doc": document}
    organization = email.invoice.organization
    message = EmailMultiAlternatives(
        subject=f"Invoice {document.number} from {document.business_name}",
        body=render_to_string("invoicing/email/invoice_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to], cc=email.cc, bcc=email.bcc,
        reply_to=[organization.email] if organization.email else None,
        headers={"Message-ID": make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)},
    )
    message.attach_alternative(render_to_string("invoicing/email/invoice_email.html", context), "text/html")
    message.attach(invoice_pdf_filename(document), invoice_pdf(document), "application/pdf")
    return message


def _server_words(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {words}".strip()


def invoice_email_deliver(*, email_id: int) -> InvoiceEmail | None:
    """One delivery attempt. Returns the row (sent or failed), or raises TransientEmailError."""
    email = (InvoiceEmail.objects.select_related("invoice__organization", "invoice__customer", "invoice__tax_rate")
             .filter(pk=email_id).first())
    if email is None or email.status != EmailStatus.QUEUED:
        return email  # a duplicate message of the broker, or a row already settled
    message = _message(email, invoice_document(email.invoice))
    InvoiceEmail.objects.filter(pk=email.pk).update(attempts=F("attempts") + 1)
    email.attempts += 1
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # Every recipient was refused (smtplib raises only then). 5xx is final; 4xx (greylisting) is not.
        refused = "; ".join(f"{addr}: {_server_words(code, text)}" for addr, (code, text) in exc.recipients.items())
        if all(code >= 500 for code, _ in exc.recipients.values()):
            return _failed(email, f"The mail server refused the address ({refused}).")
        raise _retrying(email, f"The mail server deferred the address ({refused}).") from exc
    except smtplib.SMTPResponseException as exc:
        words = _server_words(exc.smtp_code, exc.smtp_error)
        if exc.smtp_code >= 500:
            return _failed(email, f"The mail server refused the message ({words}).")
        raise _retrying(email, f"The mail server could not take the message now ({words}).") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise _retrying(email, f"The mail server could not be reached ({exc or type(exc).__name__}).") from exc
    return _delivered(email, message.extra_headers["Message-ID"])


def _retrying(email: InvoiceEmail, error: str) -> TransientEmailError:
    InvoiceEmail.objects.filter(pk=email.pk).update(error=f"{error} Trying again.")
    return TransientEmailError(error)


def _failed(email: InvoiceEmail, error: str) -> InvoiceEmail:
    email.status, email.error = EmailStatus.FAILED, error
    email.save(update_fields=["status", "error", "updated_at"])
    return email


def invoice_email_give_up(*, email_id: int, error: str) -> None:
    """The task's last attempt failed for a temporary reason: the row fails, the invoice stays as it was."""
    InvoiceEmail.objects.filter(pk=email_id, status=EmailStatus.QUEUED).update(
        status=EmailStatus.FAILED, error=f"{error} Gave up after {settings.INVOICE_EMAIL_MAX_ATTEMPTS} attempts.",
        updated_at=timezone.now())


@transaction.atomic
def _delivered(email: InvoiceEmail, message_id: str) -> InvoiceEmail:
    email.status, email.message_id, email.sent_at, email.error = EmailStatus.SENT, message_id, timezone.now(), ""
    try:
        # The mail is out: now the invoice is Sent (and, through the lifecycle's save, queued for QuickBooks).
        lifecycle.invoice_send(invoice=email.invoice)
    except lifecycle.TransitionError as exc:
        # Voided (say) while the message waited in the queue: it was delivered all the same.
        email.error = f"Delivered, but the invoice was not marked sent: {' '.join(exc.messages)}"
    email.save(update_fields=["status", "message_id", "sent_at", "error", "updated_at"])
    return email
