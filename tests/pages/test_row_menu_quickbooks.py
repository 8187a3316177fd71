"""An invoice row's menu shows its QuickBooks heading only above something a person can use or read."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from accounts.models import Organization, Role
from invoicing import lifecycle
from invoicing.models import Invoice


def test_a_technician_gets_no_empty_quickbooks_heading(
        org: Organization, client_for: Callable[[Organization, str], Client],
        make_invoice: Callable[..., Invoice]) -> None:
    lifecycle.invoice_finalize(invoice=make_invoice(org))
    technician_page = client_for(org, Role.TECHNICIAN).get("/invoices/").content.decode()
    owner_page = client_for(org, Role.OWNER).get("/invoices/").content.decode()
    assert "qbo-menu-head" in owner_page and 'data-testid="qbo-sync-action"' in owner_page
    assert 'data-testid="qbo-sync-action"' not in technician_page
    assert "qbo-menu-head" not in technician_page
