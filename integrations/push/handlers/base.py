"""Shared push mechanics: the job's context (its object, mappings, what it needs first), create-or-adopt with
a stable requestid, stale SyncToken retry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet

from integrations.models import ExternalRef, QuickBooksConnection, SyncJob
from integrations.push.refs import ref_save
from integrations.qbo.client import QboClient
from integrations.qbo.errors import QboDependencyPending, QboNotFound, QboStale, QboValidation

M = TypeVar("M", bound=Model)

def _foreign(model: type[Model], pk: int) -> QboValidation:
    return QboValidation(f"{str(model._meta.verbose_name).capitalize()} {pk} belongs to another organization; "
                         "nothing was sent to QuickBooks.", code="foreign-object")


@dataclass(frozen=True)
class Need:
    """A record this push needs in QBO first (an invoice's customer and items, a payment's invoice). The
    runner pushes each unmapped one through its own outbox row before the handler runs."""

    object_type: str
    local_id: int
    label: str


@dataclass
class PushResult:
    qbo_id: str
    operation: str
    notes: list[str] = field(default_factory=list)


@dataclass
class PushContext:
    client: QboClient
    connection: QuickBooksConnection
    job: SyncJob
    local_id: int
    notes: list[str] = field(default_factory=list)
    # The job's object and what the handler derived from it, read once for its needs and its push.
    memo: dict[str, Any] = field(default_factory=dict)
    # QBO ids of the needs found mapped, by (object type, local id); a batch's jobs share one.
    mapped: dict[tuple[str, int], str] = field(default_factory=dict)
    # The currency QBO holds each mapped need in (ExternalRef.qbo_currency; customers), read with `mapped`.
    currencies: dict[tuple[str, int], str] = field(default_factory=dict)
    # What every job reads alike from the connection's rows (its tax-code mappings), read once; a batch's
    # jobs share one, so a batch of items reads the mappings once, not once per item.
    shared: dict[str, Any] = field(default_factory=dict)

    def load(self, queryset: QuerySet[M]) -> M:
        """The job's object, looked up only among the rows of the organization that owns the job's
        connection: a pk of another tenant's row must never reach this company's books."""
        model = queryset.model
        key = f"object:{model._meta.label}"
        if key in self.memo:
            return self.memo[key]
        try:
            self.memo[key] = queryset.filter(organization_id=self.connection.organization_id).get(pk=self.local_id)
            return self.memo[key]
        except ObjectDoesNotExist:
            if model._default_manager.filter(pk=self.local_id).exists():
                raise _foreign(model, self.local_id) from None
            raise

    def preload(self, obj: Model) -> None:
        """The job's object, already read among the connection's organization's rows (a batch reads its
        jobs' objects in one query): `load` then returns it."""
        assert obj.organization_id == self.connection.organization_id  # type: ignore[attr-defined]
        self.memo[f"object:{obj._meta.label}"] = obj

    def check_own(self, obj: Model) -> None:
        """Refuse a related row (an invoice line's product) of another organization than the connection's."""
        if obj.organization_id != self.connection.organization_id:  # type: ignore[attr-defined]
            raise _foreign(type(obj), obj.pk)

    def ref(self, object_type: str, local_id: int) -> ExternalRef | None:
        return ExternalRef.objects.filter(connection=self.connection, object_type=object_type,
                                          local_id=local_id).first()

    def need_qbo_id(self, need: Need) -> str | None:
        """The QBO id a need is mapped to, or None. A mapping found is kept for the rest of the job (the
        needs check and the payload both ask, once per line for an item): a record mapped a moment ago is
        still mapped now. An unmapped need is asked again, since the runner may have pushed it since."""
        key = (need.object_type, need.local_id)
        if key not in self.mapped:
            ref = self.ref(need.object_type, need.local_id)
            if ref is None:
                return None
            self.mapped[key] = ref.qbo_id
            self.currencies[key] = ref.qbo_currency
        return self.mapped[key]

    def needs_lookup(self, needs: Iterable[Need]) -> None:
        """Find the mappings of all `needs` in one query instead of one per need (`need_qbo_id` then
        answers from them)."""
        wanted: dict[str, set[int]] = {}
        for need in needs:
            if (need.object_type, need.local_id) not in self.mapped:
                wanted.setdefault(need.object_type, set()).add(need.local_id)
        if not wanted:
            return
        which = Q()
        for object_type, ids in wanted.items():
            which |= Q(object_type=object_type, local_id__in=ids)
        rows = ExternalRef.objects.filter(which, connection=self.connection)
        for object_type, local_id, qbo_id, currency in rows.values_list("object_type", "local_id", "qbo_id",
                                                                        "qbo_currency"):
            self.mapped[(object_type, local_id)] = qbo_id
            self.currencies[(object_type, local_id)] = currency

    def mapped_id(self, need: Need) -> str:
        """The QBO id of a record the runner pushed before this handler ran. Unmapped only when its own
        job lost a race since (another worker holds it): wait for it like any dependency."""
        qbo_id = self.need_qbo_id(need)
        if qbo_id is None:
            raise QboDependencyPending(f"Waiting for the {need.label} to reach QuickBooks first.")
        return qbo_id

    def mapped_currency(self, need: Need) -> str:
        """The currency QBO holds a mapped need in ("" = unknown); asked after `mapped_id`."""
        self.mapped_id(need)
        return self.currencies.get((need.object_type, need.local_id), "")

    def save_ref(self, object_type: str, local_id: int, entity: dict[str, Any], body: dict[str, Any]) -> ExternalRef:
        return ref_save(connection=self.connection, object_type=object_type, local_id=local_id, entity=entity,
                        body=body)


def update_with_retry(ctx: PushContext, entity: str, ref: ExternalRef, body: dict[str, Any], *,
                      on_stale: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Sparse update with the mapped SyncToken; on 5010 re-read the token and try once more.
    `on_stale(current)` returns the body to send instead: QBO changed too, so its edits are merged first."""
    if ref.deleted_in_qbo:
        raise QboNotFound(f"This record was deleted in QuickBooks (Id {ref.qbo_id}); it is not re-created silently.")
    sparse = {**body, "Id": ref.qbo_id, "SyncToken": ref.sync_token, "sparse": True}
    try:
        return ctx.client.update(entity, sparse)
    except QboStale:
        current = ctx.client.get(entity, ref.qbo_id)
        if on_stale is not None:
            sparse = {**on_stale(current), "Id": ref.qbo_id, "sparse": True}
        sparse["SyncToken"] = str(current["SyncToken"])
        return ctx.client.update(entity, sparse)


def update_mapped(ctx: PushContext, entity: str, object_type: str, ref: ExternalRef, body: dict[str, Any],
                  merge: Callable[[dict[str, Any]], dict[str, Any]]) -> PushResult:
    """Update a record already in QBO. A person's push ("push ours") sends ours as is; an automatic one
    merges QBO's own edits first when the SyncToken turns out stale (both sides changed)."""
    on_stale = None if getattr(ctx.job, "requested_by_person", False) else merge
    result = update_with_retry(ctx, entity, ref, body, on_stale=on_stale)
    ctx.save_ref(object_type, ctx.local_id, result, body)
    return PushResult(qbo_id=ref.qbo_id, operation="update")


def create_or_adopt(ctx: PushContext, entity: str, body: dict[str, Any],
                    find_existing: Callable[[], dict[str, Any] | None], *, request_id: str) -> tuple[dict[str, Any], bool]:
    """Create once. After an outcome we could not see, look the record up by its natural key first
    (requestid retention at QBO is undocumented, so it is a second line of defence, not the only one)."""
    if ctx.job.outcome_unknown:
        found = find_existing()
        if found is not None:
            return found, True
    return ctx.client.create(entity, body, request_id=request_id), False
