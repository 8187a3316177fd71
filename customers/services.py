"""Rules for writes to customers and projects shared by the pages, the API and the admin."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError

from customers.models import Customer, Project

# Apps above customers whose records name a project together with its customer register here how many
# of them a project has, with their noun (invoicing: "invoice"); customers imports none of them.
ProjectTies = Callable[[Project], int]
_project_ties: dict[str, ProjectTies] = {}


def project_ties_register(*, noun: str, count: ProjectTies) -> None:
    _project_ties[noun] = count


def project_check_customer_change(*, project: Project, customer: Customer) -> None:
    """A project with invoices stays with its customer: each invoice names both, and an invoice's project
    must belong to the invoice's customer (moving it would leave every such invoice inconsistent)."""
    if project.pk is None or project.customer_id == customer.pk:
        return
    for noun, count_of in _project_ties.items():
        count = count_of(project)
        if count:
            message = (f"Project “{project.name}” has {count} {noun}{'s' if count != 1 else ''} for its customer; "
                       "it cannot move to another customer. Start a new project for the other customer instead.")
            raise ValidationError({"customer": [message]})
