"""Reads for the invoicing pages: lists, the dashboard summary, and which lifecycle actions a role may take
(the edit rule is invoicing.validators.invoice_edit_check)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from accounts.models import Organization
from accounts.permissions import can
from customers.models import Customer, Project
from invoicing.lifecycle import allowed_actions
from invoicing.models import ZERO, Invoice, InvoiceEmail, InvoiceStatus, Payment, PaymentKind, Product, TaxCode, TaxRate

S = InvoiceStatus
# Issued and still expecting money (or an answer, for a dispute).
OPEN_STATUSES = (S.GENERATED, S.SENT, S.PARTIALLY_PAID, S.OVERDUE, S.DISPUTED)

# Lifecycle actions the pages offer, in the order buttons appear, with the capability each needs.
ACTION_CAPABILITIES: dict[str, str] = {
    "finalize": "invoice.finalize",
    "send": "invoice.send",
    "record_payment": "invoice.record_payment",
    "refund": "invoice.refund",
    "dispute": "invoice.dispute",
    "resolve_dispute": "invoice.resolve_dispute",
    "void": "invoice.void",
    "delete_draft": "invoice.delete_draft",
}


def invoice_list(*, organization: Organization, status: str = "", customer_id: int | None = None) -> QuerySet[Invoice]:
    """Newest first, with the customer joined so a page of rows costs one query however long it is."""
    qs = Invoice.objects.for_org(organization).select_related("customer").order_by("-issue_date", "-id")
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs


def customer_invoices(*, customer: Customer, limit: int = 25) -> list[Invoice]:
    """The customer's latest invoices, for the customer page."""
    qs = Invoice.objects.filter(organization_id=customer.organization_id, customer=customer).select_related("project")
    return list(qs.order_by("-issue_date", "-id")[:limit])


def project_invoice_count(project: Project) -> int:
    """How many invoices name the project (and so its customer)."""
    return Invoice.objects.filter(project=project).count()


def invoice_detail_queryset(*, organization: Organization) -> QuerySet[Invoice]:
    return (
        Invoice.objects.for_org(organization)
        .select_related("customer", "project", "tax_override_by")
        .prefetch_related(
            "lines__product", "lines__tax_code", "tax_lines",
            Prefetch("payments", queryset=Payment.objects.order_by("received_on", "id")),
        )
    )


def invoice_document_queryset(*, organization: Organization) -> QuerySet[Invoice]:
    """What invoicing.document.invoice_document reads, joined: the PDF and the print view."""
    return (Invoice.objects.for_org(organization)
            .select_related("organization", "customer").prefetch_related("lines", "tax_lines"))


def invoice_emails(*, invoice: Invoice) -> list[InvoiceEmail]:
    """Every Send of the invoice by email, newest first, with who pressed it."""
    return list(InvoiceEmail.objects.filter(invoice=invoice).select_related("actor").order_by("-created_at", "-id"))


def invoice_actions_for(*, invoice: Invoice, role: str | None) -> list[str]:
    """Actions both the invoice's status and the role allow. Pure: no queries, safe per list row."""
    possible = set(allowed_actions(invoice))
    return [action for action, cap in ACTION_CAPABILITIES.items() if action in possible and can(role, cap)]


def invoice_refundable(invoice: Invoice) -> Decimal:
    return invoice.amount_paid - invoice.amount_refunded


@dataclass(frozen=True)
class DashboardSummary:
    open_count: int
    open_balance: Decimal
    overdue_count: int
    overdue_total: Decimal
    paid_this_month: Decimal
    payments_this_month: int
    draft_count: int


def dashboard_summary(*, organization: Organization, today: date) -> DashboardSummary:
    invoices = Invoice.objects.for_org(organization).aggregate(
        open_count=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        open_balance=Sum("balance", filter=Q(status__in=OPEN_STATUSES)),
        overdue_count=Count("id", filter=Q(status=S.OVERDUE)),
        overdue_total=Sum("balance", filter=Q(status=S.OVERDUE)),
        draft_count=Count("id", filter=Q(status=S.DRAFT)),
    )
    payments = Payment.objects.for_org(organization).filter(
        kind=PaymentKind.PAYMENT, received_on__gte=today.replace(day=1), received_on__lte=today
    ).aggregate(total=Sum("amount"), count=Count("id"))
    return DashboardSummary(
        open_count=invoices["open_count"],
        open_balance=invoices["open_balance"] or ZERO,
        overdue_count=invoices["overdue_count"],
        overdue_total=invoices["overdue_total"] or ZERO,
        paid_this_month=payments["total"] or ZERO,
        payments_this_month=payments["count"],
        draft_count=invoices["draft_count"],
    )


def invoice_recent(*, organization: Organization, limit: int = 8) -> list[Invoice]:
    return list(invoice_list(organization=organization)[:limit])


def product_list(*, organization: Organization, query: str = "", active: str = "") -> QuerySet[Product]:
    qs = Product.objects.for_org(organization).select_related("tax_code").order_by("name", "id")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(sku__icontains=query) | Q(description__icontains=query))
    if active == "yes":
        qs = qs.filter(is_active=True)
    elif active == "no":
        qs = qs.filter(is_active=False)
    return qs


def product_choices(*, organization: Organization, keep_ids: Collection[int] = ()) -> list[Product]:
    """Active products, plus inactive ones an invoice already uses, so editing it keeps its lines valid."""
    wanted = Q(is_active=True) | Q(pk__in=list(keep_ids))
    return list(Product.objects.for_org(organization).filter(wanted).order_by("name", "id"))


def tax_code_choices(*, organization: Organization, keep_ids: Collection[int] = ()) -> list[TaxCode]:
    """Active codes, plus inactive ones an invoice already uses, so editing it keeps its lines valid."""
    wanted = Q(is_active=True) | Q(pk__in=list(keep_ids))
    return list(TaxCode.objects.for_org(organization).filter(wanted).order_by("name", "id"))


def tax_codes_with_rates(*, organization: Organization) -> QuerySet[TaxCode]:
    return TaxCode.objects.for_org(organization).prefetch_related("rates").order_by("name", "id")


def tax_rates(*, organization: Organization) -> QuerySet[TaxRate]:
    return TaxRate.objects.for_org(organization).order_by("name", "id")
