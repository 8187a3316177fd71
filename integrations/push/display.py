"""Reads for the people-facing queue pages: what to call a queued object, where it lives here and in
QuickBooks, and the compact nav badge. Constant queries: one per object type on a page, one for the badge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from accounts.tenancy import OrgOwned
from customers.models import Customer, Project
from integrations.models import ConnectionStatus, JobState, ObjectType, QuickBooksConnection, SyncJob
from integrations.qbo.client import company_url, qbo_app_url
from invoicing.models import Invoice, Payment, Product

if TYPE_CHECKING:
    from datetime import datetime

Key = tuple[str, int]


@dataclass(frozen=True)
class ObjectLabel:
    label: str  # "Invoice INV-000123"
    url: str = ""  # the record's page here; "" when it has none or was deleted


def _invoice(inv: Invoice) -> ObjectLabel:
    return ObjectLabel(f"Invoice {inv.number}", reverse("invoicing:invoice_detail", args=[inv.pk]))


def _customer(customer: Customer) -> ObjectLabel:
    return ObjectLabel(f"Customer {customer.display_name}", reverse("customers:detail", args=[customer.pk]))


def _product(product: Product) -> ObjectLabel:
    return ObjectLabel(f"Product {product.name}", reverse("invoicing:product_edit", args=[product.pk]))


def _project(project: Project) -> ObjectLabel:
    return ObjectLabel(f"Project {project.name}", reverse("customers:project_edit", args=[project.pk]))


def _payment(payment: Payment) -> ObjectLabel:
    return ObjectLabel(f"{payment.get_kind_display()} on {payment.invoice.number}",
                       reverse("invoicing:invoice_detail", args=[payment.invoice_id]))


# object type -> (model, related rows to join, fields to load, label maker)
_KINDS: dict[str, tuple[type[OrgOwned], tuple[str, ...], tuple[str, ...], Callable[..., ObjectLabel]]] = {
    ObjectType.INVOICE: (Invoice, (), ("id", "number"), _invoice),
    ObjectType.CUSTOMER: (Customer, (), ("id", "display_name"), _customer),
    ObjectType.ITEM: (Product, (), ("id", "name"), _product),
    ObjectType.PROJECT: (Project, (), ("id", "name"), _project),
    ObjectType.PAYMENT: (Payment, ("invoice",), ("id", "kind", "invoice__number", "invoice_id"), _payment),
}


def _type_label(object_type: str) -> str:
    try:
        return str(ObjectType(object_type).label)
    except ValueError:
        return object_type.capitalize()


def object_labels(*, organization: Organization, keys: Iterable[Key]) -> dict[Key, ObjectLabel]:
    """Names and local links of queued or logged objects: one query per object type present."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for object_type, local_id in keys:
        wanted[object_type].add(local_id)
    labels: dict[Key, ObjectLabel] = {}
    for object_type, ids in wanted.items():
        if object_type in _KINDS:
            model, related, fields, make = _KINDS[object_type]
            qs = model.objects.for_org(organization).filter(pk__in=ids)
            if related:  # (select_related() with no names would join every foreign key)
                qs = qs.select_related(*related)
            for obj in qs.only(*fields):
                labels[(object_type, obj.pk)] = make(obj)
        for local_id in ids:
            # Deleted here since it was queued (or an unknown type): still say what it was.
            labels.setdefault((object_type, local_id),
                              ObjectLabel(f"{_type_label(object_type)} #{local_id} (no longer here)"))
    return labels


# The QuickBooks web app's page for one record; the path and query parameter names are QBO's. The
# simulator serves the same paths, so QBO_APP_URL alone decides where the link goes.
_QBO_PAGES: dict[str, str] = {ObjectType.INVOICE: "app/invoice?txnId=",
                              ObjectType.CUSTOMER: "app/customerdetail?nameId=",
                              ObjectType.PAYMENT: "app/recvpayment?txnId="}


def qbo_record_url(*, realm_id: str, object_type: str, qbo_id: str) -> str:
    """Where a person opens one pushed record in QuickBooks (the company's home page when QBO has no page
    per record of that type). realmId names the company for the simulator; QBO uses the signed-in one."""
    if not (realm_id and qbo_id):
        return ""
    page = _QBO_PAGES.get(object_type)
    if page is None:
        return company_url(realm_id)
    return f"{qbo_app_url()}/{page}{qbo_id}&realmId={realm_id}"


@dataclass(frozen=True)
class QueueBadge:
    """The nav's compact view of the queue. `realm_id` also lets list rows link QBO ids without a query."""

    realm_id: str = ""
    status: str = ""  # the live connection's status, "" when none
    pending: int = 0
    errors: int = 0
    paused: int = 0
    # For the every-page "authorization ends soon" banner (templatetags/qbo.py), read in the same query.
    company_name: str = ""
    refresh_token_expires_at: datetime | None = None
    refresh_token_hard_expires_at: datetime | None = None

    @property
    def tone(self) -> str:
        """The most urgent thing to show: error > paused > pending > "" (nothing)."""
        if self.errors:
            return "error"
        if self.paused or self.status == ConnectionStatus.AUTH_EXPIRED:
            return "paused"
        return "pending" if self.pending else ""

    @property
    def count(self) -> int:
        return {"error": self.errors, "paused": self.paused, "pending": self.pending}.get(self.tone, 0)

    @property
    def title(self) -> str:
        parts = [f"{self.pending} pending"] if self.pending else []
        if self.errors:
            parts.append(f"{self.errors} failed")
        if self.paused:
            parts.append(f"{self.paused} paused")
        if self.status == ConnectionStatus.AUTH_EXPIRED:
            parts.append("authorization expired")
        return "QuickBooks sync: " + (", ".join(parts) if parts else "queue empty")


_PENDING = [JobState.QUEUED, JobState.RUNNING, JobState.BACKOFF]


def queue_badge(*, organization: Organization) -> QueueBadge:
    """One query: the live connection with its open-job counts by kind."""
    row = (QuickBooksConnection.objects.filter(organization=organization)
           .exclude(status=ConnectionStatus.DISCONNECTED)
           .annotate(pending=Count("jobs", filter=Q(jobs__state__in=_PENDING)),
                     errors=Count("jobs", filter=Q(jobs__state=JobState.ERROR)),
                     paused=Count("jobs", filter=Q(jobs__state=JobState.PAUSED)))
           .order_by("id").values("realm_id", "status", "pending", "errors", "paused", "company_name",
                                  "refresh_token_expires_at", "refresh_token_hard_expires_at").first())
    return QueueBadge(**row) if row else QueueBadge()


def backoff_waiting(*, connection: QuickBooksConnection) -> tuple[int, datetime | None]:
    """Items whose backoff window is still open (Sync All Pending leaves them alone), and the earliest end."""
    row = SyncJob.objects.filter(connection=connection, state=JobState.BACKOFF,
                                 next_attempt_at__gt=timezone.now()).aggregate(n=Count("id"), at=Min("next_attempt_at"))
    return row["n"], row["at"]
