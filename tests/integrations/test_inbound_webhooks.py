"""Webhooks from the running simulator, posted to the app's live server: what a bookkeeper changes in QBO
shows here; forged, replayed, malformed or reordered deliveries change nothing more than they should."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
import requests
from django.conf import settings

from accounts.models import Organization
from customers.models import Customer
from integrations.inbound.selectors import customer_flags
from integrations.inbound.webhooks import MAX_BODY_BYTES
from integrations.models import EventState, ExternalRef, JobState, SyncJob, SyncPreferences, WebhookEvent
from invoicing.models import Product
from qbo_sim.webhooks import sign
from tests.integrations.conftest import Qbo
from tests.integrations.inbound_helpers import GATE, Capture, Hooks

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Inbound Books")


@pytest.fixture
def linked_product(hooks: Hooks, org: Organization, make_product: Callable[..., Product]) -> tuple[Product, str]:
    """A product pushed to QBO by the push queue; its echo webhooks have been processed."""
    product = make_product(org, "Furnace tune-up", "95.00", sku="TUNE-1", description="Annual check")
    hooks.drain()
    hooks.process()
    ref = ExternalRef.objects.get(object_type="item", local_id=product.pk)
    return product, ref.qbo_id


def _open_jobs() -> list[SyncJob]:
    return list(SyncJob.objects.exclude(state=JobState.DONE))


def test_item_renamed_and_repriced_in_qbo_updates_the_product_without_pushing_back(
        qbo: Qbo, realm: str, hooks: Hooks, linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    qbo.control.entities(realm, "Item", {"Id": item_id, "Name": "Furnace tune-up (2025)", "UnitPrice": 110.5})
    assert hooks.process() >= 1
    product.refresh_from_db()
    assert (product.name, product.unit_price, product.sku) == ("Furnace tune-up (2025)", Decimal("110.50"), "TUNE-1")
    assert _open_jobs() == []  # applied under sync_suppressed: nothing goes back to QBO
    event = WebhookEvent.objects.filter(entity="Item", entity_id=item_id, operation="Update").latest("id")
    assert event.state == EventState.DONE and "took" in event.outcome


def test_echo_of_our_own_push_changes_nothing(qbo: Qbo, realm: str, hooks: Hooks,
                                              linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    product.unit_price = Decimal("99.00")
    product.save()
    hooks.drain()  # our push: QBO's SyncToken moves and a webhook for it comes back
    assert hooks.process() == 1
    event = WebhookEvent.objects.filter(entity_id=item_id).latest("id")
    assert event.outcome == "echo of our own change: ignored"
    product.refresh_from_db()
    assert product.unit_price == Decimal("99.00") and _open_jobs() == []
    assert qbo.control.object(realm, "Item", item_id)["UnitPrice"] == 99.0


def test_forged_signature_is_refused_and_changes_nothing(qbo: Qbo, realm: str, hooks: Hooks,
                                                         linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    stored = WebhookEvent.objects.count()
    hooks.config(verifier_token="not-the-app-token")
    qbo.control.entities(realm, "Item", {"Id": item_id, "Name": "Forged name"})
    hooks.process()
    statuses = {entry["status"] for entry in hooks.log(realm) if entry["event"] == f"Item:{item_id}:Update"}
    assert statuses == {401}
    assert WebhookEvent.objects.count() == stored
    product.refresh_from_db()
    assert product.name == "Furnace tune-up"


def test_same_event_delivered_twice_is_processed_once(qbo: Qbo, realm: str, hooks: Hooks,
                                                      linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    hooks.config(webhook_duplicate=True)
    qbo.control.entities(realm, "Item", {"Id": item_id, "Description": "Twice delivered"})
    hooks.settle()
    deliveries = [e for e in hooks.log(realm) if e["event"] == f"Item:{item_id}:Update" and e["ok"]]
    assert len(deliveries) == 2  # the simulator really sent the same body twice
    rows = WebhookEvent.objects.filter(entity_id=item_id, operation="Update")
    assert rows.count() == 1
    before = qbo.api_calls(realm)
    assert hooks.process() == 1
    assert qbo.api_calls(realm) - before == 1  # one re-read, once
    product.refresh_from_db()
    assert product.description == "Twice delivered"


def test_events_in_reverse_order_end_in_the_right_state(qbo: Qbo, realm: str, hooks: Hooks,
                                                        linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    capture = Capture()
    hooks.config(webhook_url=capture.url)
    for price in (120, 130, 140):
        qbo.control.entities(realm, "Item", {"Id": item_id, "UnitPrice": price})
    hooks.settle()
    hooks.config(webhook_url=hooks.url)
    capture.server.shutdown()
    assert len(capture.bodies) == 3
    for body, signature in reversed(capture.bodies):  # newest first, oldest last
        response = requests.post(hooks.url, data=body, headers={"intuit-signature": signature,
                                                                "Content-Type": "application/json"}, timeout=10)
        assert response.status_code == 200, response.text
        hooks.process()  # each one processed before the older one arrives
        product.refresh_from_db()
        assert product.unit_price == Decimal("140.00")
    outcomes = list(WebhookEvent.objects.filter(entity_id=item_id, operation="Update").order_by("id")
                    .values_list("outcome", flat=True))
    assert outcomes[0].startswith("took") and all(o.startswith("not newer") for o in outcomes[1:])


def test_randomly_reordered_deliveries_still_end_in_the_last_state(qbo: Qbo, realm: str, hooks: Hooks,
                                                                   linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    hooks.config(webhook_out_of_order=True, webhook_reorder_ms=400, webhook_time_scale=1.0)
    for price in range(200, 210):
        qbo.control.entities(realm, "Item", {"Id": item_id, "UnitPrice": price})
    hooks.process()
    product.refresh_from_db()
    assert product.unit_price == Decimal("209.00")


def _post(hooks: Hooks, body: bytes, signature: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["intuit-signature"] = signature
    return requests.post(hooks.url, data=body, headers=headers, timeout=10)


def test_malformed_oversized_unsigned_deliveries(hooks: Hooks, realm: str) -> None:
    token = settings.QBO_WEBHOOK_VERIFIER_TOKEN
    for bad in (b"not json", b'{"hello": 1}', b'[{"id": "x"}]', b'{"eventNotifications": [{"realmId": "1"}]}'):
        assert _post(hooks, bad, sign(bad, token)).status_code == 400
    good = json.dumps([{"specversion": "1.0", "id": "evt-1", "type": "qbo.item.updated.v1",
                        "intuitentityid": "1", "intuitaccountid": realm, "time": "2025-09-10T21:31:25Z"}]).encode()
    assert _post(hooks, good).status_code == 401  # no signature header at all
    assert _post(hooks, good, sign(good, token)[:-2] + "A=").status_code == 401
    huge = b"[" + b" " * MAX_BODY_BYTES + b"]"
    assert _post(hooks, huge, sign(huge, token)).status_code == 413
    assert WebhookEvent.objects.count() == 0
    assert _post(hooks, good, sign(good, token)).status_code == 200
    assert _post(hooks, good, sign(good, token)).json()["stored"] == 0  # a replay stores nothing new
    assert WebhookEvent.objects.count() == 1


def test_legacy_format_is_accepted_and_deduplicated(qbo: Qbo, realm: str, hooks: Hooks,
                                                    linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    hooks.config(webhook_format="legacy", webhook_duplicate=True)
    qbo.control.entities(realm, "Item", {"Id": item_id, "Sku": "TUNE-2"})
    hooks.process()
    rows = WebhookEvent.objects.filter(entity_id=item_id, format="legacy")
    assert rows.count() == 1 and rows.get().state == EventState.DONE
    product.refresh_from_db()
    assert product.sku == "TUNE-2"


def test_preferences_off_events_are_stored_and_skipped(qbo: Qbo, realm: str, hooks: Hooks, org: Organization,
                                                       linked_product: tuple[Product, str]) -> None:
    product, item_id = linked_product
    SyncPreferences.objects.filter(organization=org).update(sync_products=False)
    before = qbo.api_calls(realm)
    qbo.control.entities(realm, "Item", {"Id": item_id, "UnitPrice": 1.0})
    hooks.process()
    event = WebhookEvent.objects.filter(entity_id=item_id, operation="Update").get()
    assert event.state == EventState.SKIPPED and qbo.api_calls(realm) == before  # not even re-read
    product.refresh_from_db()
    assert product.unit_price == Decimal("95.00")


def test_customer_merged_in_qbo_is_flagged_with_where_it_went(qbo: Qbo, realm: str, hooks: Hooks,
                                                              org: Organization,
                                                              make_customer: Callable[..., Customer]) -> None:
    with GATE:
        kept = make_customer(org, "Grace Hopper", email="grace@example.com")
        duplicate = make_customer(org, "Grace B. Hopper", email="grace.b@example.com")
    hooks.drain()
    hooks.process()
    ids = {r.local_id: r.qbo_id for r in ExternalRef.objects.filter(object_type="customer")}
    qbo.control.merge(realm, "Customer", ids[duplicate.pk], ids[kept.pk])
    hooks.process()
    flags = customer_flags(customer=duplicate)
    assert flags is not None and flags.merged_into == kept and flags.merged_into_qbo_id == ids[kept.pk]
    assert Customer.objects.filter(pk=duplicate.pk).exists() and customer_flags(customer=kept) is None
