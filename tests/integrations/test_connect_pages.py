"""The settings page by role and plan, the preferences form, the polled status partial and the
authorization-end warning. No simulator needed: nothing here reaches QuickBooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from accounts.models import Membership, Organization, Plan, Role
from integrations.models import AuditEvent, OAuthState, QuickBooksConnection, SyncPreferences
from tests.integrations.conftest import PAGE

pytestmark = pytest.mark.django_db
READERS = (Role.ADMIN, Role.DISPATCHER, Role.TECHNICIAN)
ALL_PREFS = {"sync_customers": "on", "sync_products": "on", "sync_invoices": "on", "sync_projects": "on",
             "sync_payments": "on", "invoice_trigger": "finalize"}


def _linked(org: Organization, **fields: object) -> QuickBooksConnection:
    defaults = {"realm_id": "9130357766", "environment": "simulator", "company_name": "Fir Tree Books",
                "access_token": "eyJ-a", "refresh_token": "RT1-r", "connected_at": timezone.now(),
                "refresh_token_expires_at": timezone.now() + timedelta(days=100)}
    return QuickBooksConnection.objects.create(organization=org, **{**defaults, **fields})


def test_owner_sees_connect_and_editable_preferences(org: Organization, owner_client: Client) -> None:
    html = owner_client.get(PAGE).content.decode()

    assert 'data-testid="qbo-connect"' in html and "Connect to QuickBooks" in html
    assert "Not connected" in html and "Simulator" in html
    assert 'data-testid="qbo-save-preferences"' in html and "disabled" not in html
    assert 'data-testid="qbo-upgrade"' not in html


@pytest.mark.parametrize("role", READERS)
def test_other_roles_see_status_read_only_and_cannot_post(role: str, org: Organization,
                                                          client_for: Callable[[Organization, str], Client]) -> None:
    conn = _linked(org)
    client = client_for(org, role)

    html = client.get(PAGE).content.decode()
    posts = [client.post(PAGE + "connect/"), client.post(PAGE + "disconnect/", {"confirm": "True"}),
             client.get(PAGE + "disconnect/"), client.post(PAGE + "preferences/", {**ALL_PREFS, "sync_payments": ""})]
    # Intuit's review: the OAuth callback answers with a redirect and a message, never a rendered 403.
    callback = client.get(PAGE + "callback/", {"state": "x", "code": "y", "realmId": "1"})

    assert "Fir Tree Books" in html and "Connected" in html and "9130357766" in html
    for control in ("qbo-connect", "qbo-disconnect", "qbo-save-preferences"):
        assert f'data-testid="{control}"' not in html
    assert 'data-testid="qbo-read-only"' in html and html.count("disabled") >= 6
    assert [p.status_code for p in posts] == [403] * 4
    assert callback.status_code == 302 and callback["Location"] == PAGE
    assert any("Only the organization’s Owner can connect" in str(m) for m in client.get(PAGE).context["messages"])
    conn.refresh_from_db()
    assert conn.status == "connected" and conn.refresh_token == "RT1-r"
    assert not OAuthState.objects.exists()
    assert SyncPreferences.objects.get_or_create(organization=org)[0].sync_payments is True


def test_starter_sees_the_upgrade_notice_and_no_connect(make_org: Callable[..., Organization],
                                                        client_for: Callable[[Organization, str], Client]) -> None:
    starter = make_org("Tiny Co", plan=Plan.STARTER)
    client = client_for(starter, Role.OWNER)

    html = client.get(PAGE).content.decode()
    refused = client.post(PAGE + "connect/")

    assert 'data-testid="qbo-upgrade"' in html and "How to upgrade" in html and "Pro or Enterprise" in html
    assert 'data-testid="qbo-connect"' not in html and 'data-testid="qbo-preferences"' not in html
    assert refused.status_code == 403 and "Pro and Enterprise plans" in refused.content.decode()
    assert not OAuthState.objects.exists()


def test_a_downgraded_organization_can_still_disconnect(make_org: Callable[..., Organization],
                                                        client_for: Callable[[Organization, str], Client],
                                                        settings: Settings) -> None:
    settings.QBO_SIM_URL = "http://127.0.0.1:9"  # QuickBooks unreachable: the revoke fails
    starter = make_org("Shrunk Co", plan=Plan.STARTER)
    conn = _linked(starter)
    client = client_for(starter, Role.OWNER)

    html = client.get(PAGE).content.decode()
    assert 'data-testid="qbo-upgrade"' in html and 'data-testid="qbo-disconnect"' in html

    client.post(PAGE + "disconnect/", {"confirm": "True"})
    conn.refresh_from_db()
    assert conn.status == "disconnected" and conn.refresh_token == ""  # cut here even though Intuit was not told


def test_one_integration_at_a_time_message_when_connected(org: Organization, owner_client: Client) -> None:
    _linked(org)
    html = owner_client.get(PAGE).content.decode()
    assert 'data-testid="qbo-one-at-a-time"' in html and "disconnect it first" in html
    assert 'data-testid="qbo-connect"' not in html and 'data-testid="qbo-disconnect"' in html


def test_owner_saves_preferences_and_the_change_is_audited(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(PAGE + "preferences/", {**ALL_PREFS, "sync_projects": "", "invoice_trigger": "send"})

    assert response.status_code == 302
    prefs = SyncPreferences.objects.get(organization=org)
    assert (prefs.sync_projects, prefs.invoice_trigger, prefs.sync_customers) == (False, "send", True)
    event = AuditEvent.objects.get(organization=org, action="preferences_changed")
    assert event.detail == "sync_projects: on → off; invoice_trigger: on finalize → on send"
    html = owner_client.get(PAGE).content.decode()
    assert "Sync preferences saved." in html and "Preferences changed" in html and event.detail in html


def test_saving_unchanged_preferences_audits_nothing(org: Organization, owner_client: Client) -> None:
    owner_client.post(PAGE + "preferences/", ALL_PREFS)
    assert not AuditEvent.objects.filter(organization=org).exists()


def test_bad_preferences_are_shown_and_nothing_is_saved(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(PAGE + "preferences/", {**ALL_PREFS, "sync_payments": "", "invoice_trigger": "never"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert SyncPreferences.objects.get_or_create(organization=org)[0].sync_payments is True
    assert not AuditEvent.objects.filter(organization=org).exists()


def test_status_partial_answers_204_until_something_changes(org: Organization, owner_client: Client) -> None:
    first = owner_client.get(PAGE + "status/")
    version = first.content.decode().split("?v=")[1].split('"')[0]
    assert first.status_code == 200 and "Not connected" in first.content.decode()
    assert owner_client.get(PAGE + "status/", {"v": version}).status_code == 204

    _linked(org)
    changed = owner_client.get(PAGE + "status/", {"v": version})

    assert changed.status_code == 200 and "Fir Tree Books" in changed.content.decode()
    assert "<html" not in changed.content.decode()  # a fragment, not a page


@pytest.mark.parametrize(("field", "days", "warned"), [
    ("refresh_token_expires_at", 10, True), ("refresh_token_hard_expires_at", 13, True),
    ("refresh_token_hard_expires_at", 29, True), ("refresh_token_hard_expires_at", 31, False),
    ("refresh_token_expires_at", 20, False), ("refresh_token_expires_at", 60, False)])
def test_warning_before_the_authorization_ends(field: str, days: int, warned: bool, org: Organization,
                                               owner_client: Client) -> None:
    """14 days before the rolling end (upkeep renews it), 30 days before the 5-year hard end (only a
    reconnect moves it): on the QuickBooks page and in the banner of every page."""
    _linked(org, **{field: timezone.now() + timedelta(days=days)})
    html = owner_client.get(PAGE).content.decode()
    assert ('data-testid="qbo-expiry-warning"' in html) is warned
    elsewhere = owner_client.get("/customers/").content.decode()
    assert ('data-testid="qbo-authorization-banner"' in elsewhere) is warned
    assert ('data-testid="qbo-connect"' in html) is warned  # the Owner can renew it right there


def test_audit_list_shows_who_and_what(org: Organization, owner_client: Client,
                                       member: Callable[[Organization, str], Membership]) -> None:
    conn = _linked(org)
    owner = member(org, Role.OWNER).user
    AuditEvent.objects.create(organization=org, connection=conn, actor=owner, action="connected", detail="realm 913")
    AuditEvent.objects.create(organization=org, connection=conn, action="refresh_failed", detail="HTTP 503")

    html = owner_client.get(PAGE).content.decode()

    assert "Token refresh failed" in html and "HTTP 503" in html and "System" in html
    assert "Connected" in html and owner.get_username() in html
    assert html.index("Token refresh failed") < html.index("realm 913")  # newest first


@pytest.mark.parametrize(("fields", "says", "never"), [
    ({"refresh_token_expires_at": 60, "refresh_token_hard_expires_at": 1500},
     "No reconnect needed: each refresh extends the refresh token", "Reconnect by"),
    ({"refresh_token_expires_at": 90, "refresh_token_hard_expires_at": 40},
     "Reconnect by", "No reconnect needed"),
    ({"refresh_token_expires_at": 10}, "The authorization itself ends on the date above.", "Reconnect by"),
])
def test_the_authorization_row_says_which_end_applies_once(fields: dict[str, int], says: str, never: str,
                                                           org: Organization, owner_client: Client) -> None:
    """It said "until <date> (renewed automatically while connected)": both an end and no end."""
    _linked(org, **{name: timezone.now() + timedelta(days=days) for name, days in fields.items()})
    html = owner_client.get(PAGE).content.decode()
    row = html.split('data-testid="qbo-authorization">')[1].split("</dd>")[0]
    assert "Access token renewed automatically while connected." in row
    assert says in row and never not in row
    assert "Authorization until" not in html
