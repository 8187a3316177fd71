"""Human pages: what a person sees when they follow a link into QuickBooks.

* ``/app/<page>?txnId=N`` / ``?nameId=N`` — the QuickBooks web app's own addresses
  (``https://app.qbo.intuit.com/app/invoice?txnId=N``, ``customerdetail?nameId=N`` …) served on
  the simulator's host, so an app switches between simulator and Intuit by changing the host.
  QBO knows the company from the signed-in session; the simulator takes ``realmId`` when given,
  else the newest company that has the record (README "Assumptions").
* ``/comm/{realm}/invoice/{id}`` — the customer-facing ``InvoiceLink`` page."""

from __future__ import annotations

from html import escape
from typing import Any

from .pages import STYLE
from .simstate import SimState
from .store import Company, Record
from .web import Request, Response, html_response

# QBO web-app page -> (entity, id parameter)
APP_PAGES: dict[str, tuple[str, str]] = {
    "invoice": ("Invoice", "txnId"), "estimate": ("Estimate", "txnId"), "recvpayment": ("Payment", "txnId"),
    "salesreceipt": ("SalesReceipt", "txnId"), "creditmemo": ("CreditMemo", "txnId"),
    "refundreceipt": ("RefundReceipt", "txnId"), "deposit": ("Deposit", "txnId"),
    "customerdetail": ("Customer", "nameId"), "vendordetail": ("Vendor", "nameId"),
    "employeedetail": ("Employee", "nameId"), "item": ("Item", "itemId"),
}
TITLES = {"Payment": "Receive payment", "SalesReceipt": "Sales receipt", "CreditMemo": "Credit memo",
          "RefundReceipt": "Refund receipt"}


def _money(value: Any) -> str:
    try:
        return f"${float(value):,.2f}"
    except (TypeError, ValueError):
        return ""


def _find(sim: SimState, entity: str, ident: str, realm: str | None) -> tuple[Company, Record] | None:
    companies = [sim.registry.get(realm)] if realm else list(reversed(sim.registry.all()))
    for co in companies:
        if co is None:
            continue
        rec = co.live(entity, ident)
        if rec is not None:
            return co, rec
    return None


def _page(title: str, body: str, status: int = 200) -> Response:
    return html_response(f"""<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>
{STYLE}<style>.amount{{text-align:right}}.status{{font-weight:bold}}dl{{display:grid;grid-template-columns:12rem auto}}
dt{{color:#555}}</style></head><body>{body}</body></html>""", status)


def _status(rec: Record) -> str:
    d = rec.data
    if rec.voided:
        return "Voided"
    if rec.entity == "Invoice":
        if d.get("Balance", 0) == 0:
            return "Paid"
        return "Partially paid" if d.get("Balance") != d.get("TotalAmt") else "Open"
    return str(d.get("TxnStatus") or "")


def _lines(rec: Record) -> str:
    rows = []
    for line in rec.data.get("Line", []):
        kind = line.get("DetailType")
        if kind == "SubTotalLineDetail":
            continue
        detail = line.get("SalesItemLineDetail") or {}
        item = (detail.get("ItemRef") or {}).get("name", "")
        if kind == "DiscountLineDetail":
            item = "Discount"
        links = ", ".join(f"{lt.get('TxnType')} {lt.get('TxnId')}" for lt in line.get("LinkedTxn", []))
        rows.append(f"<tr><td>{escape(item or links)}</td><td>{escape(str(line.get('Description', '')))}</td>"
                    f"<td class='amount'>{escape(str(detail.get('Qty', '')))}</td>"
                    f"<td class='amount'>{escape(_money(detail.get('UnitPrice')) if 'UnitPrice' in detail else '')}</td>"
                    f"<td class='amount'>{_money(line.get('Amount'))}</td></tr>")
    return ("<table id='lines'><tr><th>Product/service</th><th>Description</th><th>Qty</th><th>Rate</th>"
            f"<th>Amount</th></tr>{''.join(rows)}</table>")


def _transaction(co: Company, rec: Record) -> str:
    d = rec.data
    who = (d.get("CustomerRef") or d.get("VendorRef") or {}).get("name", "")
    title = TITLES.get(rec.entity, rec.entity)
    number = d.get("DocNumber") or rec.id
    facts = [("Customer", who), ("Date", d.get("TxnDate")), ("Due date", d.get("DueDate")),
             ("Status", _status(rec)), ("Total", _money(d.get("TotalAmt"))),
             ("Balance due", _money(d.get("Balance")) if "Balance" in d else ""),
             ("Tax", _money((d.get("TxnTaxDetail") or {}).get("TotalTax"))),
             ("Email", (d.get("BillEmail") or {}).get("Address")),
             # The QuickBooks form's labels: CustomerMemo is the "Message on invoice" the customer reads;
             # PrivateNote is the form's statement memo, which the customer never sees on the invoice.
             ("Message on invoice", (d.get("CustomerMemo") or {}).get("value")),
             ("Message on statement", d.get("PrivateNote")),
             ("Linked", ", ".join(f"{lt['TxnType']} {lt['TxnId']}" for lt in d.get("LinkedTxn", [])))]
    dl = "".join(f"<dt>{escape(k)}</dt><dd id='{escape(k.lower().replace(' ', '-'))}'>{escape(str(v))}</dd>"
                 for k, v in facts if v not in (None, ""))
    return (f"<p id='company'>{escape(co.name)}</p><h1 id='title'>{escape(title)} #{escape(str(number))}</h1>"
            f"<dl>{dl}</dl>{_lines(rec) if d.get('Line') else ''}")


def _name(co: Company, rec: Record) -> str:
    d = rec.data
    label = d.get("DisplayName") or d.get("Name") or rec.id
    addr = d.get("BillAddr") or {}
    facts = [("Company", d.get("CompanyName")), ("Email", (d.get("PrimaryEmailAddr") or {}).get("Address")),
             ("Phone", (d.get("PrimaryPhone") or {}).get("FreeFormNumber")),
             ("Billing address", ", ".join(str(addr[k]) for k in ("Line1", "City", "CountrySubDivisionCode",
                                                                 "PostalCode") if addr.get(k))),
             ("Open balance", _money(d.get("Balance")) if "Balance" in d else ""),
             ("Type", d.get("Type")), ("Price", _money(d.get("UnitPrice")) if "UnitPrice" in d else ""),
             ("Status", "Active" if d.get("Active", True) else "Inactive")]
    dl = "".join(f"<dt>{escape(k)}</dt><dd id='{escape(k.lower().replace(' ', '-'))}'>{escape(str(v))}</dd>"
                 for k, v in facts if v not in (None, ""))
    txns = []
    if rec.entity == "Customer":
        for entity, ident in sorted(co.by_customer.get(rec.id, ())):
            txn = co.live(entity, ident)
            if txn is not None:
                txns.append(f"<tr><td>{escape(TITLES.get(entity, entity))}</td>"
                            f"<td>{escape(str(txn.data.get('DocNumber') or ident))}</td>"
                            f"<td>{escape(str(txn.data.get('TxnDate', '')))}</td>"
                            f"<td class='amount'>{_money(txn.data.get('TotalAmt'))}</td><td>{_status(txn)}</td></tr>")
    table = ("<h2>Transactions</h2><table id='transactions'><tr><th>Type</th><th>No.</th><th>Date</th>"
             f"<th>Total</th><th>Status</th></tr>{''.join(txns)}</table>") if txns else ""
    return (f"<p id='company'>{escape(co.name)}</p><h1 id='title'>{escape(str(label))}</h1><dl>{dl}</dl>{table}")


def app_page(sim: SimState, req: Request) -> Response:
    page = req.path.rstrip("/").rsplit("/", 1)[-1].lower()
    if page == "homepage":
        co = sim.registry.get(req.query.get("realmId", "")) or next(iter(reversed(sim.registry.all())), None)
        name = co.name if co else "QuickBooks"
        return _page(name, f"<h1 id='title'>{escape(name)}</h1><p>Dashboard</p>")
    target = APP_PAGES.get(page)
    ident = req.query.get(target[1], "") if target else ""
    found = _find(sim, target[0], ident, req.query.get("realmId")) if target and ident else None
    if found is None:
        return _page("Not found", "<h1 id='title'>We can't find this page</h1>"
                                  "<p id='error'>The record does not exist in this company.</p>", 404)
    co, rec = found
    with co.lock:
        body = _name(co, rec) if target and target[1] != "txnId" else _transaction(co, rec)
    return _page(f"{rec.entity} {rec.id} - QuickBooks", body)


def invoice_link(sim: SimState, realm: str, ident: str) -> Response:
    """The customer's view of an invoice (what ``InvoiceLink`` opens)."""
    found = _find(sim, "Invoice", ident, realm)
    if found is None:
        return _page("Not found", "<h1 id='title'>This invoice is no longer available</h1>", 404)
    co, rec = found
    with co.lock:
        body = _transaction(co, rec)
    pay = "" if rec.voided or not rec.data.get("Balance") else "<p><button id='pay'>Pay now</button></p>"
    return _page(f"Invoice from {co.name}", body + pay)
