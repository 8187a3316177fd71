"""Reads for the customer pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Organization
from customers.models import Customer, Project


def customer_list(*, organization: Organization, query: str = "") -> QuerySet[Customer]:
    qs = Customer.objects.for_org(organization).order_by("display_name", "id")
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(display_name__icontains=query) | Q(company_name__icontains=query) | Q(email__icontains=query)
        )
    return qs


def customer_projects(*, customer: Customer) -> QuerySet[Project]:
    return Project.objects.filter(organization_id=customer.organization_id, customer=customer).order_by("name", "id")


def project_options(*, organization: Organization, customer_id: int | None) -> QuerySet[Project]:
    """The projects an invoice for this customer may name; none until a customer is chosen."""
    if customer_id is None:
        return Project.objects.none()
    return Project.objects.for_org(organization).filter(customer_id=customer_id).order_by("name", "id")
