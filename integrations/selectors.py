"""Reads of the QuickBooks integration."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Organization
from integrations.models import (
    AuditEvent,
    CompanyKind,
    ConnectionStatus,
    QuickBooksConnection,
    SyncPreferences,
    TaxCodeMap,
)
from invoicing.models import ProductType, TaxCode


def connection_live(*, organization: Organization) -> QuickBooksConnection | None:
    """The organization's current link (connected or authorization expired), if any."""
    return (QuickBooksConnection.objects.filter(organization=organization)
            .exclude(status=ConnectionStatus.DISCONNECTED).select_related("connected_by").first())


def connection_latest(*, organization: Organization) -> QuickBooksConnection | None:
    """The live link, else the most recently disconnected one (for the status panel)."""
    return connection_live(organization=organization) or (
        QuickBooksConnection.objects.filter(organization=organization, switch_pending_at__isnull=True)
        .select_related("connected_by").order_by("-disconnected_at", "-id").first()
    )


def connection_switch_pending(*, organization: Organization) -> QuickBooksConnection | None:
    """A different company's grant waiting for the Owner to confirm the switch (never live)."""
    return (QuickBooksConnection.objects.filter(organization=organization, switch_pending_at__isnull=False,
                                                status=ConnectionStatus.DISCONNECTED)
            .order_by("-switch_pending_at").first())


def connection_active(*, organization: Organization) -> QuickBooksConnection | None:
    """The link that sync work may use now (connected and a paid plan)."""
    if not organization.is_paid_plan:
        return None
    return QuickBooksConnection.objects.filter(organization=organization, status=ConnectionStatus.CONNECTED).first()


def preferences_for(*, organization: Organization) -> SyncPreferences:
    prefs, _ = SyncPreferences.objects.get_or_create(organization=organization)
    return prefs


def audit_events(*, organization: Organization, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(organization=organization).select_related("actor")[:limit])


@dataclass(frozen=True)
class TaxCodeRow:
    """One local tax code on the Mappings section: the QBO code it is sent as, if any."""

    tax_code_id: int
    name: str
    percent: Decimal
    qbo_id: str
    qbo_name: str
    suggested: bool
    # Outside the US, the QBO code's component rates ("5 %, 7 %") when ours differ from them (one 12 % rate,
    # say): QBO rounds each component on each line (§5.2), so such a code's invoices can be a cent apart.
    qbo_components_differ: str = ""
    # The QBO code's combined rate when it is not ours (8.875 % here, 13 % there): QBO computes tax at its
    # own rate, so every invoice with the code would differ; the page says so next to the choice.
    qbo_rate_differs: str = ""


def _nonzero(rates: list[Decimal]) -> list[Decimal]:
    return sorted(r.normalize() for r in rates if r)  # a 0 % component taxes nothing, however it is rounded


def _components_differ(connection: QuickBooksConnection, code: TaxCode, qbo: dict[str, str] | None) -> str:
    if connection.company_kind != CompanyKind.NON_US or not qbo or not qbo.get("rates"):
        return ""  # US rounds per rate on the subtotal; codes read before the components were kept: unknown
    theirs = _nonzero([Decimal(r) for r in qbo["rates"].split(",")])
    if theirs == _nonzero([r.rate for r in code.rates.all()]):
        return ""
    return ", ".join(f"{r} %" for r in theirs)


def _rate_differs(ours: Decimal, qbo: dict[str, str] | None) -> str:
    if not qbo or not qbo.get("rate"):
        return ""
    try:
        theirs = Decimal(str(qbo["rate"]))
    except ArithmeticError:
        return ""
    return "" if theirs == ours else f"{theirs.normalize()} %"


def tax_code_rows(*, connection: QuickBooksConnection) -> list[TaxCodeRow]:
    qbo_codes = {c["id"]: c for c in connection.qbo_tax_codes}
    maps = {m.tax_code_id: m for m in TaxCodeMap.objects.filter(connection=connection)}
    rows = []
    for code in TaxCode.objects.filter(organization_id=connection.organization_id).prefetch_related("rates"):
        found = maps.get(code.pk)
        qbo_id = found.qbo_id if found else ""
        qbo = qbo_codes.get(qbo_id)
        ours = sum((r.rate for r in code.rates.all()), Decimal(0))
        differs = _rate_differs(ours, qbo)
        rows.append(TaxCodeRow(code.pk, code.name, ours, qbo_id, qbo["name"] if qbo else qbo_id,
                               bool(found and found.suggested),
                               "" if differs else _components_differ(connection, code, qbo), differs))
    return rows


def qbo_tax_code_choices(*, connection: QuickBooksConnection) -> list[dict[str, str]]:
    """The company's real tax codes (not the US pseudo codes TAX/NON), as last read."""
    return [c for c in connection.qbo_tax_codes if c.get("has_rates")]


def tax_codes_by_qbo(*, connection: QuickBooksConnection) -> dict[str, TaxCode]:
    """QBO TaxCode id → the local tax code mapped to it, for the ids exactly one local code maps to (when
    several do, a person chooses on the product instead)."""
    maps = list(TaxCodeMap.objects.filter(connection=connection).select_related("tax_code"))
    counts: dict[str, int] = {}
    for m in maps:
        counts[m.qbo_id] = counts.get(m.qbo_id, 0) + 1
    return {m.qbo_id: m.tax_code for m in maps if counts[m.qbo_id] == 1}


def tax_code_for_qbo(*, connection: QuickBooksConnection, qbo_id: str) -> TaxCode | None:
    """The local tax code mapped to QBO's TaxCode `qbo_id` (an item's SalesTaxCodeRef read back)."""
    return tax_codes_by_qbo(connection=connection).get(qbo_id) if qbo_id else None


@dataclass(frozen=True)
class IncomeAccountRow:
    product_type: str
    label: str
    account_id: str  # "" = the default account
    account_name: str


def income_account_rows(*, connection: QuickBooksConnection) -> list[IncomeAccountRow]:
    """Mappings: products. Per product type, the Income account its items post their sales to."""
    names = {a["id"]: a["name"] for a in connection.qbo_income_accounts}
    rows = []
    for value, label in ProductType.choices:
        chosen = str(connection.income_account_by_type.get(value, ""))
        rows.append(IncomeAccountRow(value, str(label), chosen, names.get(chosen, "")))
    return rows
