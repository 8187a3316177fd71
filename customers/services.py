"""Rules for writes to customers and projects shared by the pages, the API and the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from customers.models import Customer, Project


def project_check_customer_change(*, project: Project, customer: Customer) -> None:
    """A project with invoices stays with its customer: each invoice names both, and an invoice's project
    must belong to the invoice's customer (moving it would leave every such invoice inconsistent)."""
    if project.pk is None or project.customer_id == customer.pk:
        return
    count = project.invoices.count()  # type: ignore[attr-defined]  # reverse relation from invoicing
    if count:
        message = (f"Project “{project.name}” has {count} invoice{'s' if count != 1 else ''} for its customer; "
                   "it cannot move to another customer. Start a new project for the other customer instead.")
        raise ValidationError({"customer": [message]})
