"""Do QuickBooks' books match ours? For each kind of company (us_ast, us_manual, ca, uk, au): 200 random
invoices (mixed tax codes, discounts, 3-decimal quantities, tax-inclusive prices where the kind allows) and
payments on them, pushed by the real push code (claim + run, in this process) to a simulator company of
that kind over HTTP. Prints, per kind, how many invoices' QBO TotalAmt, TotalTax and Balance differ from
ours, one example of each, and for US AST whether each tax difference is recorded on the invoice
(ExternalRef.qbo_total_tax).

With `--take-qbo-tax`, each US AST invoice whose tax QuickBooks computed otherwise takes QuickBooks' tax
(integrations.push.ast_tax, as the invoice page's button does) before any payment, and is pushed again; the
us_ast row then counts the differences left after that (0 expected) and says how many were taken.

Not a test: it starts the simulator (BENCH_SIM_PORT, else a free port), uses an SQLite file under
bench/out/books_match/, and stops what it started.
Run: .venv/bin/python bench/books_match.py [--take-qbo-tax] [count] [seed] [kind ...]   (kinds: all by default)
"""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the app's modules import once _setup() has set Django up
    from accounts.models import Organization
    from integrations.models import QuickBooksConnection
    from invoicing.models import Invoice, TaxCode
    from invoicing.services import InvoiceMoney, LineInput
    from qbo_sim.testing import SimulatorProcess

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "books_match"
KINDS = ("us_ast", "us_manual", "ca", "uk", "au")
METHODS = ("Cash", "Check", "Credit Card", "Venmo")  # Venmo has no QBO PaymentMethod: sent without one


@dataclass
class Tally:
    kind: str
    invoices: int = 0
    pushed: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    differ: dict[str, int] = field(default_factory=lambda: {"TotalAmt": 0, "TotalTax": 0, "Balance": 0})
    example: dict[str, str] = field(default_factory=dict)
    tax_recorded: int = 0
    tax_taken: int | None = None  # with --take-qbo-tax (us_ast): invoices that took QuickBooks' tax
    payments: int = 0
    payments_pushed: int = 0
    payments_differ: int = 0
    payment_example: str = ""


def _setup() -> SimulatorProcess:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "bench.sqlite3"
    db.unlink(missing_ok=True)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.update({"DATABASE_URL": f"sqlite:///{db}", "FSM_VAR_DIR": str(OUT), "DJANGO_DEBUG": "1",
                       "DJANGO_SETTINGS_MODULE": "fsm.settings", "QBO_ENVIRONMENT": "simulator",
                       "OAUTHLIB_INSECURE_TRANSPORT": "1", "FSM_LOG_LEVEL": "warning",
                       "QBO_CLIENT_ID": "sim-client-id", "QBO_CLIENT_SECRET": "sim-client-secret"})
    from qbo_sim.testing import SimulatorProcess

    port = os.environ.get("BENCH_SIM_PORT")
    sim = SimulatorProcess(["--no-throttle", *(["--port", port] if port else [])]).start()
    os.environ["QBO_SIM_URL"] = sim.url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return sim


def _drain() -> None:
    from integrations.push.claim import job_claim_next
    from integrations.push.runner import job_run

    while (job := job_claim_next()) is not None:
        job_run(job)


def _local_codes(sim: SimulatorProcess, org: Organization, conn: QuickBooksConnection) -> list[TaxCode]:
    """Local codes named and rated as the company's own (the suggestion maps them by name)."""
    from integrations.connection.company import tax_codes_suggest
    from invoicing.models import TaxCode, TaxRate

    if conn.company_kind == "us_ast":
        wanted = [("Local 8", ["8"]), ("Local 6.25", ["6.25"])]
    else:  # the same component rates as QBO's code: QBO rounds each component per line (GST and PST apart)
        rates = {str(r["Id"]): str(r.get("RateValue", 0)) for r in sim.control.objects(conn.realm_id, "TaxRate")}
        wanted = [(str(c["Name"]), [rates[str(d["TaxRateRef"]["value"])]
                                    for d in c["SalesTaxRateList"]["TaxRateDetail"]])
                  for c in sim.control.objects(conn.realm_id, "TaxCode")
                  if (c.get("SalesTaxRateList") or {}).get("TaxRateDetail")]
    codes = []
    for name, parts in wanted:
        code = TaxCode.objects.create(organization=org, name=name)
        for i, rate in enumerate(parts):
            code.rates.add(TaxRate.objects.create(organization=org, name=f"{name} {i}", rate=Decimal(rate)))
        codes.append(code)
    tax_codes_suggest(connection=conn)
    return codes


def _lines(kind: str, codes: list[TaxCode], rng: random.Random) -> list[LineInput]:
    from invoicing.services import LineInput

    us_code = rng.choice(codes)  # QBO US holds one tax code per invoice
    lines = []
    for i in range(rng.randint(1, 5)):
        qty = Decimal(rng.randint(1, 9999)) / Decimal(1000) * rng.choice((1, 1, 10))
        price = Decimal(rng.randint(100, 99_999)) / Decimal(100)
        if kind in ("us_manual", "us_ast"):
            code = us_code if rng.random() < 0.7 else None
        else:
            code = rng.choice(codes)
        lines.append(LineInput(description=f"Line {i}", quantity=qty.quantize(Decimal("0.001")), unit_price=price,
                               tax_code=code, taxable=code is not None))
    return lines


def _money(rng: random.Random, terms: int) -> InvoiceMoney:
    from invoicing.services import InvoiceMoney

    pick = rng.random()
    if pick < 0.3:
        return InvoiceMoney(discount_kind="percent", discount_value=Decimal(rng.randint(1, 250)) / 10, terms_days=terms)
    if pick < 0.5:
        return InvoiceMoney(discount_kind="amount", discount_value=Decimal(rng.randint(100, 999)) / 100,
                            terms_days=terms)
    return InvoiceMoney(terms_days=terms)


def _take_qbo_tax(invoices: list[Invoice]) -> int:
    """What a person does with "Use QuickBooks' tax" on each unsent invoice whose tax differs; returns how many."""
    from django.core.exceptions import ValidationError

    from integrations.push.ast_tax import invoice_take_qbo_tax

    taken = 0
    for invoice in invoices:
        try:
            invoice_take_qbo_tax(invoice=invoice, user=None)
        except ValidationError:  # QuickBooks' tax is ours already
            continue
        taken += 1
    return taken


def run_kind(sim: SimulatorProcess, kind: str, count: int, rng: random.Random, take_tax: bool = False) -> Tally:
    from datetime import date

    from accounts.services import organization_create
    from customers.models import Customer
    from integrations.connection.company import company_reread
    from integrations.models import ExternalRef, JobState, SyncJob
    from invoicing import lifecycle
    from invoicing.models import Invoice
    from invoicing.services import invoice_create
    from tests.integrations.push_helpers import connect_org

    tally = Tally(kind)
    org = organization_create(name=f"Books {kind}", plan="pro", slug=f"books-{kind}")
    org.tax_rounding = "per_invoice" if kind.startswith("us") else "line"  # QBO VAT/GST rounds per line
    org.save()
    realm = sim.control.create_company(f"Books {kind}", kind=kind)
    conn = company_reread(connection=connect_org(sim.control, org, realm))
    codes = _local_codes(sim, org, conn)
    customers = [Customer.objects.create(organization=org, display_name=f"Customer {i}") for i in range(10)]
    invoices = []
    for _ in range(count):
        if not kind.startswith("us"):
            org.prices_include_tax = rng.random() < 0.5
            org.save(update_fields=["prices_include_tax"])
        try:
            invoice = invoice_create(organization=org, customer=rng.choice(customers), issue_date=date(2026, 11, 2),
                                     lines=_lines(kind, codes, rng), money=_money(rng, rng.choice((0, 15, 30, 45))))
        except Exception as exc:  # noqa: BLE001 - a discount larger than a small invoice: not this bench's point
            tally.refused[f"not created here: {exc}"[:80]] = tally.refused.get(f"not created here: {exc}"[:80], 0) + 1
            continue
        lifecycle.invoice_finalize(invoice=invoice)
        invoices.append(invoice)
    tally.invoices = len(invoices)
    _drain()
    if take_tax and kind == "us_ast":
        tally.tax_taken = _take_qbo_tax(invoices)
        _drain()  # the updates: AST recomputes the same tax from the same lines
    for invoice in invoices:
        invoice.refresh_from_db()
        if invoice.balance > 0 and rng.random() < 0.6:
            amount = invoice.balance if rng.random() < 0.5 else (invoice.balance / 3).quantize(Decimal("0.01"))
            lifecycle.invoice_record_payment(invoice=invoice, amount=amount, method=rng.choice(METHODS),
                                             reference=f"CHK-{rng.randint(1000, 9999)}")
            tally.payments += 1
    _drain()
    tally.payments_pushed = SyncJob.objects.filter(connection=conn, object_type="payment",
                                                   state=JobState.DONE).count()
    _check_payments(sim, conn, tally)
    for invoice in invoices:
        invoice = Invoice.objects.get(pk=invoice.pk)
        jobs = SyncJob.objects.filter(connection=conn, object_type="invoice", local_id=invoice.pk)
        job = jobs.exclude(state=JobState.DONE).first()  # the create, and an update after a payment
        if job is not None:
            reason = (job.last_error or job.state)[:80]
            tally.refused[reason] = tally.refused.get(reason, 0) + 1
            continue
        tally.pushed += 1
        ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
        theirs = sim.control.object(realm, "Invoice", ref.qbo_id)
        got = {"TotalAmt": Decimal(str(theirs["TotalAmt"])), "Balance": Decimal(str(theirs["Balance"])),
               "TotalTax": Decimal(str((theirs.get("TxnTaxDetail") or {}).get("TotalTax", 0)))}
        ours = {"TotalAmt": invoice.total, "Balance": invoice.balance, "TotalTax": invoice.tax_amount}
        for key, value in got.items():
            if value != ours[key]:
                tally.differ[key] += 1
                tally.example.setdefault(key, f"{invoice.number}: QBO {value} vs ours {ours[key]} "
                                              f"(incl={invoice.prices_include_tax}, discount="
                                              f"{invoice.discount_kind or 'none'} {invoice.discount_amount})")
        if kind == "us_ast" and got["TotalTax"] != ours["TotalTax"] and ref.qbo_total_tax == got["TotalTax"]:
            tally.tax_recorded += 1
    return tally


def _check_payments(sim: SimulatorProcess, conn: QuickBooksConnection, tally: Tally) -> None:
    """Each pushed payment: PaymentRefNum = our reference, PaymentMethodRef = the method of the same name
    (none for a method the company lacks), amount equal."""
    from integrations.models import ExternalRef
    from invoicing.models import Payment

    known = {m["name"].casefold(): m["id"] for m in conn.qbo_payment_methods}
    for ref in ExternalRef.objects.filter(connection=conn, object_type="payment"):
        ours = Payment.objects.get(pk=ref.local_id)
        theirs = sim.control.object(conn.realm_id, "Payment", ref.qbo_id)
        want = {"ref": ours.reference[:21], "method": known.get(ours.method.casefold()), "amount": ours.amount}
        got = {"ref": theirs.get("PaymentRefNum"), "method": (theirs.get("PaymentMethodRef") or {}).get("value"),
               "amount": Decimal(str(theirs["TotalAmt"]))}
        if want != got:
            tally.payments_differ += 1
            tally.payment_example = tally.payment_example or f"payment {ours.pk}: QBO {got} vs ours {want}"


def report(t: Tally) -> None:
    print(f"{t.kind}: {t.invoices} invoices, {t.pushed} pushed, payments {t.payments_pushed}/{t.payments} pushed; "
          f"differ: TotalAmt {t.differ['TotalAmt']}, TotalTax {t.differ['TotalTax']}, Balance {t.differ['Balance']}")
    print(f"    payments whose PaymentRefNum, PaymentMethodRef or amount differ: {t.payments_differ}"
          + (f" (e.g. {t.payment_example})" if t.payment_example else ""))
    for key, text in t.example.items():
        print(f"    e.g. {key} {text}")
    for reason, n in t.refused.items():
        print(f"    not pushed ({n}): {reason}")
    if t.kind == "us_ast":
        print(f"    AST tax differences recorded on the invoice (ExternalRef.qbo_total_tax): "
              f"{t.tax_recorded}/{t.differ['TotalTax']}")
    if t.tax_taken is not None:
        left = sum(t.differ.values())
        print(f"    after taking QuickBooks' tax on {t.tax_taken} invoices (before any payment): "
              f"{left} differences (TotalAmt {t.differ['TotalAmt']}, TotalTax {t.differ['TotalTax']}, "
              f"Balance {t.differ['Balance']}); 0 expected")


def main() -> None:
    take_tax = "--take-qbo-tax" in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != "--take-qbo-tax"]
    count = int(args[0]) if args else 200
    rng = random.Random(int(args[1]) if len(args) > 1 else 16)
    kinds = args[2:] or list(KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        sys.exit(f"unknown kind {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    sim = _setup()
    try:
        for kind in kinds:
            report(run_kind(sim, kind, count, rng, take_tax=take_tax))
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
