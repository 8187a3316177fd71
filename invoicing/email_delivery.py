"""Sending an invoice by email, the worker's half: one delivery attempt of a queued InvoiceEmail.

It draws the PDF, sends through Django's email framework (SMTP in production, the dev SMTP server in
`make run`), and only when the server accepted the message marks the invoice Sent through the lifecycle.
A permanent refusal (5xx: unknown mailbox, relay denied) fails the row with the server's words and leaves
the invoice as it was; a temporary one (4xx, connection refused, timeout) is raised as
TransientEmailError, which the task retries with backoff.
"""

from __future__ import annotations

import random
import smtplib
from datetime import timedelta
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
    """The mail server could not take the message now (4xx, unreachable, timeout): try again in `retry_in` s."""

    def __init__(self, message: str, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


# How long one attempt may hold its row before a sweep may start another (SMTP timeouts are far shorter).
CLAIM_SECONDS = 300


def retry_delay(attempts: int) -> float:
    """Doubling backoff less a random part of up to half, so a mail server that was down is not hit by every send
    at once."""
    cap = settings.INVOICE_EMAIL_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return random.uniform(cap / 2, cap)


def _claim(email_id: int) -> bool:
    """Take the row for one attempt. A second task for the same send (a broker redelivery, the sweeper) finds it
    taken or not yet due and does nothing, so one send is never mailed twice at the same time."""
    now = timezone.now()
    return bool(InvoiceEmail.objects.filter(pk=email_id, status=EmailStatus.QUEUED, next_attempt_at__lte=now)
                .update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1))


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
    """One delivery attempt. Returns the row (sent, failed, or untouched when it was not this call's to
    take), or raises TransientEmailError with the delay before the next attempt."""
    if not _claim(email_id):
        return InvoiceEmail.objects.filter(pk=email_id).first()
    email = InvoiceEmail.objects.select_related("invoice__organization", "invoice__customer").get(pk=email_id)
    message = _message(email, invoice_document(email.invoice))
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # Every recipient was refused (smtplib raises only then). 5xx is final; 4xx (greylisting) is not.
        refused = "; ".join(f"{addr}: {_server_words(code, text)}" for addr, (code, text) in exc.recipients.items())
        if all(code >= 500 for code, _ in exc.recipients.values()):
            return _failed(email, f"The mail server refused the address ({refused}).")
        return _temporary(email, f"The mail server deferred the address ({refused}).")
    except smtplib.SMTPResponseException as exc:
        words = _server_words(exc.smtp_code, exc.smtp_error)
        if exc.smtp_code >= 500:
            return _failed(email, f"The mail server refused the message ({words}).")
        return _temporary(email, f"The mail server could not take the message now ({words}).")
    except (smtplib.SMTPException, OSError) as exc:
        return _temporary(email, f"The mail server could not be reached ({exc or type(exc).__name__}).")
    return _delivered(email, message.extra_headers["Message-ID"])


def _temporary(email: InvoiceEmail, error: str) -> InvoiceEmail:
    """Try again later, or give up (the row fails, the invoice stays as it was) after the last attempt."""
    if email.attempts >= settings.INVOICE_EMAIL_MAX_ATTEMPTS:
        return _failed(email, f"{error} Gave up after {email.attempts} attempts.")
    delay = retry_delay(email.attempts)
    email.error, email.next_attempt_at = f"{error} Trying again.", timezone.now() + timedelta(seconds=delay)
    email.save(update_fields=["error", "next_attempt_at", "updated_at"])
    raise TransientEmailError(error, retry_in=delay)


def _failed(email: InvoiceEmail, error: str) -> InvoiceEmail:
    email.status, email.error = EmailStatus.FAILED, error
    email.save(update_fields=["status", "error", "updated_at"])
    return email


def invoice_emails_overdue(*, grace_seconds: int = 60) -> list[int]:
    """Queued sends whose attempt is due and was not started (a lost broker message, a worker that died
    mid-attempt): the beat sweep queues them again."""
    due = timezone.now() - timedelta(seconds=grace_seconds)
    return list(InvoiceEmail.objects.filter(status=EmailStatus.QUEUED, next_attempt_at__lte=due)
                .values_list("pk", flat=True))


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
