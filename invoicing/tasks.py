from __future__ import annotations

import random

from celery import Task, shared_task
from django.conf import settings

from invoicing.email_delivery import TransientEmailError, invoice_email_deliver, invoice_email_give_up
from invoicing.lifecycle import invoices_mark_overdue


@shared_task(name="invoicing.tasks.mark_overdue_invoices")
def mark_overdue_invoices() -> int:
    return len(invoices_mark_overdue())


def email_retry_delay(retries: int) -> float:
    """Exponential backoff with full jitter: a mail server that is down is not hammered by every worker."""
    cap = settings.INVOICE_EMAIL_BACKOFF_BASE_SECONDS * 2 ** retries
    return random.uniform(cap / 2, cap)


@shared_task(bind=True, name="invoicing.tasks.send_invoice_email", max_retries=None)
def send_invoice_email(self: Task, email_id: int) -> None:
    try:
        invoice_email_deliver(email_id=email_id)
    except TransientEmailError as exc:
        if self.request.retries + 1 >= settings.INVOICE_EMAIL_MAX_ATTEMPTS:
            invoice_email_give_up(email_id=email_id, error=str(exc))
            return
        raise self.retry(countdown=email_retry_delay(self.request.retries), exc=exc) from exc
