"""Needs review: the Owner sees each pair side by side and links, creates new or skips; the choice is
applied at once and remembered by the next run. The progress panel is visible to every member."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from accounts.models import Membership, Organization, Role
from customers.models import Customer
from integrations.models import ExternalRef, ImportRun, ImportState, ObjectType, ReviewItem, ReviewState
from tests.integrations.conftest import Qbo
from tests.integrations.import_helpers import connect_owner, customer, qbo_names, run_import

if TYPE_CHECKING:  # django-stubs name the test client's response (with .context and .json()) only privately
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db
BASE = "/settings/integrations/quickbooks/import/"


@pytest.fixture
def pairs(qbo: Qbo, org: Organization, member: Callable[[Organization, str], Membership],
          make_customer: Callable[..., Customer]) -> dict[str, Any]:
    realm = qbo.company("Review Books")
    jane_q = customer(qbo.control, realm, "Jane Smith", "jane@qbo.example", PrimaryPhone={"FreeFormNumber": "555"})
    multi_q = customer(qbo.control, realm, "Multi Match", "multi@qbo.example")
    jane = make_customer(org, "Jane Smith", email="jane@local.example")
    m1, m2 = make_customer(org, "Multi Match"), make_customer(org, "MULTI match", email="m2@local.example")
    conn = connect_owner(qbo, org, member, realm)
    owner = Client()
    assert conn.connected_by is not None
    owner.force_login(conn.connected_by)
    run_import(conn)
    items = {r.qbo_id: r for r in ReviewItem.objects.filter(connection=conn)}
    return {"realm": realm, "conn": conn, "owner": owner, "jane": jane, "m1": m1, "m2": m2,
            "jane_item": items[jane_q["Id"]], "multi_item": items[multi_q["Id"]], "control": qbo.control}


def _post(client: Client, item: ReviewItem, **data: str) -> _MonkeyPatchedWSGIResponse:
    return client.post(f"{BASE}review/{item.pk}/", data)


def test_owner_sees_each_pair_side_by_side(pairs: dict[str, Any]) -> None:
    page = pairs["owner"].get(BASE + "review/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="review-item"') == 2
    assert "jane@qbo.example" in html and "jane@local.example" in html
    assert "Same name, but the email addresses differ." in html and "2 local records have this name." in html
    assert html.count('data-testid="review-link"') == 2


def test_link_applies_at_once_and_the_rerun_does_not_ask_again(pairs: dict[str, Any]) -> None:
    conn, item = pairs["conn"], pairs["jane_item"]
    response = _post(pairs["owner"], item, choice="link")
    assert response.status_code == 302
    ref = ExternalRef.objects.get(connection=conn, object_type=ObjectType.CUSTOMER, local_id=pairs["jane"].pk)
    assert ref.qbo_id == item.qbo_id
    item.refresh_from_db()
    assert item.state == ReviewState.LINKED and item.decided_by == conn.connected_by

    again = run_import(conn)
    assert again.summary["needs_review"] == 1  # only the other pair still waits
    assert ReviewItem.objects.filter(connection=conn).count() == 2
    assert qbo_names(pairs["control"], pairs["realm"])["Jane Smith (2)"] == 0


def test_link_with_several_candidates_needs_the_chosen_one(pairs: dict[str, Any]) -> None:
    item = pairs["multi_item"]
    _post(pairs["owner"], item, choice="link")  # none chosen
    item.refresh_from_db()
    assert item.state == ReviewState.OPEN and not ExternalRef.objects.filter(object_type=ObjectType.CUSTOMER, qbo_id=item.qbo_id).exists()

    _post(pairs["owner"], item, choice="link", local_id=str(pairs["m2"].pk))
    item.refresh_from_db()
    assert item.state == ReviewState.LINKED and item.local_id == pairs["m2"].pk


def test_create_new_imports_the_qbo_record_and_frees_the_local_one(pairs: dict[str, Any], org: Organization) -> None:
    conn, item = pairs["conn"], pairs["jane_item"]
    _post(pairs["owner"], item, choice="create")
    item.refresh_from_db()
    created = Customer.objects.get(pk=item.local_id)
    assert (created.display_name, created.email, created.phone) == ("Jane Smith", "jane@qbo.example", "555")
    assert ExternalRef.objects.get(connection=conn, object_type=ObjectType.CUSTOMER, local_id=created.pk).qbo_id \
        == item.qbo_id

    again = run_import(conn)
    # The local Jane is different, so the next run gives her her own QBO record under a distinct name.
    assert again.summary["created_in_qbo"] == 1 and again.summary["renamed"] == 1
    assert qbo_names(pairs["control"], pairs["realm"])["Jane Smith (2)"] == 1
    assert Customer.objects.filter(organization=org, display_name="Jane Smith").count() == 2


def test_skip_is_remembered(pairs: dict[str, Any]) -> None:
    conn, item = pairs["conn"], pairs["multi_item"]
    _post(pairs["owner"], item, choice="skip")
    again = run_import(conn)
    assert again.summary["needs_review"] == 1 and again.summary["skipped"] == 1
    names = qbo_names(pairs["control"], pairs["realm"])
    assert names["Multi Match (2)"] == names["MULTI match (2)"] == 0  # skipped locals are not sent either


@pytest.mark.parametrize("data", [{"choice": "merge"}, {"choice": "link", "local_id": "abc"},
                                  {"choice": "link", "local_id": "999999"}])
def test_bad_decisions_change_nothing(pairs: dict[str, Any], data: dict[str, str]) -> None:
    item = pairs["multi_item"]
    response = _post(pairs["owner"], item, **data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == ReviewState.OPEN
    assert not ExternalRef.objects.filter(connection=pairs["conn"], object_type=ObjectType.CUSTOMER,
                                      qbo_id=item.qbo_id).exists()
    messages = [str(m) for m in pairs["owner"].get(BASE + "review/").context["messages"]]
    assert any("Choose" in m for m in messages), messages


def test_a_decided_pair_cannot_be_decided_twice(pairs: dict[str, Any]) -> None:
    item = pairs["jane_item"]
    _post(pairs["owner"], item, choice="skip")
    _post(pairs["owner"], item, choice="create")
    item.refresh_from_db()
    assert item.state == ReviewState.SKIPPED and item.local_id is None


def test_only_the_owner_decides(pairs: dict[str, Any], client_for: Callable[[Organization, str], Client],
                                org: Organization) -> None:
    admin = client_for(org, Role.ADMIN)
    assert _post(admin, pairs["jane_item"], choice="link").status_code == 403
    page = admin.get(BASE + "review/").content.decode()
    assert 'data-testid="review-item"' in page and 'data-testid="review-link"' not in page


def test_another_organizations_pair_is_not_found(pairs: dict[str, Any], other_org: Organization,
                                                 client_for: Callable[[Organization, str], Client]) -> None:
    rival = client_for(other_org, Role.OWNER)
    assert _post(rival, pairs["jane_item"], choice="link").status_code == 404


def test_progress_panel_for_every_member_and_the_owner_reruns(pairs: dict[str, Any],
                                                              client_for: Callable[[Organization, str], Client],
                                                              org: Organization) -> None:
    tech = client_for(org, Role.TECHNICIAN)
    panel = tech.get(BASE + "status/")
    html = panel.content.decode()
    assert panel.status_code == 200 and 'data-state="done"' in html
    assert html.count('data-testid="qbo-import-bar"') == 4 and 'data-percent="100"' in html
    assert 'data-key="needs_review"><dt>Needs review</dt><dd>2</dd>' in html
    assert 'data-testid="qbo-import-run"' not in html  # the button is the Owner's
    version = panel.context["imp"].version
    assert tech.get(BASE + "status/", {"v": version}).status_code == 204  # unchanged: htmx keeps the DOM

    assert tech.post(BASE + "run/").status_code == 403
    assert pairs["owner"].post(BASE + "run/").status_code == 302
    latest = ImportRun.objects.filter(connection=pairs["conn"]).first()
    assert latest is not None and latest.state == ImportState.QUEUED and latest.requested_by is not None
    assert tech.get(BASE + "status/", {"v": version}).status_code == 200  # changed: re-rendered
