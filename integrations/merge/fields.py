"""Applying a merge to a local record: the shared part of items and customers. Saves what QuickBooks wins
(never pushed back); whether ours must be pushed is the caller's decision (`MergeResult.push_needed`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import models

from integrations.merge.change import Change
from integrations.merge.context import ApplyContext, ref_synced, remote_state
from integrations.merge.rules import FieldSpec, MergeResult, merge
from integrations.models import ConflictWinner, ExternalRef
from integrations.suppress import sync_suppressed

# Refuses a value QBO has that cannot be stored here (a name another product uses...): returns why.
Refusal = Callable[[FieldSpec, str], str | None]


def merge_into(ctx: ApplyContext, *, ref: ExternalRef, obj: models.Model, specs: list[FieldSpec], change: Change,
               label: str, refuse: Refusal | None = None) -> MergeResult:
    """Merge QBO's record into `obj` field by field, save what QuickBooks wins without pushing it back, log
    conflicts, and remember the agreed base. `push_needed` on the result: ours won somewhere."""
    state = remote_state(ref)
    ours_at: datetime | None = getattr(obj, "updated_at", None)
    edited = ref.last_synced_at is None or (ours_at is not None and ours_at > ref.last_synced_at)
    result = merge(specs=specs, obj=obj, entity=change.data, base=state.base or None, edited_since_sync=edited,
                   ours_at=ours_at, theirs_at=change.updated_at)
    commit(ctx, ref=ref, obj=obj, specs=specs, change=change, label=label, refuse=refuse, result=result)
    return result


def take_all(*, specs: list[FieldSpec], obj: models.Model, change: Change) -> MergeResult:
    """A person chose QuickBooks' side: every differing field is taken."""
    remote = {spec.name: spec.theirs(change.data) for spec in specs}
    take = {spec.name: remote[spec.name] for spec in specs if spec.ours(obj) != remote[spec.name]}
    return MergeResult(merged=dict(remote), remote=remote, take=take)


def commit(ctx: ApplyContext, *, ref: ExternalRef, obj: models.Model, specs: list[FieldSpec], change: Change,
           label: str, refuse: Refusal | None, result: MergeResult) -> None:
    state = remote_state(ref)
    ours_at: datetime | None = getattr(obj, "updated_at", None)
    _refuse_unstorable(ctx, result, specs, refuse, obj=obj, label=label, ref=ref)
    by_name = {spec.name: spec for spec in specs}
    if result.take:
        for name, value in result.take.items():
            setattr(obj, name, by_name[name].to_local(value))
        with sync_suppressed():
            obj.save()
    for conflict in result.conflicts:
        ctx.conflict(object_type=ref.object_type, local_id=obj.pk, qbo_id=ref.qbo_id, label=label,
                     field_name=conflict.spec.label, ours=conflict.ours, theirs=conflict.theirs,
                     winner=ConflictWinner.OURS if conflict.winner == "ours" else ConflictWinner.THEIRS,
                     ours_at=ours_at, theirs_at=change.updated_at,
                     note="Changed on both sides since the last sync; the newer change was kept.")
    # The base is QBO's current state: a field we keep still counts as changed here until it is pushed.
    state.base, state.remote_updated_at = result.remote, change.updated_at
    state.save(update_fields=["base", "remote_updated_at", "updated_at"])
    ref_synced(ref, change)


def _refuse_unstorable(ctx: ApplyContext, result: MergeResult, specs: list[FieldSpec], refuse: Refusal | None, *,
                       obj: Any, label: str, ref: ExternalRef) -> None:
    for spec in specs:
        value = result.take.get(spec.name)
        if value is None:
            continue
        reason = refuse(spec, value) if refuse is not None else None
        if reason is None and spec.max_length is not None and len(value) > spec.max_length:
            reason = f"QuickBooks' value is longer than the {spec.max_length} characters kept here."
        if reason is None:
            continue
        del result.take[spec.name]
        result.merged[spec.name] = spec.ours(obj)
        ctx.conflict(object_type=ref.object_type, local_id=obj.pk, qbo_id=ref.qbo_id, label=label,
                     field_name=spec.label, ours=spec.ours(obj), theirs=value, winner=ConflictWinner.NONE,
                     note=reason)


def base_of(specs: list[FieldSpec], data: dict[str, Any]) -> dict[str, str]:
    """The merge base kept for a record: QBO's value of each field that merges."""
    return {spec.name: spec.theirs(data) for spec in specs}


def echo_seen(ref: ExternalRef, specs: list[FieldSpec], change: Change) -> None:
    """Our own push came back: QBO now holds what we sent, so that is the agreed base."""
    state = remote_state(ref)
    state.base = base_of(specs, change.data)
    state.remote_updated_at = change.updated_at
    state.save(update_fields=["base", "remote_updated_at", "updated_at"])
