"""Class, Department, TaxAgency, Deposit, Attachable, and the read-only stand-in for every
other v3 entity (queryable and readable; an empty company has none of them)."""

from __future__ import annotations

from typing import Any

from .. import clock, errors, schema
from ..store import Company, Record
from . import common
from .catalog import NamedType
from .common import USD, EntityType, WriteOpts, number, resolve_ref, set_default

DEPOSITABLE = ("Payment", "SalesReceipt")
# Attachable.AttachableRef may point at these (Intuit's Attachable page lists transactions and names).
ATTACH_TARGETS = frozenset(schema.ENTITIES) - {"Attachable", "Preferences", "CompanyInfo"}


class _TreeType(NamedType):
    """Class and Department: names unique in their own list, ``Parent:Child`` FullyQualifiedName."""

    sub_flag = ""

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = super().prepare(co, body, old, opts, ts)
        parent = resolve_ref(co, d, "ParentRef", self.name)
        d[self.sub_flag] = parent is not None
        if parent is not None:
            if old is not None and parent.id == old.id:
                raise errors.business(f"A {self.what} cannot be its own parent", "ParentRef")
            d["FullyQualifiedName"] = f"{parent.data['FullyQualifiedName']}:{d['Name']}"
        return d


class ClassType(_TreeType):
    name = "Class"
    what = "class"
    sub_flag = "SubClass"


class DepartmentType(_TreeType):
    name = "Department"
    what = "location"
    sub_flag = "SubDepartment"


class TaxAgencyType(EntityType):
    """QBO: TaxAgency supports create, read and query only (no update, no delete)."""

    name = "TaxAgency"
    updatable = False

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = dict(body)
        if not d.get("DisplayName"):
            raise errors.required("DisplayName")
        common.check_text(d, "DisplayName", 100)
        common.claim_name(co, self.name, d["DisplayName"], self.name, None, "tax agency")
        set_default(d, "TaxTrackedOnSales", True)
        set_default(d, "TaxTrackedOnPurchases", False)
        return d

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        common.index_name(co, self.name, None, rec.data["DisplayName"], self.name, rec.id)


def deposited_in(co: Company, entity: str, ident: str, skip: str | None = None) -> str | None:
    """The Deposit that already holds this payment or sales receipt, if any."""
    for dep in co.records.get("Deposit", {}).values():
        if dep.deleted or dep.id == skip:
            continue
        for line in dep.data.get("Line", []):
            for link in line.get("LinkedTxn", []):
                if link.get("TxnId") == ident and link.get("TxnType") == entity:
                    return dep.id
    return None


class DepositType(EntityType):
    """A bank deposit: lines either take a payment/sales receipt out of Undeposited Funds
    (``LinkedTxn``) or record other money (``DepositLineDetail.AccountRef``)."""

    name = "Deposit"
    deletable = True
    readonly_fields = frozenset({"TotalAmt", "HomeTotalAmt", "CurrencyRef"})
    keep_empty_lists = frozenset({"Line"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = dict(body)
        resolve_ref(co, d, "DepositToAccountRef", "Account", required=True)
        lines, total = [], 0.0
        for n, raw in enumerate(d.get("Line") or [], 1):
            line = {k: v for k, v in raw.items() if k not in ("Id", "LineNum")}
            line["Id"], line["LineNum"] = str(n), n
            amount = line["Amount"] = number(line.get("Amount", 0), "Line.Amount")
            links = line.get("LinkedTxn") or []
            for link in links:
                self._check_link(co, link, amount, old)
            if not links:
                detail = line.setdefault("DepositLineDetail", {})
                line["DetailType"] = "DepositLineDetail"
                if resolve_ref(co, detail, "AccountRef", "Account") is None:
                    raise errors.required("Line.DepositLineDetail.AccountRef")
            total += amount
            lines.append(line)
        if not lines:
            raise errors.required("Line")
        d["Line"], d["TotalAmt"] = lines, round(total, 2)
        set_default(d, "TxnDate", clock.today(ts))
        d["CurrencyRef"] = dict(USD)
        return d

    def _check_link(self, co: Company, link: dict[str, Any], amount: float, old: Record | None) -> None:
        kind, ident = link.get("TxnType"), str(link.get("TxnId", ""))
        if kind not in DEPOSITABLE:
            raise errors.validation("2170", "Invalid Enumeration", f"LinkedTxn.TxnType {kind}", "Line.LinkedTxn")
        txn = co.get(kind, ident)
        if txn is None or txn.deleted or txn.voided:
            raise errors.invalid_ref(kind, ident, "Line.LinkedTxn")
        holder = deposited_in(co, kind, ident, old.id if old else None)
        if holder is not None:
            raise errors.business(f"{kind} {ident} is already in deposit {holder}", "Line.LinkedTxn")
        acct = co.get("Account", (txn.data.get("DepositToAccountRef") or {}).get("value", ""))
        if acct is None or acct.data.get("AccountSubType") != "UndepositedFunds":
            raise errors.business(f"{kind} {ident} is not in Undeposited Funds", "Line.LinkedTxn")
        if abs(amount - float(txn.data.get("TotalAmt", 0))) > 0.005:
            raise errors.business(f"The line amount {amount} must equal the {kind} total", "Line.Amount")


class AttachableType(EntityType):
    """A note or a file attached to records (``AttachableRef``). Files come through /upload."""

    name = "Attachable"
    deletable = True
    readonly_fields = frozenset({"FileAccessUri", "TempDownloadUri", "Size", "ThumbnailFileAccessUri",
                                 "ThumbnailTempDownloadUri"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        d = dict(body)
        if not d.get("Note") and not d.get("FileName"):
            raise errors.required("FileName")   # QBO: a note or a file, at least one
        common.check_text(d, "Note", 2000)
        common.check_text(d, "FileName", 1000)
        for ref in d.get("AttachableRef") or []:
            entity_ref = ref.get("EntityRef") or {}
            info = schema.entity(str(entity_ref.get("type", "")))
            kind = info.name if info else entity_ref.get("type")   # Intuit's guide also writes "invoice"
            if kind not in ATTACH_TARGETS:
                raise errors.validation("2170", "Invalid Enumeration", f"EntityRef.type {kind}",
                                        "AttachableRef.EntityRef")
            target = co.get(kind, str(entity_ref.get("value", "")))
            if target is None or target.deleted:
                raise errors.invalid_ref(kind, str(entity_ref.get("value")), "AttachableRef.EntityRef")
            entity_ref["type"] = kind
            set_default(ref, "IncludeOnSend", False)
        if old is not None:
            for key in self.readonly_fields:
                if key in old.data:
                    d[key] = old.data[key]
        return d


class ReadOnlyEntity(EntityType):
    """Entities the simulator knows but does not write: query and read answer as an empty
    company would (``{}`` and 610); writes are 500 Unsupported Operation."""

    creatable = updatable = False

    def __init__(self, info: schema.EntityInfo) -> None:
        self.name, self.name_list, self.cdc = info.name, info.name_list, info.cdc
