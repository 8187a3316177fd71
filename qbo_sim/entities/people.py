"""Customer, Vendor and Employee: one DisplayName namespace (QBO 6240, inactive included)."""

from __future__ import annotations

from typing import Any

from .. import errors
from ..store import Company, Record
from .common import (
    NAME_PART_FIELDS,
    EntityType,
    WriteOpts,
    assign_address_ids,
    check_text,
    claim_name,
    index_name,
    resolve_ref,
    set_default,
)
from .currency import person_currency

PERSON_GROUP = "person"
PERSON_WHAT = "customer, vendor or employee"
_LIMITS = {"Title": 16, "Suffix": 16, "GivenName": 100, "MiddleName": 100, "FamilyName": 100,
           "CompanyName": 100, "PrintOnCheckName": 110, "DisplayName": 500, "Notes": 2000,
           "ResaleNum": 16}
_SPECIALS = ("DisplayName", *NAME_PART_FIELDS, "PrintOnCheckName")
MAX_JOB_LEVEL = 4


class Person(EntityType):
    name_list = True
    readonly_fields = frozenset({"FullyQualifiedName", "Level", "Balance", "BalanceWithJobs",
                                 "IsProject", "OpenBalanceDate"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = dict(body)
        if not d.get("DisplayName"):
            # QBO builds DisplayName from the name parts when it is absent.
            parts = [str(d[f]) for f in NAME_PART_FIELDS if d.get(f)]
            if not parts:
                raise errors.required("DisplayName")
            d["DisplayName"] = " ".join(parts)
        for field, limit in _LIMITS.items():
            check_text(d, field, limit, no_specials=field in _SPECIALS)
        for phone in ("PrimaryPhone", "AlternatePhone", "Mobile", "Fax"):
            if isinstance(d.get(phone), dict):
                check_text(d[phone], "FreeFormNumber", 30)
        if isinstance(d.get("WebAddr"), dict):
            check_text(d["WebAddr"], "URI", 1000)
        email = (d.get("PrimaryEmailAddr") or {}).get("Address")
        if email is not None and ("@" not in email or "." not in email):
            raise errors.validation("2040", "Invalid String",
                                    f"Invalid email address: {email}", "PrimaryEmailAddr.Address")
        claim_name(co, PERSON_GROUP, d["DisplayName"], self.name, old.id if old else None, PERSON_WHAT)
        set_default(d, "Active", True)
        set_default(d, "PrintOnCheckName", d["DisplayName"])
        d["CurrencyRef"] = person_currency(co, d, old)
        assign_address_ids(co, d, "BillAddr", "ShipAddr")
        return d

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        index_name(co, PERSON_GROUP, old.get("DisplayName") if old else None, rec.data["DisplayName"],
                   self.name, rec.id)


class CustomerType(Person):
    name = "Customer"
    internal_fields = frozenset({"IsProject"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = super().prepare(co, body, old, opts, ts)
        resolve_ref(co, d, "SalesTermRef", "Term")
        resolve_ref(co, d, "DefaultTaxCodeRef", "TaxCode")
        resolve_ref(co, d, "PaymentMethodRef", "PaymentMethod")
        parent = resolve_ref(co, d, "ParentRef", "Customer")
        if parent is not None:
            _check_parent(co, parent, old)
            d["Job"] = True
            d["Level"] = int(parent.data.get("Level", 0)) + 1
            d["FullyQualifiedName"] = f"{parent.data['FullyQualifiedName']}:{d['DisplayName']}"
            set_default(d, "BillWithParent", False)
        else:
            # QBO: Job/BillWithParent only mean something for sub-customers.
            d["Job"], d["Level"], d["BillWithParent"] = False, 0, False
            d["FullyQualifiedName"] = d["DisplayName"]
        if d["Level"] > MAX_JOB_LEVEL:
            raise errors.business("Sub-customers can be nested at most 4 levels deep", "ParentRef")
        old_data = old.data if old else {}
        # QBO: IsProject is read-only in v3; projects only come from the Projects API (seeded here).
        is_project = bool(opts.internal and body.get("IsProject")) or bool(old_data.get("IsProject"))
        d["IsProject"] = is_project and parent is not None
        set_default(d, "Taxable", False)
        set_default(d, "PreferredDeliveryMethod", "Print")
        d["Balance"] = old_data.get("Balance", 0.0)
        d["BalanceWithJobs"] = old_data.get("BalanceWithJobs", 0.0)
        return d

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        super().after_write(co, old, rec, ts)
        old_parent = ((old or {}).get("ParentRef") or {}).get("value")
        new_parent = (rec.data.get("ParentRef") or {}).get("value")
        if old_parent:
            co.children[old_parent].discard(rec.id)
        if new_parent:
            co.children[new_parent].add(rec.id)
        if old and old.get("FullyQualifiedName") != rec.data["FullyQualifiedName"]:
            refresh_children(co, rec)
        if old and old_parent != new_parent:
            refresh_balance(co, rec.id)
            if old_parent:
                refresh_balance(co, old_parent)


def _check_parent(co: Company, parent: Record, me: Record | None) -> None:
    cursor: Record | None = parent
    while cursor is not None and me is not None:
        if cursor.id == me.id:
            raise errors.business("A customer cannot be its own parent", "ParentRef")
        ref = cursor.data.get("ParentRef")
        cursor = co.get("Customer", ref["value"]) if ref else None


def refresh_children(co: Company, parent: Record) -> None:
    for child_id in list(co.children.get(parent.id, ())):
        child = co.records["Customer"][child_id]
        child.data["FullyQualifiedName"] = f"{parent.data['FullyQualifiedName']}:{child.data['DisplayName']}"
        child.data["ParentRef"]["name"] = parent.data["FullyQualifiedName"]
        child.touch()
        refresh_children(co, child)


def refresh_balance(co: Company, customer_id: str) -> None:
    """Recompute Balance/BalanceWithJobs up the parent chain.

    QBO changes a customer's balance when invoices and payments change without bumping the
    customer's SyncToken (it is not an edit of the customer)."""
    rec = co.get("Customer", customer_id)
    if rec is None:
        return
    own = 0.0
    for entity, ident in co.by_customer.get(customer_id, ()):
        txn = co.get(entity, ident)
        if txn is None or txn.deleted or txn.voided:
            continue
        if entity == "Invoice":
            own += txn.data.get("Balance", 0.0)
        elif entity == "CreditMemo":  # QBO: an unused credit lowers what the customer owes
            own -= txn.data.get("RemainingCredit", 0.0)
        else:
            own -= txn.data.get("UnappliedAmt", 0.0)
    with_jobs = own + sum(co.records["Customer"][child].data.get("BalanceWithJobs", 0.0)
                          for child in co.children.get(customer_id, ()))
    rec.data["Balance"], rec.data["BalanceWithJobs"] = round(own, 2), round(with_jobs, 2)
    rec.touch()
    parent = rec.data.get("ParentRef")
    if parent:
        refresh_balance(co, parent["value"])


class VendorType(Person):
    name = "Vendor"

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = super().prepare(co, body, old, opts, ts)
        resolve_ref(co, d, "TermRef", "Term")
        set_default(d, "Vendor1099", False)
        d["Balance"] = (old.data.get("Balance", 0.0) if old else 0.0)
        return d


class EmployeeType(Person):
    name = "Employee"
