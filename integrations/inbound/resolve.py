"""“Take theirs” for one mapped record: read it from QBO now and make ours match, whatever the merge rules
would say (a person decided). The other direction, “push ours”, is an ordinary push request."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import Customer
from integrations.inbound.apply.invoices import apply_invoice
from integrations.inbound.apply.payments import apply_payment, payment_refs_of
from integrations.inbound.fetch import fetch_one
from integrations.merge.change import Change
from integrations.merge.context import ApplyContext
from integrations.merge.fields import commit, take_all
from integrations.merge.specs import CUSTOMER_FIELDS, ITEM_FIELDS, refusal_for
from integrations.models import ExternalRef, ObjectType, QuickBooksConnection, RemoteVersion
from integrations.qbo.client import QboClient
from integrations.qbo.tokens import client_for
from integrations.selectors import preferences_for
from invoicing.models import Invoice, Product

ENTITY_OF: dict[str, str] = {ObjectType.CUSTOMER: "Customer", ObjectType.ITEM: "Item", ObjectType.INVOICE: "Invoice"}


def ref_take_theirs(*, ref: ExternalRef) -> str:
    entity = ENTITY_OF.get(ref.object_type)
    if entity is None:
        raise ValidationError("Only customers, products and invoices can take QuickBooks' version.")
    connection = ref.connection
    client = client_for(connection)
    change = Change(entity=entity, qbo_id=ref.qbo_id, data=fetch_one(client, entity, ref.qbo_id))
    ctx = ApplyContext(connection=connection, prefs=preferences_for(organization=connection.organization))
    with transaction.atomic():
        if change.deleted:
            return apply_invoice(ctx, change) if entity == "Invoice" else _gone(ref)
        if entity == "Invoice":
            return _invoice(ctx, client, ref, change)
        model, specs = (Product, ITEM_FIELDS) if entity == "Item" else (Customer, CUSTOMER_FIELDS)
        obj = model.objects.select_for_update().get(pk=ref.local_id)
        result = take_all(specs=specs, obj=obj, change=change)
        refuse = refusal_for(obj) if isinstance(obj, Product) else None  # the "Item" branch
        commit(ctx, ref=ref, obj=obj, specs=specs, change=change, label=str(obj), refuse=refuse, result=result)
        _seen(connection, change)
    return f"took {', '.join(sorted(result.take))}" if result.take else "already the same"


def _gone(ref: ExternalRef) -> str:
    ExternalRef.objects.filter(pk=ref.pk).update(deleted_in_qbo=True)
    return "gone from QuickBooks: marked"


def _invoice(ctx: ApplyContext, client: QboClient, ref: ExternalRef, change: Change) -> str:
    """Balance and status follow QBO's payments: re-apply every payment QBO links to this invoice, and the
    ones recorded here from QBO that no longer are linked."""
    linked = {str(t.get("TxnId")) for t in change.data.get("LinkedTxn") or [] if t.get("TxnType") == "Payment"}
    invoice = Invoice.objects.get(pk=ref.local_id)
    recorded = {r.qbo_id.split(":", 1)[0] for r in payment_refs_of(ctx, invoice)}
    notes = [apply_invoice(ctx, change)]
    for payment_id in sorted(linked | recorded):
        payment = Change(entity="Payment", qbo_id=payment_id, data=fetch_one(client, "Payment", payment_id))
        notes.append(apply_payment(ctx, payment))
        _seen(ctx.connection, payment)
    _seen(ctx.connection, change)
    return "; ".join(n for n in notes if n)


def _seen(connection: QuickBooksConnection, change: Change) -> None:
    """What we just applied is the version we have now (later, older deliveries change nothing)."""
    RemoteVersion.objects.update_or_create(connection=connection, entity=change.entity, qbo_id=change.qbo_id,
                                           defaults={"sync_token": change.sync_token, "deleted": change.deleted})
