"""Active top-level QBO customers -> local customers: link to a match, create here, or ask a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts.models import Organization
from customers.models import Customer
from integrations.importer.common import (
    Ctx,
    PageWrites,
    names_save,
    next_page,
    page_read,
    phase_count,
    qbo_customer_card,
    qbo_email,
    remembered_review,
)
from integrations.importer.matching import CREATE, LINK, CustomerIndex, Local, normalize_name
from integrations.models import ExternalRef, ImportIntent, ObjectType, ReviewItem

TOP_LEVEL = "Job = false"  # sub-customers and projects are Job = true; they become local projects


@dataclass
class CustomerState:
    """What the customer phase knows, reused by the project and push phases."""

    index: CustomerIndex
    qbo_to_local: dict[str, int]
    reviews: dict[str, str]  # qbo id -> review state
    intents: dict[str, int]  # casefold(name sent to QBO) -> local id
    review_blocked: set[int] = field(default_factory=set)  # locals in an open/skipped pair: never pushed
    qbo_names: set[str] = field(default_factory=set)  # normalized names of every QBO customer seen


def load_state(ctx: Ctx) -> CustomerState:
    """Built from the database (and the names the run kept), never from QBO: each slice starts with it."""
    refs = dict(ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.CUSTOMER)
                .values_list("qbo_id", "local_id"))
    rows = Customer.objects.for_org(ctx.organization).values_list("id", "display_name", "email")
    index = CustomerIndex((Local(pk, name, email) for pk, name, email in rows.iterator(chunk_size=2000)),
                          taken=refs.values())
    reviews: dict[str, str] = {}
    blocked: set[int] = set()
    for qbo_id, state, candidates in ReviewItem.objects.filter(
            connection=ctx.connection, object_type=ObjectType.CUSTOMER).values_list("qbo_id", "state", "candidates"):
        reviews[qbo_id] = state
        if state in ("open", "skipped"):
            blocked.update(int(c["id"]) for c in candidates)
    intents = {name.casefold(): local_id for name, local_id in ImportIntent.objects.filter(
        connection=ctx.connection, object_type=ObjectType.CUSTOMER).values_list("name", "local_id")}
    return CustomerState(index=index, qbo_to_local=refs, reviews=reviews, intents=intents, review_blocked=blocked,
                         qbo_names=set(ctx.reporter.run.qbo_names))


def customer_from_qbo(organization: Organization, row: dict[str, Any]) -> Customer:
    addr = row.get("BillAddr") or {}

    def text(value: Any, limit: int) -> str:
        return str(value or "")[:limit]

    return Customer(
        organization=organization, display_name=text(row.get("DisplayName"), 200),
        company_name=text(row.get("CompanyName"), 100), given_name=text(row.get("GivenName"), 100),
        family_name=text(row.get("FamilyName"), 100), email=text(qbo_email(row), 254),
        phone=text((row.get("PrimaryPhone") or {}).get("FreeFormNumber"), 30),
        billing_line1=text(addr.get("Line1"), 200), billing_line2=text(addr.get("Line2"), 200),
        billing_city=text(addr.get("City"), 100), billing_region=text(addr.get("CountrySubDivisionCode"), 50),
        billing_postal_code=text(addr.get("PostalCode"), 20), billing_country=text(addr.get("Country"), 60),
        notes=text(row.get("Notes"), 2000), is_active=True,
    )


def local_cards(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The local side of review pairs (one query for a page's worth)."""
    cards = {}
    for c in Customer.objects.filter(pk__in=ids):
        address = ", ".join(p for p in (c.billing_line1, c.billing_line2, c.billing_city, c.billing_region,
                                        c.billing_postal_code) if p)
        cards[c.pk] = {"id": c.pk, "name": c.display_name, "email": c.email, "company": c.company_name,
                       "phone": c.phone, "address": address, "active": "yes" if c.is_active else "no"}
    return cards


class _Page:
    def __init__(self, ctx: Ctx, st: CustomerState) -> None:
        self.ctx, self.st = ctx, st
        self.writes = PageWrites(ctx, ObjectType.CUSTOMER)
        self.new: list[tuple[Customer, dict[str, Any]]] = []
        self.review_rows: list[tuple[dict[str, Any], list[int], str]] = []

    def row(self, row: dict[str, Any], new_names: set[str]) -> bool:
        """Decide one QBO customer. False: decide again once this page's new customers exist."""
        qid, name, email = str(row["Id"]), str(row.get("DisplayName", "")), qbo_email(row)
        rep, st, key = self.ctx.reporter, self.st, normalize_name(name)
        st.qbo_names.add(key)
        if qid in st.qbo_to_local:
            rep.count("unchanged")
            return True
        if qid in st.reviews:
            remembered_review(self.ctx, st.reviews[qid], "customers", name)
            return True
        intent = st.intents.pop(name.casefold(), None)
        if intent is not None and intent not in st.index.taken:
            # We created this record in QBO before an interruption; the mapping never got saved.
            self._link(intent, row)
            self.writes.consumed_intents.append(intent)
            rep.count("created_in_qbo")
            return True
        decision = st.index.decide(name, email, key=key)
        if decision.kind == CREATE:
            if key in new_names:
                return False  # twin of a customer created on this page: decide against it once it exists
            new_names.add(key)
            self.new.append((customer_from_qbo(self.ctx.organization, row), row))
            rep.count("created_here")
        elif decision.kind == LINK:
            assert decision.local_id is not None
            self._link(decision.local_id, row)
            rep.count("linked")
        else:
            ids = [c.id for c in decision.candidates]
            self.review_rows.append((row, ids, decision.reason))
            st.reviews[qid] = "open"
            st.review_blocked.update(ids)
            rep.count("needs_review")
        return True

    def _link(self, local_id: int, row: dict[str, Any]) -> None:
        self.writes.link(local_id, row)
        self.st.index.take(local_id)
        self.st.qbo_to_local[str(row["Id"])] = local_id

    def create_new(self) -> None:
        Customer.objects.bulk_create([c for c, _ in self.new], batch_size=500)
        for customer, row in self.new:
            self.st.index.add(Local(customer.pk, customer.display_name, customer.email))
            self._link(customer.pk, row)
        self.new = []

    def save(self, rows: int) -> None:
        cards = local_cards([i for _, ids, _ in self.review_rows for i in ids])
        for row, ids, reason in self.review_rows:
            self.writes.review(row, qbo_customer_card(row), [cards[i] for i in ids if i in cards], reason)
        self.writes.save("customers", rows)


def customers_step(ctx: Ctx, st: CustomerState) -> None:
    """One step of the customer phase: the COUNT, or the next page (decided and committed with the cursor)."""
    ctx.reporter.doing = "reading customers"
    if "start" not in ctx.cursor:
        phase_count(ctx, "customers", "Customer", TOP_LEVEL)
        return
    rows, last = next_page(ctx, "Customer", TOP_LEVEL)
    with transaction.atomic():
        page = _Page(ctx, st)
        pending = rows
        while pending:
            new_names: set[str] = set()
            pending = [row for row in pending if not page.row(row, new_names)]
            page.create_new()
        page_read(ctx, last)
        if last:
            ctx.reporter.finish("customers")
            # Intents nobody claimed: those creates never reached QBO (the process died before sending).
            ImportIntent.objects.filter(connection=ctx.connection, object_type=ObjectType.CUSTOMER).delete()
            st.intents.clear()
        page.save(len(rows))
        names_save(ctx, st.qbo_names)
