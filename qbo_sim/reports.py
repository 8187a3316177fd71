"""Reports (``GET /v3/company/{realm}/reports/{Name}``) computed from the company's own
transactions, in QBO's report JSON: ``Header``, ``Columns``, ``Rows`` of sections with ``Summary``
(Intuit's ProfitAndLoss, BalanceSheet, AgedReceivables and CustomerBalance pages)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from . import clock, errors, ledger
from .store import Company

MONEY = "{:.2f}"


def _day(text: str, name: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise errors.validation("2080", "Invalid Date", f"{name}: {text!r} is not YYYY-MM-DD", name) from exc


def _period(co: Company, params: dict[str, str]) -> tuple[str, str, str | None]:
    today = date.fromisoformat(clock.today())
    macro = params.get("date_macro")
    year_start = today.replace(month=1, day=1)
    macros = {
        "today": (today, today), "yesterday": (today - timedelta(days=1),) * 2,
        "this month": (today.replace(day=1), today), "this month-to-date": (today.replace(day=1), today),
        "this year": (year_start, today.replace(month=12, day=31)),
        "this year-to-date": (year_start, today), "this fiscal year-to-date": (year_start, today),
        "this fiscal year": (year_start, today.replace(month=12, day=31)),
        "last year": (year_start.replace(year=today.year - 1), year_start - timedelta(days=1)),
        "last month": ((today.replace(day=1) - timedelta(days=1)).replace(day=1), today.replace(day=1) - timedelta(days=1)),
        "all": (date(2000, 1, 1), today),
    }
    if macro:
        if macro.lower() not in macros:
            raise errors.validation("2170", "Invalid Enumeration", f"date_macro: {macro}", "date_macro")
        first, last = macros[macro.lower()]
        return first.isoformat(), last.isoformat(), macro
    start = _day(params["start_date"], "start_date") if params.get("start_date") else year_start.isoformat()
    end = _day(params["end_date"], "end_date") if params.get("end_date") else today.isoformat()
    if start > end:
        raise errors.business("start_date is after end_date", "start_date")
    # QBO's default period for these reports is this fiscal year to date.
    return start, end, None if params.get("start_date") or params.get("end_date") else "This Fiscal Year-to-date"


def _basis(co: Company, params: dict[str, str]) -> str:
    method = params.get("accounting_method")
    if method is None:
        prefs = co.get("Preferences", "1")
        method = ((prefs.data.get("ReportPrefs") or {}).get("ReportBasis") if prefs else None) or "Accrual"
    if method not in ("Cash", "Accrual"):
        raise errors.validation("2170", "Invalid Enumeration", f"accounting_method: {method}", "accounting_method")
    return method


def _header(name: str, options: dict[str, Any], no_data: bool) -> dict[str, Any]:
    head = {"Time": clock.iso_s(clock.now()), "ReportName": name, **{k: v for k, v in options.items() if v},
            "Currency": "USD", "Option": [{"Name": "NoReportData", "Value": "true" if no_data else "false"}]}
    return head


def _columns(*titles: tuple[str, str]) -> dict[str, Any]:
    return {"Column": [{"ColTitle": title, "ColType": kind} for title, kind in titles]}


def _data(label: str, ident: str | None, *amounts: float) -> dict[str, Any]:
    first: dict[str, str] = {"value": label}
    if ident:
        first["id"] = ident
    return {"ColData": [first, *({"value": MONEY.format(a)} for a in amounts)], "type": "Data"}


def _section(title: str, group: str, rows: list[dict[str, Any]], total: float, label: str | None = None,
             width: int = 1) -> dict[str, Any]:
    sec: dict[str, Any] = {"type": "Section", "group": group,
                           "Summary": {"ColData": [{"value": label or f"Total {title}"},
                                                   *({"value": MONEY.format(total)} for _ in range(width))]}}
    if title:
        sec["Header"] = {"ColData": [{"value": title}, *({"value": ""} for _ in range(width))]}
    if rows:
        sec["Rows"] = {"Row": rows}
    return sec


def _accounts_by(co: Company, classification: str | tuple[str, ...], amounts: dict[str, float],
                 types: tuple[str, ...] | None = None) -> tuple[list[dict[str, Any]], float]:
    wanted = (classification,) if isinstance(classification, str) else classification
    rows, total = [], 0.0
    for acct in sorted(co.records.get("Account", {}).values(), key=lambda r: r.data["Name"]):
        if acct.data.get("Classification") not in wanted or (types and acct.data.get("AccountType") not in types):
            continue
        value = amounts.get(acct.id, 0.0)
        if value:
            rows.append(_data(acct.data["Name"], acct.id, value))
            total += value
    return rows, round(total, 2)


def profit_and_loss(co: Company, params: dict[str, str]) -> dict[str, Any]:
    start, end, macro = _period(co, params)
    basis = _basis(co, params)
    amounts = ledger.balances(co, as_of=end, since=start, cash=basis == "Cash")
    income, total_income = _accounts_by(co, "Revenue", amounts, ("Income",))
    cogs, total_cogs = _accounts_by(co, "Expense", amounts, ("Cost of Goods Sold",))
    expenses, total_exp = _accounts_by(co, "Expense", amounts, ("Expense",))
    other_income, total_other_income = _accounts_by(co, "Revenue", amounts, ("Other Income",))
    other_exp, total_other_exp = _accounts_by(co, "Expense", amounts, ("Other Expense",))
    gross = round(total_income - total_cogs, 2)
    operating = round(gross - total_exp, 2)
    net_other = round(total_other_income - total_other_exp, 2)
    rows = [_section("Income", "Income", income, total_income),
            _section("Cost of Goods Sold", "COGS", cogs, total_cogs),
            _section("", "GrossProfit", [], gross, "Gross Profit"),
            _section("Expenses", "Expenses", expenses, total_exp),
            _section("", "NetOperatingIncome", [], operating, "Net Operating Income"),
            _section("Other Income", "OtherIncome", other_income, total_other_income),
            _section("Other Expenses", "OtherExpenses", other_exp, total_other_exp),
            _section("", "NetOtherIncome", [], net_other, "Net Other Income"),
            _section("", "NetIncome", [], round(operating + net_other, 2), "Net Income")]
    no_data = not (income or cogs or expenses or other_income or other_exp)
    return {"Header": _header("ProfitAndLoss", {"DateMacro": macro, "ReportBasis": basis, "StartPeriod": start,
                                                "EndPeriod": end, "SummarizeColumnsBy": "Total"}, no_data),
            "Columns": _columns(("", "Account"), ("Total", "Money")), "Rows": {"Row": rows}}


def balance_sheet(co: Company, params: dict[str, str]) -> dict[str, Any]:
    start, end, macro = _period(co, params)
    basis = _basis(co, params)
    cash = basis == "Cash"
    amounts = ledger.balances(co, as_of=end, cash=cash)
    year_start = end[:4] + "-01-01"
    earlier = ledger.balances(co, as_of=(date.fromisoformat(year_start) - timedelta(days=1)).isoformat(), cash=cash)

    def profit(bal: dict[str, float]) -> float:
        total = 0.0
        for acct_id, value in bal.items():
            acct = co.get("Account", acct_id)
            kind = acct.data.get("Classification") if acct else None
            total += value if kind == "Revenue" else -value if kind == "Expense" else 0.0
        return round(total, 2)

    bank, total_bank = _accounts_by(co, "Asset", amounts, ("Bank",))
    ar, total_ar = _accounts_by(co, "Asset", amounts, ("Accounts Receivable",))
    other_current, total_oc = _accounts_by(co, "Asset", amounts, ("Other Current Asset",))
    fixed, total_fixed = _accounts_by(co, "Asset", amounts, ("Fixed Asset", "Other Asset"))
    current_total = round(total_bank + total_ar + total_oc, 2)
    assets_total = round(current_total + total_fixed, 2)
    liabilities, total_liab = _accounts_by(co, "Liability", amounts)
    equity_rows, total_equity = _accounts_by(co, "Equity", amounts)
    retained, net_income = profit(earlier), round(profit(amounts) - profit(earlier), 2)
    equity_rows += [_data("Retained Earnings", None, retained), _data("Net Income", None, net_income)]
    total_equity = round(total_equity + retained + net_income, 2)
    current = _section("Current Assets", "CurrentAssets", [
        _section("Bank Accounts", "BankAccounts", bank, total_bank),
        _section("Accounts Receivable", "AR", ar, total_ar),
        _section("Other Current Assets", "OtherCurrentAssets", other_current, total_oc)], current_total)
    assets = _section("ASSETS", "TotalAssets", [current, *fixed], assets_total, "TOTAL ASSETS")
    liab = _section("Liabilities", "Liabilities", [
        _section("Current Liabilities", "CurrentLiabilities", liabilities, total_liab)], total_liab)
    equity = _section("Equity", "Equity", equity_rows, total_equity)
    both = _section("LIABILITIES AND EQUITY", "TotalLiabilitiesAndEquity", [liab, equity],
                    round(total_liab + total_equity, 2), "TOTAL LIABILITIES AND EQUITY")
    return {"Header": _header("BalanceSheet", {"DateMacro": macro, "ReportBasis": basis, "StartPeriod": start,
                                               "EndPeriod": end, "SummarizeColumnsBy": "Total"}, not amounts),
            "Columns": _columns(("", "Account"), ("Total", "Money")), "Rows": {"Row": [assets, both]}}


def _customers(co: Company, params: dict[str, str]) -> list[str]:
    wanted = {c.strip() for c in params.get("customer", "").split(",") if c.strip()}
    return sorted((cid for cid in co.records.get("Customer", {}) if not wanted or cid in wanted),
                  key=lambda cid: co.records["Customer"][cid].data.get("FullyQualifiedName", ""))


def _open_items(co: Company, customer: str, as_of: str) -> list[tuple[str, float]]:
    """(due or txn date, signed open amount) of the customer's open transactions dated by as_of."""
    out = []
    for entity, ident in co.by_customer.get(customer, ()):
        txn = co.live(entity, ident)
        if txn is None or txn.voided or str(txn.data.get("TxnDate", ""))[:10] > as_of:
            continue
        d = txn.data
        if entity == "Invoice" and d.get("Balance"):
            out.append((str(d.get("DueDate") or d.get("TxnDate"))[:10], float(d["Balance"])))
        elif entity == "CreditMemo" and d.get("RemainingCredit"):
            out.append((str(d.get("TxnDate"))[:10], -float(d["RemainingCredit"])))
        elif entity == "Payment" and d.get("UnappliedAmt"):
            out.append((str(d.get("TxnDate"))[:10], -float(d["UnappliedAmt"])))
    return out


def aged_receivables(co: Company, params: dict[str, str]) -> dict[str, Any]:
    as_of = _day(params["report_date"], "report_date") if params.get("report_date") else clock.today()
    period = int(params.get("aging_period") or 30)
    periods = int(params.get("num_periods") or 4)
    if period < 1 or periods < 1:
        raise errors.validation("2020", "Invalid aging", "aging_period and num_periods must be positive")
    titles = ["Current"] + [f"{period * i + 1} - {period * (i + 1)}" for i in range(periods - 1)]
    titles.append(f"{period * (periods - 1) + 1} and over")
    rows, totals = [], [0.0] * (len(titles) + 1)
    today = date.fromisoformat(as_of)
    for cid in _customers(co, params):
        buckets = [0.0] * len(titles)
        for due, amount in _open_items(co, cid, as_of):
            late = (today - date.fromisoformat(due)).days
            idx = 0 if late <= 0 else min(len(titles) - 1, (late - 1) // period + 1)
            buckets[idx] += amount
        if any(abs(b) > 0.004 for b in buckets):
            values = [round(b, 2) for b in buckets] + [round(sum(buckets), 2)]
            totals = [t + v for t, v in zip(totals, values, strict=True)]
            rows.append(_data(co.records["Customer"][cid].data["FullyQualifiedName"], cid, *values))
    summary = {"ColData": [{"value": "TOTAL"}, *({"value": MONEY.format(round(t, 2))} for t in totals)]}
    return {"Header": _header("AgedReceivables", {"DateMacro": None, "StartPeriod": as_of, "EndPeriod": as_of,
                                                  "ReportBasis": _basis(co, params)}, not rows),
            "Columns": _columns(("", "Customer"), *((t, "Money") for t in titles), ("Total", "Money")),
            "Rows": {"Row": [*rows, {"Summary": summary, "type": "Section", "group": "GrandTotal"}]}}


def customer_balance(co: Company, params: dict[str, str]) -> dict[str, Any]:
    as_of = _day(params["report_date"], "report_date") if params.get("report_date") else clock.today()
    rows, total = [], 0.0
    for cid in _customers(co, params):
        amount = round(sum(a for _, a in _open_items(co, cid, as_of)), 2)
        if abs(amount) > 0.004:
            rows.append(_data(co.records["Customer"][cid].data["FullyQualifiedName"], cid, amount))
            total += amount
    summary = {"ColData": [{"value": "TOTAL"}, {"value": MONEY.format(round(total, 2))}]}
    return {"Header": _header("CustomerBalance", {"StartPeriod": as_of, "EndPeriod": as_of,
                                                  "ReportBasis": _basis(co, params),
                                                  "SummarizeColumnsBy": "Total"}, not rows),
            "Columns": _columns(("", "Customer"), ("Total", "Money")),
            "Rows": {"Row": [*rows, {"Summary": summary, "type": "Section", "group": "GrandTotal"}]}}


REPORTS = {"profitandloss": profit_and_loss, "balancesheet": balance_sheet, "agedreceivables": aged_receivables,
           "customerbalance": customer_balance}


def run(co: Company, name: str, params: dict[str, str]) -> bytes:
    report = REPORTS.get(name.lower())
    if report is None:
        raise errors.unsupported(f"Report {name} is not supported by the simulator")
    return json.dumps(report(co, params)).encode()


