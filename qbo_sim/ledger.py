"""Double-entry postings of the sales-side transactions the simulator writes, for the
accounts' ``CurrentBalance`` and the reports. QBO keeps account balances itself; an account's
balance moving is not an edit of the account (its SyncToken stays)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from .store import Company, Record

CREDIT_NORMAL = ("Liability", "Equity", "Revenue")


@dataclass(frozen=True)
class Posting:
    account: str
    debit: float          # negative = credit
    date: str             # TxnDate, YYYY-MM-DD
    entity: str
    txn: str


def _by_type(co: Company, account_type: str) -> str | None:
    for rec in co.records.get("Account", {}).values():
        if rec.data.get("AccountType") == account_type and not rec.deleted:
            return rec.id
    return None


def _sales_tax_account(co: Company) -> str | None:
    owner = co.names["Account"].get("sales tax payable")
    return owner[1] if owner else _by_type(co, "Other Current Liability")


def _income_lines(co: Company, rec: Record) -> Iterator[tuple[str, float]]:
    fallback = _by_type(co, "Income") or ""
    discount = 0.0
    first = None
    for line in rec.data.get("Line", []):
        kind = line.get("DetailType")
        if kind == "SalesItemLineDetail":
            item = co.get("Item", line["SalesItemLineDetail"]["ItemRef"]["value"])
            acct = ((item.data.get("IncomeAccountRef") or {}).get("value") if item else None) or fallback
            first = first or acct
            yield acct, float(line.get("Amount", 0.0))
        elif kind == "DiscountLineDetail":
            account = ((line.get("DiscountLineDetail") or {}).get("DiscountAccountRef") or {}).get("value")
            if account:
                yield account, -float(line.get("Amount", 0.0))
            else:
                discount += float(line.get("Amount", 0.0))
    if discount and first:
        yield first, -discount   # assumption: without an account a discount reduces the first line's income


def _net_income(co: Company, rec: Record) -> list[tuple[str, float]]:
    """Income per account. TaxInclusive lines hold gross amounts (§4.1): the tax inside is not income."""
    income = list(_income_lines(co, rec))
    tax = float((rec.data.get("TxnTaxDetail") or {}).get("TotalTax", 0.0) or 0.0)
    included = round(sum(amount for _, amount in income) + tax - float(rec.data.get("TotalAmt", 0.0) or 0.0), 2)
    if income and abs(included) > 0.005:
        income.append((income[0][0], -included))
    return income


def _cash_payment(co: Company, rec: Record, ar: str | None) -> list[tuple[str | None, float]]:
    """Cash basis: a payment realises the income of the invoices it pays, in proportion."""
    d = rec.data
    out: list[tuple[str | None, float]] = [((d.get("DepositToAccountRef") or {}).get("value"),
                                            float(d.get("TotalAmt", 0.0)))]
    unapplied = float(d.get("TotalAmt", 0.0))
    for line in d.get("Line", []):
        for link in line.get("LinkedTxn", []):
            inv = co.get("Invoice", link["TxnId"])
            total = float(inv.data.get("TotalAmt", 0.0)) if inv else 0.0
            if not inv or not total:
                continue
            share = float(line["Amount"]) / total
            unapplied -= float(line["Amount"])
            out.extend((acct, -amount * share) for acct, amount in _net_income(co, inv))
            tax = float((inv.data.get("TxnTaxDetail") or {}).get("TotalTax", 0.0) or 0.0)
            out.append((_sales_tax_account(co), -tax * share))
    out.append((ar, -unapplied))   # money received ahead of any invoice: a customer credit
    return out


def postings(co: Company, rec: Record, cash: bool = False) -> list[Posting]:
    """``cash``: QBO's cash basis: invoices and credit memos post nothing until money moves."""
    if rec.deleted or rec.voided:
        return []
    if cash and rec.entity in ("Invoice", "CreditMemo"):
        return []
    d, kind = rec.data, rec.entity
    date = str(d.get("TxnDate", ""))[:10]
    out: list[tuple[str | None, float]] = []
    total = float(d.get("TotalAmt", 0.0) or 0.0)
    tax = float((d.get("TxnTaxDetail") or {}).get("TotalTax", 0.0) or 0.0)
    deposit_to = (d.get("DepositToAccountRef") or {}).get("value")
    ar = _by_type(co, "Accounts Receivable")
    if kind in ("Invoice", "SalesReceipt", "CreditMemo", "RefundReceipt"):
        sign = 1.0 if kind in ("Invoice", "SalesReceipt") else -1.0   # credits/refunds reverse a sale
        out.append((ar if kind in ("Invoice", "CreditMemo") else deposit_to, sign * total))
        out.extend((acct, -sign * amount) for acct, amount in _net_income(co, rec))
        out.append((_sales_tax_account(co), -sign * tax))
    elif kind == "Payment" and cash:
        out = _cash_payment(co, rec, ar)
    elif kind == "Payment":
        out += [(deposit_to, total), (ar, -total)]
    elif kind == "Deposit":
        out.append((deposit_to, total))
        for line in d.get("Line", []):
            links = line.get("LinkedTxn") or []
            if links:
                src = co.get(links[0]["TxnType"], links[0]["TxnId"])
                src_acct = ((src.data.get("DepositToAccountRef") or {}).get("value")) if src else None
                out.append((src_acct, -float(line["Amount"])))
            else:
                out.append((((line.get("DepositLineDetail") or {}).get("AccountRef") or {}).get("value"),
                            -float(line["Amount"])))
    return [Posting(acct, round(amount, 2), date, kind, rec.id) for acct, amount in out if acct and amount]


POSTING_ENTITIES = ("Invoice", "Payment", "SalesReceipt", "CreditMemo", "RefundReceipt", "Deposit")


def all_postings(co: Company, cash: bool = False) -> Iterator[Posting]:
    for entity in POSTING_ENTITIES:
        for rec in co.records.get(entity, {}).values():
            yield from postings(co, rec, cash)


def natural(co: Company, account_id: str, debit_total: float) -> float:
    acct = co.get("Account", account_id)
    flip = acct is not None and acct.data.get("Classification") in CREDIT_NORMAL
    return round(-debit_total if flip else debit_total, 2)


def balances(co: Company, as_of: str | None = None, since: str | None = None,
             cash: bool = False) -> dict[str, float]:
    """Natural-sign balance per account id from the postings dated in [since, as_of]."""
    sums: dict[str, float] = defaultdict(float)
    for p in all_postings(co, cash):
        if (as_of and p.date > as_of) or (since and p.date < since):
            continue
        sums[p.account] += p.debit
    return {acct: natural(co, acct, amount) for acct, amount in sums.items()}


def refresh_accounts(co: Company) -> None:
    """Write the computed CurrentBalance onto the Account records (no SyncToken change)."""
    current = balances(co)
    for rec in co.records.get("Account", {}).values():
        value = current.get(rec.id, 0.0)
        if rec.data.get("CurrentBalance") != value:
            rec.data["CurrentBalance"] = rec.data["CurrentBalanceWithSubAccounts"] = value
            rec.touch()
