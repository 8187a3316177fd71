"""What every phase of the import shares: its context, the per-page write buffer, how QBO rows become
mapping rows and review items, and the reads (one COUNT, then one page per step, where the cursor says)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accounts.models import Organization
from integrations.importer.progress import Reporter
from integrations.models import ExternalRef, ImportIntent, ImportRun, QuickBooksConnection, ReviewItem, ReviewState
from integrations.push.currency import currency_of
from integrations.qbo.client import PAGE_SIZE, QboClient


@dataclass
class Ctx:
    connection: QuickBooksConnection
    client: QboClient
    reporter: Reporter

    @property
    def organization(self) -> Organization:
        return self.connection.organization

    @property
    def cursor(self) -> dict[str, Any]:
        return self.reporter.cursor


def phase_count(ctx: Ctx, data_type: str, entity: str, where: str = "") -> None:
    """A phase's first step: the COUNT for its bar; its pages start at STARTPOSITION 1."""
    total = ctx.client.count(entity, where)
    ctx.cursor["start"] = 1
    ctx.reporter.start(data_type, total)  # the bar and the cursor, committed together


def next_page(ctx: Ctx, entity: str, where: str = "", *, select: str = "*") -> tuple[list[dict[str, Any]], bool]:
    """The page at the cursor's STARTPOSITION, and whether it is the last one. The caller moves the cursor
    (`page_read`) inside the transaction that commits the page, so a page is read once per run."""
    rows = ctx.client.query_page(entity, where, start=int(ctx.cursor["start"]), select=select)
    return rows, len(rows) < PAGE_SIZE


def page_read(ctx: Ctx, last: bool) -> None:
    ctx.cursor["start"] = int(ctx.cursor["start"]) + PAGE_SIZE
    if last:
        ctx.cursor["finished"] = True  # the slice driver moves on to the next phase


def names_save(ctx: Ctx, names: set[str]) -> None:
    """The QBO names seen so far, for a later slice's push phase (inside the page's transaction)."""
    ImportRun.objects.filter(pk=ctx.reporter.run.pk).update(qbo_names=sorted(names))


def qbo_email(row: dict[str, Any]) -> str:
    return str((row.get("PrimaryEmailAddr") or {}).get("Address") or "").strip()


def qbo_address(row: dict[str, Any]) -> str:
    addr = row.get("BillAddr") or {}
    parts = [addr.get(k, "") for k in ("Line1", "Line2", "City", "CountrySubDivisionCode", "PostalCode")]
    return ", ".join(str(p) for p in parts if p)


def qbo_customer_card(row: dict[str, Any]) -> dict[str, str]:
    """The QBO side of a review pair, as shown to the Owner."""
    return {"name": str(row.get("DisplayName", "")), "email": qbo_email(row),
            "company": str(row.get("CompanyName") or ""),
            "phone": str((row.get("PrimaryPhone") or {}).get("FreeFormNumber") or ""),
            "address": qbo_address(row), "active": "yes" if row.get("Active", True) else "no"}


def qbo_item_card(row: dict[str, Any]) -> dict[str, str]:
    return {"name": str(row.get("Name", "")), "sku": str(row.get("Sku") or ""), "type": str(row.get("Type") or ""),
            "price": str(row.get("UnitPrice") or ""), "description": str(row.get("Description") or "")[:300]}


@dataclass
class PageWrites:
    """Everything one page decided, written in one transaction with the progress numbers."""

    ctx: Ctx
    object_type: str
    refs: list[ExternalRef] = field(default_factory=list)
    reviews: list[ReviewItem] = field(default_factory=list)
    consumed_intents: list[int] = field(default_factory=list)

    def link(self, local_id: int, row: dict[str, Any]) -> None:
        self.refs.append(ExternalRef(connection=self.ctx.connection, object_type=self.object_type, local_id=local_id,
                                     qbo_id=str(row["Id"]), sync_token=str(row.get("SyncToken", "")),
                                     last_synced_at=timezone.now(), qbo_currency=currency_of(row)))

    def review(self, row: dict[str, Any], card: dict[str, str], candidates: list[dict[str, Any]],
               reason: str) -> None:
        self.reviews.append(ReviewItem(
            organization=self.ctx.organization, connection=self.ctx.connection, run=self.ctx.reporter.run,
            object_type=self.object_type, qbo_id=str(row["Id"]),
            # The whole QBO row is kept: "Create new" on the review page builds the local record from it.
            qbo_data={**card, "sync_token": str(row.get("SyncToken", "")), "raw": row}, candidates=candidates,
            reason=reason[:300], state=ReviewState.OPEN))

    def save(self, data_type: str, rows: int) -> None:
        """Called inside the page's transaction: mappings, review items, consumed intents, progress."""
        ExternalRef.objects.bulk_create(self.refs, batch_size=500)
        # ignore_conflicts: an item already raised by an earlier (interrupted) run stays as it is.
        ReviewItem.objects.bulk_create(self.reviews, batch_size=500, ignore_conflicts=True)
        if self.consumed_intents:
            ImportIntent.objects.filter(connection=self.ctx.connection, object_type=self.object_type,
                                        local_id__in=self.consumed_intents).delete()
        self.ctx.reporter.advance(data_type, rows)
        self.ctx.reporter.flush()


def remembered_review(ctx: Ctx, state: str, data_type: str, name: str) -> None:
    """A pair the Owner already decided (or is yet to): the rerun applies that, and asks nothing new."""
    if state == ReviewState.OPEN:
        ctx.reporter.count("needs_review")
    elif state == ReviewState.SKIPPED:
        ctx.reporter.note("skipped", data_type, name, "Skipped on the review page.")
    else:
        ctx.reporter.count("unchanged")
