"""Helpers for the push-queue UI and API tests: an organization whose QuickBooks link exists only in the
database (the pages read rows, they never call QBO), jobs and mappings in any state, and a small HTML
reader for elements marked with data-testid."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from django.db.models import Model
from django.utils import timezone

from accounts.models import Organization
from integrations.models import ConnectionStatus, ExternalRef, JobState, ObjectType, QuickBooksConnection, SyncJob
from invoicing.models import Invoice

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def db_connection(organization: Organization, *, realm_id: str = "9130-0000-UI",
                  status: str = ConnectionStatus.CONNECTED) -> QuickBooksConnection:
    now = timezone.now()
    return QuickBooksConnection.objects.create(
        organization=organization, realm_id=realm_id, environment="simulator", company_name="Ledger Co",
        status=status, access_token="not-used", refresh_token="not-used",
        access_token_expires_at=now + timedelta(hours=1), refresh_token_expires_at=now + timedelta(days=100),
        connected_at=now,
    )


def set_status(invoice: Invoice, status: str) -> Invoice:
    """Put an invoice in a status without the lifecycle (and so without the push triggers)."""
    Invoice.objects.filter(pk=invoice.pk).update(status=status)
    invoice.refresh_from_db()
    return invoice


def add_job(connection: QuickBooksConnection, obj: Model, state: str, *, object_type: str = ObjectType.INVOICE,
            **fields: Any) -> SyncJob:
    fields.setdefault("next_attempt_at", timezone.now())
    return SyncJob.objects.create(connection=connection, object_type=object_type, local_id=obj.pk, state=state,
                                  **fields)


def add_ref(connection: QuickBooksConnection, obj: Model, qbo_id: str, *,
            object_type: str = ObjectType.INVOICE) -> ExternalRef:
    return ExternalRef.objects.create(connection=connection, object_type=object_type, local_id=obj.pk,
                                      qbo_id=qbo_id, sync_token="0", last_synced_at=timezone.now())


def open_job(obj: Model, object_type: str = ObjectType.INVOICE) -> SyncJob:
    return SyncJob.objects.exclude(state=JobState.DONE).get(object_type=object_type, local_id=obj.pk)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    @property
    def disabled(self) -> bool:
        return "disabled" in self.attrs


class _Finder(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.found: list[Element] = []
        self.open: list[list[Any]] = []  # [element, depth] pairs, the depth counted in place

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag not in VOID_TAGS:
            for record in self.open:
                record[1] += 1
        if values.get("data-testid") == self.testid:
            element = Element(tag, values)
            self.found.append(element)
            if tag not in VOID_TAGS:
                self.open.append([element, 1])

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        for record in self.open:
            record[1] -= 1
        self.open = [record for record in self.open if record[1] > 0]

    def handle_data(self, data: str) -> None:
        for element, _ in self.open:
            element.parts.append(data)


def by_testid(html: bytes | str, testid: str) -> list[Element]:
    finder = _Finder(testid)
    finder.feed(html.decode() if isinstance(html, bytes) else html)
    return finder.found


def one(html: bytes | str, testid: str) -> Element:
    found = by_testid(html, testid)
    assert len(found) == 1, f"expected one [data-testid={testid}], found {len(found)}"
    return found[0]
