"""Sending an invoice by email, the request's half: the Send action checks the addresses and the invoice's
status, writes an InvoiceEmail row (the log of every send and resend) and queues the delivery task after
commit. Nothing about the invoice changes here: it becomes Sent when the mail server accepts the message
(invoicing/email_delivery.py, run by the task `invoicing.tasks.send_invoice_email`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from invoicing import lifecycle
from invoicing.models import EmailStatus, Invoice, InvoiceEmail
from invoicing.tasks import send_invoice_email

MAX_COPIES = 10  # cc and bcc each: an invoice goes to a person, not a mailing list
_SPLIT = re.compile(r"[\s,;]+")


def addresses_split(text: str) -> list[str]:
    """'a@x.test, b@y.test; c@z.test' → three addresses (the page's cc and bcc fields)."""
    return [part for part in _SPLIT.split(text or "") if part]


def _checked(field: str, addresses: Iterable[str]) -> list[str]:
    cleaned, errors = [], []
    for address in addresses:
        address = address.strip()
        try:
            validate_email(address)
        except ValidationError:
            errors.append(f"{address!r} is not an email address.")
        cleaned.append(address)
    if len(cleaned) > MAX_COPIES:
        errors.append(f"At most {MAX_COPIES} addresses.")
    if errors:
        raise ValidationError({field: errors})
    return list(dict.fromkeys(cleaned))  # the same address twice is one copy


def invoice_email_queue(*, invoice: Invoice, actor: User | None, to: str = "",
                        cc: Iterable[str] = (), bcc: Iterable[str] = ()) -> InvoiceEmail:
    """Log a Send and queue its delivery; nothing about the invoice changes until the server accepts it."""
    invoice = Invoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
    lifecycle.transition_check(invoice, "send")
    to = (to or "").strip() or invoice.customer.email
    if not to:
        missing = f"{invoice.customer.display_name} has no billing email; add one to the customer or type one here."
        raise ValidationError({"to": [missing]})
    errors: dict[str, list[str]] = {}
    lists: dict[str, list[str]] = {}
    for field, value in (("to", [to]), ("cc", cc), ("bcc", bcc)):
        try:
            lists[field] = _checked(field, value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    pending = invoice.emails.filter(status=EmailStatus.QUEUED).first()
    if pending is not None:
        raise ValidationError(f"Invoice {invoice.number} is already being sent to {pending.to}; "
                              "wait for that to finish before sending again.")
    email = InvoiceEmail.objects.create(organization=invoice.organization, invoice=invoice, to=lists["to"][0],
                                        cc=lists["cc"], bcc=lists["bcc"], actor=actor)
    transaction.on_commit(lambda: send_invoice_email.delay(email.pk))
    return email


