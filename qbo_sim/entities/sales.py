"""Sales forms beside Invoice: Estimate, CreditMemo, SalesReceipt, RefundReceipt (reference
§5.4 rules for lines, tax and totals apply to all of them), and the links QBO keeps between
them: an Invoice made from an Estimate closes it and both list each other in ``LinkedTxn``."""

from __future__ import annotations

from typing import Any

from .. import clock, errors
from ..store import Company, Record
from .common import EntityType, WriteOpts, resolve_ref, set_default
from .currency import home_amounts, txn_currency
from .invoice import MAX_DOC_NUMBER, next_doc_number, set_tax_detail
from .people import refresh_balance
from .taxcalc import sales_totals


class SalesFormType(EntityType):
    """Lines, tax and TotalAmt computed as on an invoice; DocNumber from the sales sequence."""

    deletable = True
    affects_balance = False       # does the customer's open balance move with it?
    needs_customer = True
    readonly_fields = frozenset({"TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt",
                                 "RemainingCredit", "LinkedTxn"})
    keep_empty_lists = frozenset({"Line"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        if old is not None and old.voided:
            raise errors.business("A voided transaction cannot be changed")
        d = dict(body)
        customer = resolve_ref(co, d, "CustomerRef", "Customer", required=self.needs_customer)
        currency = txn_currency(co, d, customer, opts)
        totals = sales_totals(co, d)
        set_tax_detail(d, totals)
        d["TotalAmt"] = totals.total
        doc = d.get("DocNumber")
        if doc is None and old is not None:
            doc = old.data.get("DocNumber")
        elif doc is None or doc == "AUTO_GENERATE":
            doc = next_doc_number(co)
        if len(str(doc)) > MAX_DOC_NUMBER:
            raise errors.too_long("DocNumber", MAX_DOC_NUMBER, len(str(doc)))
        d["DocNumber"] = str(doc)
        set_default(d, "TxnDate", clock.today(ts))
        if clock.parse_datetime(str(d["TxnDate"])) is None:
            raise errors.validation("2080", "Invalid Date", f"TxnDate: {d['TxnDate']!r}", "TxnDate")
        set_default(d, "PrintStatus", "NotSet")
        set_default(d, "EmailStatus", "NotSet")
        d["CurrencyRef"] = currency
        home_amounts(co, d, "TotalAmt")
        d["LinkedTxn"] = list(old.data.get("LinkedTxn", [])) if old else []
        self.extra(co, d, old, ts)
        return d

    def extra(self, co: Company, d: dict[str, Any], old: Record | None, ts: float) -> None:
        """Per-form fields."""

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        if not self.affects_balance:
            return
        old_customer = ((old or {}).get("CustomerRef") or {}).get("value")
        new_customer = (rec.data.get("CustomerRef") or {}).get("value")
        if old_customer and old_customer != new_customer:
            co.by_customer[old_customer].discard((self.name, rec.id))
            refresh_balance(co, old_customer)
        if new_customer:
            co.by_customer[new_customer].add((self.name, rec.id))
            refresh_balance(co, new_customer)


def _deposit_account(co: Company, d: dict[str, Any]) -> None:
    if resolve_ref(co, d, "DepositToAccountRef", "Account") is None:
        owner = co.names["Account"].get("undeposited funds")  # QBO's default for received money
        if owner:
            d["DepositToAccountRef"] = {"value": owner[1], "name": "Undeposited Funds"}


class EstimateType(SalesFormType):
    name = "Estimate"

    def extra(self, co: Company, d: dict[str, Any], old: Record | None, ts: float) -> None:
        # QBO: Pending until accepted or turned into an invoice (then Closed).
        set_default(d, "TxnStatus", old.data.get("TxnStatus", "Pending") if old else "Pending")
        if d["TxnStatus"] not in ("Pending", "Accepted", "Closed", "Rejected", "Converted"):
            raise errors.validation("2170", "Invalid Enumeration", f"Invalid TxnStatus: {d['TxnStatus']}",
                                    "TxnStatus")
        for key in ("ExpirationDate", "AcceptedDate"):
            if key in d and clock.parse_datetime(str(d[key])) is None:
                raise errors.validation("2080", "Invalid Date", f"{key}: {d[key]!r}", key)


class CreditMemoType(SalesFormType):
    """A credit lowers the customer's open balance by its RemainingCredit."""

    name = "CreditMemo"
    affects_balance = True

    def extra(self, co: Company, d: dict[str, Any], old: Record | None, ts: float) -> None:
        used = (old.data["TotalAmt"] - old.data.get("RemainingCredit", old.data["TotalAmt"])) if old else 0.0
        if used > d["TotalAmt"] + 0.005:
            raise errors.business(f"The credit total {d['TotalAmt']} is less than the amount already used")
        d["RemainingCredit"] = round(d["TotalAmt"] - used, 2)
        d["Balance"] = d["RemainingCredit"]


class SalesReceiptType(SalesFormType):
    name = "SalesReceipt"
    voidable = True
    needs_customer = False   # Intuit's minimal SalesReceipt sample has only Line

    def extra(self, co: Company, d: dict[str, Any], old: Record | None, ts: float) -> None:
        d["Balance"] = 0.0   # paid on the spot
        resolve_ref(co, d, "PaymentMethodRef", "PaymentMethod")
        _deposit_account(co, d)


class RefundReceiptType(SalesFormType):
    name = "RefundReceipt"
    needs_customer = False

    def extra(self, co: Company, d: dict[str, Any], old: Record | None, ts: float) -> None:
        # QBO: the account the refund is paid from is required (an asset account).
        resolve_ref(co, d, "DepositToAccountRef", "Account", required=True)
        resolve_ref(co, d, "PaymentMethodRef", "PaymentMethod")
        d["Balance"] = 0.0
