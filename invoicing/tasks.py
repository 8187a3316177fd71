from __future__ import annotations

from celery import shared_task

from invoicing.lifecycle import invoices_mark_overdue


@shared_task(name="invoicing.tasks.mark_overdue_invoices")
def mark_overdue_invoices() -> int:
    return len(invoices_mark_overdue())
