"""Customer → QBO Customer."""

from __future__ import annotations

from typing import Any

from customers.models import Customer
from integrations.merge.remote import customer_merge_remote
from integrations.models import ExternalRef, ObjectType, QuickBooksConnection, RemoteState
from integrations.push.currency import home_currency_ref
from integrations.push.handlers.base import (
    Need,
    PushContext,
    PushResult,
    create_or_adopt,
    update_mapped,
    update_with_retry,
)
from integrations.qbo.errors import QboDuplicateName
from integrations.qbo.names import is_sync_rename, qbo_name

DUPLICATE_HINT = ("A customer, vendor or employee in QuickBooks already uses this name — rename the customer "
                  "here, or link it to the QuickBooks record.")


def customer_payload(customer: Customer) -> dict[str, Any]:
    body: dict[str, Any] = {
        "DisplayName": qbo_name(customer.display_name, 500),
        "CompanyName": customer.company_name[:100],
        "GivenName": qbo_name(customer.given_name, 100),
        "FamilyName": qbo_name(customer.family_name, 100),
        "Notes": customer.notes[:2000],
        "Active": customer.is_active,
        "BillAddr": {
            "Line1": customer.billing_line1, "Line2": customer.billing_line2, "City": customer.billing_city,
            "CountrySubDivisionCode": customer.billing_region, "PostalCode": customer.billing_postal_code,
            "Country": customer.billing_country,
        },
    }
    if customer.email:
        body["PrimaryEmailAddr"] = {"Address": customer.email}
    if customer.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": customer.phone[:30]}
    return body


def customer_create_payload(connection: QuickBooksConnection, customer: Customer) -> dict[str, Any]:
    """What a new QBO customer is created with: in a multicurrency company, in the home currency (a
    customer's currency is fixed once set, so it is sent on create only, never on an update)."""
    return {**customer_payload(customer), **home_currency_ref(connection)}


def _same_person(ours: Customer, theirs: dict[str, Any]) -> bool:
    their_email = (theirs.get("PrimaryEmailAddr") or {}).get("Address", "").strip().lower()
    our_email = ours.email.strip().lower()
    return bool(our_email and their_email and our_email == their_email)


def _find(ctx: PushContext, name: str) -> dict[str, Any] | None:
    rows = ctx.client.find_by("Customer", "DisplayName", name, include_inactive=True)
    return rows[0] if len(rows) == 1 else None


def _merged(ctx: PushContext, ref: ExternalRef, customer: Customer, current: dict[str, Any]) -> dict[str, Any]:
    # Both sides edited the customer since the last sync: merge QBO's edits in (newest wins per field) first.
    return customer_payload(customer_merge_remote(connection=ctx.connection, ref=ref, customer=customer,
                                                  entity=current))


def push_customer(ctx: PushContext) -> PushResult:
    customer = ctx.load(Customer.objects.all())
    body = customer_payload(customer)
    ref = ctx.ref(ObjectType.CUSTOMER, customer.pk)
    if ref is not None:
        # The bookkeeper made it inactive in QBO (flagged by the inbound sync): an edit made here must
        # not silently bring it back, whether or not the push has to merge QBO's edits first.
        keep_inactive = RemoteState.objects.filter(ref=ref, inactive_in_qbo=True).exists()
        mapped = ref  # a name the closures keep as ExternalRef (not Optional)

        def shaped(payload: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in payload.items() if not (keep_inactive and k == "Active")}

        def merged(current: dict[str, Any]) -> dict[str, Any]:
            return shaped(_merged(ctx, mapped, customer, current))

        try:
            return update_mapped(ctx, "Customer", ObjectType.CUSTOMER, ref, shaped(body), merged)
        except QboDuplicateName:
            # 6240: the plain name is held by another record (a vendor, an inactive customer). If QBO holds
            # this customer under the "Name (2)" the sync gave it on purpose, keep that name and send the rest.
            kept = str(ctx.client.get("Customer", ref.qbo_id).get("DisplayName") or "")
            if not is_sync_rename(body["DisplayName"], kept):
                raise
            body = {**body, "DisplayName": kept}
            return update_mapped(ctx, "Customer", ObjectType.CUSTOMER, ref, shaped(body), merged)
    try:
        entity, adopted = create_or_adopt(ctx, "Customer", customer_create_payload(ctx.connection, customer),
                                          lambda: _find(ctx, body["DisplayName"]),
                                          request_id=f"{ctx.job.request_id}")
    except QboDuplicateName as exc:
        # QBO quirk: DisplayName is unique across customers, vendors and employees, inactive ones too.
        existing = _find(ctx, body["DisplayName"])
        if existing is None or not _same_person(customer, existing):
            exc.message = f"{exc.message}. {DUPLICATE_HINT}"
            raise
        entity, adopted = existing, True
    if adopted:
        ref = ctx.save_ref(ObjectType.CUSTOMER, customer.pk, entity, {})
        entity = update_with_retry(ctx, "Customer", ref, body)  # make QBO match our current data
    ctx.save_ref(ObjectType.CUSTOMER, customer.pk, entity, body)
    return PushResult(qbo_id=str(entity["Id"]), operation="link" if adopted else "create")


def customer_need(customer: Customer) -> Need:
    """The customer an invoice or payment needs in QBO first."""
    return Need(ObjectType.CUSTOMER, customer.pk, f"customer “{customer.display_name}”")
