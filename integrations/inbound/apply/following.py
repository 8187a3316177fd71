"""The inbound side's use of the shared merge: apply QBO's record, then follow the merge's verdict."""

from __future__ import annotations

from customers.models import Customer
from integrations.merge.change import Change
from integrations.merge.context import ApplyContext
from integrations.merge.fields import Refusal, merge_into
from integrations.merge.rules import FieldSpec, MergeResult
from integrations.models import ExternalRef
from integrations.push.enqueue import sync_enqueue
from invoicing.models import Product


def merge_and_follow(ctx: ApplyContext, *, ref: ExternalRef, obj: Customer | Product, specs: list[FieldSpec],
                     change: Change, label: str, refuse: Refusal | None = None) -> MergeResult:
    """Merge QBO's change into `obj`; when ours won somewhere, QuickBooks must get it: an ordinary push,
    coalesced with any pending one (the merge only says so; queueing is the inbound side's decision)."""
    result = merge_into(ctx, ref=ref, obj=obj, specs=specs, change=change, label=label, refuse=refuse)
    if result.push_needed:
        sync_enqueue(organization=ctx.organization, obj=obj)
    return result
