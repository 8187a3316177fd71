"""QBO Customer → Customer: contact fields merge field by field; made inactive, merged away or deleted in
QuickBooks is flagged on the customer (shown on its page), never deleted or deactivated here."""

from __future__ import annotations

from customers.models import Customer
from integrations.inbound.apply.following import merge_and_follow
from integrations.merge.change import Change
from integrations.merge.context import ApplyContext, remote_state
from integrations.merge.fields import echo_seen
from integrations.merge.rules import flag
from integrations.merge.specs import CUSTOMER_FIELDS, customer_label
from integrations.models import ExternalRef, ObjectType


def apply_customer(ctx: ApplyContext, change: Change) -> str:
    ref = ctx.ref(ObjectType.CUSTOMER, change.qbo_id)
    if ref is None:
        return "customer not linked here: ignored"
    if change.deleted:
        return _gone(ctx, ref)
    customer = Customer.objects.select_for_update().filter(pk=ref.local_id, organization=ctx.organization).first()
    if customer is None:
        return "linked customer no longer exists here"
    customer.organization = ctx.organization  # the same row: saves a query per use
    _flag_inactive(ctx, ref, inactive=flag(change.data.get("Active", True)) == "false")
    result = merge_and_follow(ctx, ref=ref, obj=customer, specs=CUSTOMER_FIELDS, change=change,
                              label=customer_label(customer))
    taken = f"took {', '.join(sorted(result.take))}" if result.take else "no field changed"
    return f"{taken}; {len(result.conflicts)} conflict(s)" if result.conflicts else taken


def echo_customer(ref: ExternalRef, change: Change) -> None:
    echo_seen(ref, CUSTOMER_FIELDS, change)


def _flag_inactive(ctx: ApplyContext, ref: ExternalRef, *, inactive: bool) -> None:
    state = remote_state(ref)
    if state.inactive_in_qbo != inactive:
        state.inactive_in_qbo = inactive
        state.flagged_at = ctx.now if inactive else None
        state.save(update_fields=["inactive_in_qbo", "flagged_at", "updated_at"])


def _gone(ctx: ApplyContext, ref: ExternalRef) -> str:
    if not ref.deleted_in_qbo:
        ExternalRef.objects.filter(pk=ref.pk).update(deleted_in_qbo=True)
        state = remote_state(ref)
        state.flagged_at = ctx.now
        state.save(update_fields=["flagged_at", "updated_at"])
    return "customer gone from QuickBooks (merged or deleted): flagged"


def customer_merged(ctx: ApplyContext, *, source_qbo_id: str, target_qbo_id: str) -> str:
    """QBO merged customer `source` into `target`: the source's customer here is flagged with where it went."""
    ref = ctx.ref(ObjectType.CUSTOMER, source_qbo_id)
    if ref is None:
        return "merged customer not linked here"
    _gone(ctx, ref)
    state = remote_state(ref)
    state.merged_into_qbo_id = target_qbo_id
    state.save(update_fields=["merged_into_qbo_id", "updated_at"])
    return f"customer merged into QuickBooks customer {target_qbo_id}: flagged"

