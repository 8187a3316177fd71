"""How an invoice's tax and discount go to QBO, per kind of company (the connection's `company_kind`,
read from the company itself; qbo-tax-and-money.md §1.2):

* US manual sales tax: lines TAX/NON; `TxnTaxDetail.TxnTaxCodeRef` = the QBO code mapped from the one tax
  code of the taxable lines (QBO US holds one code per invoice), with our `TotalTax` (an override QBO
  prorates over the code's rates, so its total is ours to the cent).
* US automated sales tax: lines TAX/NON and no `TxnTaxDetail` at all — any TotalTax sent is an override of
  Intuit's engine (§2.4); QBO's tax is read back and kept on the mapping.
* Outside the US: every line `TaxCodeRef` = its mapped QBO code (QBO refuses a line without one, 6000),
  `GlobalTaxCalculation` TaxInclusive/TaxExcluded from the invoice's prices_include_tax.
* Not read yet (connections made before the kind was read) and US without sales tax: what was sent before,
  lines TAX/NON and a bare `TotalTax`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from integrations.models import CompanyKind, QuickBooksConnection, TaxCodeMap
from integrations.qbo.errors import QboRefusedHere
from invoicing.models import Invoice, InvoiceLine, TaxCode

# The fault code an unmapped tax code leaves on its job: saving a mapping retries exactly those jobs.
UNMAPPED_TAX_CODE = "unmapped_tax_code"


class TaxCodeUnmapped(QboRefusedHere):
    """A local tax code with no QBO TaxCode chosen: the push waits for a person, never retried as is."""


def _mapped(connection: QuickBooksConnection, codes: list[TaxCode]) -> dict[int, str]:
    found = dict(TaxCodeMap.objects.filter(connection=connection, tax_code__in=codes)
                 .values_list("tax_code_id", "qbo_id"))
    missing = sorted({c.name for c in codes if c.pk not in found})
    if missing:
        names = ", ".join(f"“{n}”" for n in missing)
        raise TaxCodeUnmapped(
            f"Tax code {names} is not matched to a QuickBooks tax code yet; nothing was sent to QuickBooks.",
            hint="Choose its QuickBooks code under Mappings on the QuickBooks settings page: saving the mapping "
                 "sends the invoices that waited for it.", code=UNMAPPED_TAX_CODE)
    return found


def _taxed(line: InvoiceLine) -> bool:
    return line.taxable and line.tax_code_id is not None


def line_tax_codes(connection: QuickBooksConnection, invoice: Invoice, lines: list[InvoiceLine]) -> list[str]:
    """The TaxCodeRef value of each line, in order."""
    if connection.company_kind != CompanyKind.NON_US:
        return ["TAX" if line.taxable else "NON" for line in lines]
    bare = [line for line in lines if line.tax_code_id is None]
    if bare:
        raise QboRefusedHere(
            f"QuickBooks ({connection.company_country or 'outside the US'}) needs a tax code on every line; "
            f"“{bare[0].description or 'a line'}” has none.",
            hint="Give it a code (a zero-rated or exempt one when it is not taxed), then press Retry.")
    found = _mapped(connection, [line.tax_code for line in lines if line.tax_code is not None])
    return [found[line.tax_code_id] for line in lines]  # type: ignore[index]


def tax_detail(connection: QuickBooksConnection, invoice: Invoice, lines: list[InvoiceLine]) -> dict[str, Any]:
    """The body's tax fields beside the lines."""
    kind = connection.company_kind
    if kind == CompanyKind.US_AST:
        return {}
    if kind == CompanyKind.NON_US:
        return {"GlobalTaxCalculation": "TaxInclusive" if invoice.prices_include_tax else "TaxExcluded"}
    detail: dict[str, Any] = {"TotalTax": float(invoice.tax_amount)}
    if kind == CompanyKind.US_MANUAL:
        # A taxed line has a tax code (_taxed says so), which the filter states for the type checker too.
        codes = list({line.tax_code_id: line.tax_code for line in lines
                      if _taxed(line) and line.tax_code is not None}.values())
        if len(codes) > 1:
            names = " and ".join(f"“{c.name}”" for c in sorted(codes, key=lambda c: c.name))
            raise QboRefusedHere(
                f"QuickBooks US allows one sales tax code per invoice; this invoice uses {names}.",
                hint="Use one tax code for its taxable lines (or split it into one invoice per code), then "
                     "press Retry.")
        if codes:
            detail["TxnTaxCodeRef"] = {"value": _mapped(connection, codes)[codes[0].pk]}
    return {"TxnTaxDetail": detail}


def qbo_tax_kept(connection: QuickBooksConnection, entity: dict[str, Any]) -> Decimal | None:
    """QBO's own TotalTax of a pushed invoice, kept on its mapping when the company computes tax itself
    (US automated sales tax); None otherwise."""
    if connection.company_kind != CompanyKind.US_AST:
        return None
    return Decimal(str((entity.get("TxnTaxDetail") or {}).get("TotalTax", 0))).quantize(Decimal("0.01"))
