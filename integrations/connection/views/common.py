"""What the QuickBooks views share: the plan gate and the page's context."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Organization
from accounts.permissions import can
from accounts.requests import OrgRequest
from integrations.connection.forms import SyncPreferencesForm
from integrations.connection.panel import quickbooks_panel
from integrations.connection.product_accounts import product_income_overrides
from integrations.connection.switch import switch_pending
from integrations.method_terms import payment_method_rows, term_rows
from integrations.push.number_choices import clash_rows
from integrations.selectors import (
    audit_events,
    connection_live,
    income_account_rows,
    preferences_for,
    qbo_tax_code_choices,
    tax_code_rows,
)

PLAN_MESSAGE = ("The QuickBooks integration is part of the Pro and Enterprise plans; this organization is on "
                "Starter. Upgrade the plan to connect QuickBooks.")


def plan_refused(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/refused.html", {"message": PLAN_MESSAGE}, status=403)


def page_context(request: OrgRequest, *, form: SyncPreferencesForm | None = None) -> dict[str, object]:
    organization = request.organization
    can_manage = can(request.role, "integration.manage")
    if form is None:
        form = SyncPreferencesForm(instance=preferences_for(organization=organization), read_only=not can_manage)
    return {
        "panel": quickbooks_panel(organization=organization),
        "can_manage": can_manage,
        "paid_plan": organization.is_paid_plan,
        "prefs_form": form,
        "events": audit_events(organization=organization, limit=30),
        "switch": switch_pending(organization=organization),
        **company_context(organization),
    }


def company_context(organization: Organization) -> dict[str, object]:
    """The connected company's kind and the tax code Mappings section."""
    live = connection_live(organization=organization)
    if live is None:
        return {"company": None}
    return {"company": live, "number_clashes": clash_rows(connection=live), "tax_code_rows": tax_code_rows(connection=live),
            "qbo_tax_codes": qbo_tax_code_choices(connection=live),
            "income_rows": income_account_rows(connection=live),
            "income_overrides": product_income_overrides(connection=live),
            "method_rows": payment_method_rows(connection=live), "term_rows": term_rows(connection=live)}
