"""The one path every QBO change takes here, whether a webhook or the CDC sweep found it:
preference check → newer than what we have? → our own echo? → apply per entity."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError, transaction

from integrations.inbound.apply.customers import apply_customer, customer_merged, echo_customer
from integrations.inbound.apply.invoices import apply_invoice
from integrations.inbound.apply.items import apply_item, echo_item
from integrations.inbound.apply.payments import apply_payment
from integrations.inbound.common import ENTITIES, OBJECT_TYPE, entity_enabled, token_int
from integrations.merge.change import Change
from integrations.merge.context import ApplyContext, ref_synced
from integrations.models import ExternalRef, QuickBooksConnection, RemoteVersion, SyncPreferences
from integrations.selectors import preferences_for

log = logging.getLogger(__name__)
CHUNK = 50
FAILED_PREFIX = "failed: "
NOT_NEWER_PREFIX = "not newer"
Applier = Callable[[ApplyContext, Change], str]
APPLIERS: dict[str, Applier] = {"Item": apply_item, "Customer": apply_customer, "Invoice": apply_invoice,
                                "Payment": apply_payment}
ECHOES: dict[str, Callable[[ExternalRef, Change], None]] = {"Item": echo_item, "Customer": echo_customer}


def change_apply(*, connection: QuickBooksConnection, change: Change, prefs: SyncPreferences | None = None,
                 ctx: ApplyContext | None = None) -> str:
    """Apply one change if it is newer than what we have. Returns what happened, in a few words."""
    ctx = ctx or ApplyContext(connection=connection, prefs=prefs or preferences_for(organization=connection.organization))
    if change.entity not in APPLIERS:
        return f"{change.entity} changes are not followed"
    if not entity_enabled(ctx.prefs, change.entity):
        return "skipped: this kind of record does not sync (preferences)"
    with transaction.atomic():
        merge_note = _merge_extra(ctx, change)
        version = _locked_version(connection, change)
        outcome = _not_newer(version, change) or _echo(ctx, change) or APPLIERS[change.entity](ctx, change)
        _remember(version, change)
    return f"{merge_note}; {outcome}" if merge_note else outcome


def changes_apply(*, connection: QuickBooksConnection, changes: list[Change],
                  prefs: SyncPreferences | None = None) -> list[str]:
    """Apply a batch (a CDC page, a claim of webhook events), sharing the lookups and committing per chunk.
    Each change has its own savepoint: one that fails (a bug, odd data) is rolled back and reported, and
    does not stop the others or, for the sweep, hold the cursor back forever. Outcomes come back in the
    order of `changes`; they are applied names first, then in the order QBO changed them (a payment
    deleted before another was taken must be reversed first)."""
    ctx = ApplyContext(connection=connection, prefs=prefs or preferences_for(organization=connection.organization))
    order = sorted(range(len(changes)), key=lambda i: _apply_order(changes[i]))
    outcomes: list[str] = [""] * len(changes)
    for start in range(0, len(order), CHUNK):
        chunk = order[start:start + CHUNK]
        for entity in {changes[i].entity for i in chunk if changes[i].entity in OBJECT_TYPE}:
            ctx.preload(OBJECT_TYPE[entity], [changes[i].qbo_id for i in chunk if changes[i].entity == entity])
        with transaction.atomic():
            for i in chunk:
                outcomes[i] = _apply_guarded(ctx, changes[i])
    return outcomes


def _apply_order(change: Change) -> tuple[int, float, int, str]:
    stamp = change.updated_at.timestamp() if change.updated_at else 0.0
    rank = ENTITIES.index(change.entity) if change.entity in ENTITIES else len(ENTITIES)
    return rank, stamp, len(change.qbo_id), change.qbo_id


def _apply_guarded(ctx: ApplyContext, change: Change) -> str:
    for attempt in (1, 2):
        try:
            return change_apply(connection=ctx.connection, change=change, ctx=ctx)
        except OperationalError as exc:  # a lock wait or deadlock with another worker: once more
            ctx.forget(OBJECT_TYPE.get(change.entity, ""), change.qbo_id)
            if attempt == 2:
                log.exception("inbound change %s %s failed twice", change.entity, change.qbo_id)
                return _failed(exc)
        except Exception as exc:
            log.exception("inbound change %s %s failed", change.entity, change.qbo_id)
            ctx.forget(OBJECT_TYPE.get(change.entity, ""), change.qbo_id)
            return _failed(exc)
    raise AssertionError("unreachable")


def _failed(exc: Exception) -> str:
    return f"{FAILED_PREFIX}{type(exc).__name__}: {exc}"[:500]


def _merge_extra(ctx: ApplyContext, change: Change) -> str:
    # A merge says which customer disappeared into this one; the survivor itself may not have changed.
    source = str(change.extra.get("deletedId") or "")
    if change.entity == "Customer" and source:
        return customer_merged(ctx, source_qbo_id=source, target_qbo_id=change.qbo_id)
    return ""


def _locked_version(connection: QuickBooksConnection, change: Change) -> RemoteVersion:
    """The row lock serializes two workers applying the same QBO entity at once."""
    version = (RemoteVersion.objects.select_for_update()
               .filter(connection=connection, entity=change.entity, qbo_id=change.qbo_id).first())
    if version is None:
        version, _ = RemoteVersion.objects.get_or_create(connection=connection, entity=change.entity,
                                                         qbo_id=change.qbo_id)
    return version


def _not_newer(version: RemoteVersion, change: Change) -> str:
    if version.deleted:
        return "already gone from QuickBooks"
    if change.deleted:
        return ""
    have, theirs = token_int(version.sync_token), token_int(change.sync_token)
    if have is not None and theirs is not None and theirs <= have:
        return f"{NOT_NEWER_PREFIX} than version {have} already applied"
    return ""


def _echo(ctx: ApplyContext, change: Change) -> str:
    """Our own push coming back: QBO's SyncToken is the one our write got."""
    object_type = OBJECT_TYPE[change.entity]
    ref = ctx.ref(object_type, change.qbo_id)
    if ref is None or change.deleted or not ref.sync_token or ref.sync_token != change.sync_token:
        return ""
    echo = ECHOES.get(change.entity)
    if echo is not None:
        echo(ref, change)
    ref_synced(ref, change)
    return "echo of our own change: ignored"


def _remember(version: RemoteVersion, change: Change) -> None:
    version.deleted = change.deleted
    if change.sync_token:
        version.sync_token = change.sync_token
    version.save(update_fields=["deleted", "sync_token", "updated_at"])
