"""The organization's settings page, its time zone on every displayed time, and the Settings › Integrations
breadcrumb (which led to a 404)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import Client

from accounts.models import Organization, Role
from invoicing import lifecycle
from invoicing.models import Invoice


def test_every_breadcrumb_link_of_the_quickbooks_page_opens_a_page(owner_client: Client) -> None:
    page = owner_client.get("/settings/integrations/quickbooks/").content.decode()
    crumb = re.search(r'<div class="breadcrumb">(.*?)</div>', page, re.DOTALL)
    assert crumb is not None
    links = {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumb.group(1))}
    assert set(links) == {"Settings", "Integrations"}
    for href in links.values():
        assert owner_client.get(href, follow=True).status_code == 200
    assert owner_client.get("/settings/integrations/", follow=True).redirect_chain[-1][0].endswith(
        "/settings/integrations/quickbooks/")


def test_an_owner_sets_the_time_zone_and_times_show_in_it_with_the_zone(
        org: Organization, owner_client: Client, make_invoice: Callable[..., Invoice]) -> None:
    assert org.timezone == "UTC"  # settings.TIME_ZONE
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    invoice.refresh_from_db()
    invoice.finalized_at = datetime(2026, 1, 15, 18, 30, tzinfo=ZoneInfo("UTC"))
    invoice.save(update_fields=["finalized_at"])
    assert "Jan 15, 2026 18:30 UTC" in owner_client.get(f"/invoices/{invoice.pk}/").content.decode()

    response = owner_client.post("/settings/", {"timezone": "America/Chicago"}, follow=True)
    assert "Times are now shown in America/Chicago." in response.content.decode()
    org.refresh_from_db()
    assert org.timezone == "America/Chicago"
    assert "Jan 15, 2026 12:30 CST" in owner_client.get(f"/invoices/{invoice.pk}/").content.decode()


def test_a_bad_time_zone_is_a_form_error_and_changes_nothing(org: Organization, owner_client: Client) -> None:
    response = owner_client.post("/settings/", {"timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    org.refresh_from_db()
    assert org.timezone == "UTC"


def test_a_technician_sees_the_zone_but_may_not_change_it(
        org: Organization, client_for: Callable[[Organization, str], Client]) -> None:
    technician = client_for(org, Role.TECHNICIAN)
    page = technician.get("/settings/").content.decode()
    assert 'data-testid="org-timezone"' in page and 'data-testid="org-settings-form"' not in page
    assert technician.post("/settings/", {"timezone": "America/Chicago"}).status_code == 403
    org.refresh_from_db()
    assert org.timezone == "UTC"


def test_each_request_uses_its_own_organizations_zone(
        org: Organization, other_org: Organization, client_for: Callable[[Organization, str], Client],
        make_invoice: Callable[..., Invoice]) -> None:
    other_org.timezone = "Asia/Tokyo"
    other_org.save()
    when = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    pages = {}
    for organization in (org, other_org):
        invoice = make_invoice(organization)
        lifecycle.invoice_finalize(invoice=invoice)
        Invoice.objects.filter(pk=invoice.pk).update(finalized_at=when)
        pages[organization.slug] = client_for(organization, Role.OWNER).get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Jul 1, 2026 21:00 JST" in pages[other_org.slug]
    assert "Jul 1, 2026 12:00 UTC" in pages[org.slug]  # the Tokyo request before left nothing behind
