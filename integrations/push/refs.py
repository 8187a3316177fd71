"""The mapping row written after QuickBooks accepted our write: one path for a single push and a batch.

Each write records QBO's Id and SyncToken, the hash of what we sent, that the record exists in QBO again,
and (customers and items) QBO's returned record as the base of the next field-by-field merge."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.merge.remote import remember_pushed, remember_pushed_many
from integrations.models import ExternalRef, QuickBooksConnection
from integrations.push.currency import currency_of

REF_FIELDS = ["qbo_id", "sync_token", "last_payload_hash", "last_synced_at", "deleted_in_qbo", "qbo_currency"]


def payload_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _fields(entity: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return {"qbo_id": str(entity["Id"]), "sync_token": str(entity.get("SyncToken", "")),
            "last_payload_hash": payload_hash(body), "last_synced_at": timezone.now(), "deleted_in_qbo": False,
            "qbo_currency": currency_of(entity)}


def ref_save(*, connection: QuickBooksConnection, object_type: str, local_id: int, entity: dict[str, Any],
             body: dict[str, Any], extra: dict[str, Any] | None = None) -> ExternalRef:
    key = {"connection": connection, "object_type": object_type, "local_id": local_id}
    fields = {**_fields(entity, body), **(extra or {})}
    # update_or_create's work in fewer statements: it reads the row (locked), then updates it or creates
    # it in a savepoint; the first push of a record (the usual case) needs only the UPDATE that finds no
    # row and the INSERT.
    if ExternalRef.objects.filter(**key).update(**fields):
        ref = ExternalRef.objects.get(**key)
    else:
        try:
            with transaction.atomic():
                ref = ExternalRef.objects.create(**key, **fields)
        except IntegrityError:  # a concurrent writer mapped it a moment ago: ours is the newer write
            ExternalRef.objects.filter(**key).update(**fields)
            ref = ExternalRef.objects.get(**key)
    remember_pushed(ref, entity)  # QBO's record right after our write: what both sides now agree on
    return ref


def refs_save_created(*, connection_id: int, object_type: str,
                      created: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]]) -> list[ExternalRef]:
    """A batch's created records at once: (local_id, QBO's record, the body sent, extra fields) each.
    Raises IntegrityError (nothing written) when a mapping clashes with another row."""
    extra_fields = sorted({key for *_, extra in created for key in extra})
    refs = [ExternalRef(connection_id=connection_id, object_type=object_type, local_id=local_id,
                        **_fields(entity, body), **extra)
            for local_id, entity, body, extra in created]
    ExternalRef.objects.bulk_create(refs, update_conflicts=True,
                                    unique_fields=["connection", "object_type", "local_id"],
                                    update_fields=REF_FIELDS + extra_fields)
    saved = {r.local_id: r for r in ExternalRef.objects.filter(
        connection_id=connection_id, object_type=object_type, local_id__in=[c[0] for c in created])}
    remember_pushed_many([(saved[local_id], entity) for local_id, entity, _, _ in created])
    return list(saved.values())
