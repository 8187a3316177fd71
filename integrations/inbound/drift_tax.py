"""The drift report's tax codes (issue 16: the inbound sync, the drift report and the import speak the same
mappings). What the push sends is compared with what QuickBooks holds, in the names a person knows: our
code's name and the QBO code's name as the company was last read (`connection.qbo_tax_codes`).

* Outside the US, a product's code vs its item's `SalesTaxCodeRef` (the push sends it only for a product
  with a code, `push/handlers/item.py`), and each invoice line's code vs the `TaxCodeRef` of the QBO sales
  line at the same place (the push sends the lines in their order, `push/handlers/invoice.py`).
* US manual sales tax: the one code of the invoice's taxed lines vs `TxnTaxDetail.TxnTaxCodeRef`.

A local code with no mapping is said to be "not mapped", never compared (the push sends none for an item,
and refuses an invoice). Everything is read in a few queries for the whole report, none per record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from integrations.models import CompanyKind, DriftItem, ExternalRef, ObjectType, QuickBooksConnection, TaxCodeMap
from invoicing.models import Invoice, InvoiceLine, TaxCode

FIELD = "Tax code"
LINES = "Lines"
# (mapping, local record, QBO entity, label): the records the report compares, QBO's side read.
Pair = tuple[ExternalRef, Any, dict[str, Any], str]


@dataclass(frozen=True)
class TaxNames:
    """The connection's tax-code mappings and both sides' names, read once per report."""

    mapped: dict[int, str]  # local code id → QBO TaxCode id
    ours: dict[int, str]  # local code id → its name
    theirs: dict[str, str]  # QBO TaxCode id → its name, as last read

    @classmethod
    def load(cls, connection: QuickBooksConnection) -> TaxNames:
        mapped = dict(TaxCodeMap.objects.filter(connection=connection).values_list("tax_code_id", "qbo_id"))
        ours = dict(TaxCode.objects.filter(organization_id=connection.organization_id).values_list("id", "name"))
        return cls(mapped, ours, {c["id"]: c["name"] for c in connection.qbo_tax_codes})

    def qbo_name(self, qbo_id: str) -> str:
        if not qbo_id:
            return "none"
        return self.theirs.get(qbo_id) or f"code {qbo_id}"  # added in QuickBooks since the last read

    def expected(self, code_id: int | None) -> tuple[str | None, str]:
        """The QBO id our code is sent as (None: no code, or not mapped) and how to say ours."""
        if code_id is None:
            return None, "none"
        name = self.ours.get(code_id, f"code {code_id}")
        qbo_id = self.mapped.get(code_id)
        if qbo_id is None:
            return None, f"{name} (not mapped to a QuickBooks code)"
        return qbo_id, f"{name} (sent as {self.qbo_name(qbo_id)})"


def _ref_value(holder: dict[str, Any] | None, key: str) -> str:
    ref = (holder or {}).get(key)
    return str(ref.get("value") or "") if isinstance(ref, dict) else ""


def _item(object_type: str, ref: ExternalRef, obj: Any, label: str, field: str, ours: str,
          theirs: str) -> DriftItem:
    return DriftItem(object_type=object_type, local_id=obj.pk, qbo_id=ref.qbo_id, label=label, field=field,
                     ours=ours, theirs=theirs)


def _differs(names: TaxNames, code_id: int, theirs_id: str) -> tuple[str, str] | None:
    """Ours and theirs, in words, when they differ: ours mapped to another QBO code than theirs, or ours not
    mapped at all (said so: a person maps it, a push would not change QuickBooks)."""
    qbo_id, ours = names.expected(code_id)
    if qbo_id == theirs_id:
        return None
    return ours, names.qbo_name(theirs_id)


def product_tax_drift(names: TaxNames, pairs: Iterable[Pair]) -> list[DriftItem]:
    out: list[DriftItem] = []
    for ref, product, entity, label in pairs:
        if product.tax_code_id is None:
            continue  # the push sends no code for it: QBO's default stands
        found = _differs(names, product.tax_code_id, _ref_value(entity, "SalesTaxCodeRef"))
        if found is not None:
            out.append(_item(ObjectType.ITEM, ref, product, label, FIELD, *found))
    return out


def _sales_lines(entity: dict[str, Any]) -> list[dict[str, Any]]:
    lines = [ln for ln in entity.get("Line") or [] if ln.get("DetailType") == "SalesItemLineDetail"]
    return sorted(lines, key=lambda ln: int(ln.get("LineNum") or 0))  # stable: QBO's order when none has one


def _lines_by_invoice(invoices: list[Invoice]) -> dict[int, list[InvoiceLine]]:
    """Every compared invoice's lines in one query, in their own order (as the push sends them)."""
    out: dict[int, list[InvoiceLine]] = {invoice.pk: [] for invoice in invoices}
    for line in InvoiceLine.objects.filter(invoice_id__in=out).order_by("invoice_id", "position", "id"):
        out[line.invoice_id].append(line)
    return out


def _non_us_invoice(names: TaxNames, ref: ExternalRef, invoice: Invoice, label: str, ours: list[InvoiceLine],
                    entity: dict[str, Any]) -> list[DriftItem]:
    theirs = _sales_lines(entity)
    if len(theirs) != len(ours):
        # Lines were added or removed on one side: places no longer match, so codes are not compared.
        return [_item(ObjectType.INVOICE, ref, invoice, label, LINES, f"{len(ours)} lines", f"{len(theirs)} lines")]
    out: list[DriftItem] = []
    for n, (line, their_line) in enumerate(zip(ours, theirs, strict=True), start=1):
        field = f"{FIELD}, line {n}"
        theirs_id = _ref_value(their_line.get("SalesItemLineDetail"), "TaxCodeRef")
        if line.tax_code_id is None:
            # The push refuses such a line outside the US; say so rather than compare nothing.
            out.append(_item(ObjectType.INVOICE, ref, invoice, label, field, "none", names.qbo_name(theirs_id)))
            continue
        found = _differs(names, line.tax_code_id, theirs_id)
        if found is not None:
            out.append(_item(ObjectType.INVOICE, ref, invoice, label, field, *found))
    return out


def _us_manual_invoice(names: TaxNames, ref: ExternalRef, invoice: Invoice, label: str, ours: list[InvoiceLine],
                       entity: dict[str, Any]) -> list[DriftItem]:
    codes = sorted({line.tax_code_id for line in ours if line.taxable and line.tax_code_id is not None})
    theirs_id = _ref_value(entity.get("TxnTaxDetail"), "TxnTaxCodeRef")
    if not codes:
        return []  # no taxed line: QBO's code (if any) taxes nothing
    if len(codes) > 1:
        both = " and ".join(names.ours.get(c, f"code {c}") for c in codes)
        return [_item(ObjectType.INVOICE, ref, invoice, label, FIELD,
                      f"{both} (QuickBooks US takes one code per invoice)", names.qbo_name(theirs_id))]
    found = _differs(names, codes[0], theirs_id)
    return [] if found is None else [_item(ObjectType.INVOICE, ref, invoice, label, FIELD, *found)]


def invoice_tax_drift(connection: QuickBooksConnection, names: TaxNames, pairs: list[Pair]) -> list[DriftItem]:
    kind = connection.company_kind
    compare = _non_us_invoice if kind == CompanyKind.NON_US else _us_manual_invoice
    lines = _lines_by_invoice([invoice for _, invoice, _, _ in pairs])
    out: list[DriftItem] = []
    for ref, invoice, entity, label in pairs:
        out += compare(names, ref, invoice, label, lines[invoice.pk], entity)
    return out


def tax_drift(connection: QuickBooksConnection, object_type: str, pairs: list[Pair]) -> list[DriftItem]:
    """The tax-code differences of one kind of record (products or invoices); none for customers."""
    if object_type not in (ObjectType.ITEM, ObjectType.INVOICE) or not pairs:
        return []
    kind = connection.company_kind
    if kind not in (CompanyKind.NON_US, CompanyKind.US_MANUAL):
        return []  # AST chooses its own code; a tax-off company has none
    if object_type == ObjectType.ITEM and kind != CompanyKind.NON_US:
        return []  # a US item carries no tax code (Taxable only)
    names = TaxNames.load(connection)
    if object_type == ObjectType.ITEM:
        return product_tax_drift(names, pairs)
    return invoice_tax_drift(connection, names, pairs)


def is_tax_field(field: str) -> bool:
    """A tax-code difference (or the lines they sit on): only ours can be pushed; QBO's code is not taken
    back onto a mapped record (an item's code comes back only when QuickBooks creates it)."""
    return field == LINES or field.startswith(FIELD)
