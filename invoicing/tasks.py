from __future__ import annotations

from celery import Task, shared_task

from invoicing.email_delivery import TransientEmailError, invoice_email_deliver, invoice_emails_overdue
from invoicing.lifecycle import invoices_mark_overdue


@shared_task(name="invoicing.tasks.mark_overdue_invoices")
def mark_overdue_invoices() -> int:
    return len(invoices_mark_overdue())


@shared_task(bind=True, name="invoicing.tasks.send_invoice_email", max_retries=None)
def send_invoice_email(self: Task, email_id: int) -> None:
    try:
        invoice_email_deliver(email_id=email_id)
    except TransientEmailError as exc:  # the row says when; the attempt count and giving up live there too
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc


@shared_task(name="invoicing.tasks.invoice_emails_sweep")
def invoice_emails_sweep() -> int:
    """Queue again the sends whose message the broker lost (either broker may lose one; the row is the truth)."""
    overdue = invoice_emails_overdue()
    for email_id in overdue:
        send_invoice_email.delay(email_id)
    return len(overdue)
