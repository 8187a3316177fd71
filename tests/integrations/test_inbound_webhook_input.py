"""Signed webhook bodies that once answered 500 (issue 12, point 6): deeply nested JSON, over-long ids or
operations. Each gets a 400 naming what is wrong; the readable events of the same delivery are kept."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from pytest_django import Settings

from integrations.models import QuickBooksConnection, WebhookEvent
from qbo_sim.webhooks import sign
from tests.integrations.conftest import Qbo

if TYPE_CHECKING:  # django-stubs name the test client's response (with .context and .json()) only privately
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

TOKEN = "test-verifier-token"
URL = "/hooks/quickbooks/"


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Webhook Input Books")


@pytest.fixture(autouse=True)
def _token(settings: Settings) -> None:
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN


def _post(body: bytes) -> _MonkeyPatchedWSGIResponse:
    return Client().post(URL, data=body, content_type="application/json",
                         HTTP_INTUIT_SIGNATURE=sign(body, TOKEN))


def _event(realm: str, event_id: str = "evt-1", entity_id: str = "7", kind: str = "qbo.item.updated.v1") -> dict:
    return {"specversion": "1.0", "id": event_id, "type": kind, "intuitentityid": entity_id,
            "intuitaccountid": realm, "time": "2026-01-10T21:31:25Z"}


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000,
                                  b'[{"id": "e", "data": ' + b"[" * 20 + b"1" + b"]" * 20 + b"}]"])
def test_deeply_nested_json_is_a_clear_400(conn: QuickBooksConnection, body: bytes) -> None:
    response = _post(body)
    assert response.status_code == 400
    assert "nested deeper than" in response.json()["error"]
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("intuitentityid", "9" * 41), ("type", "qbo.item." + "u" * 30 + ".v1"),
                                              ("intuitaccountid", "4" * 41), ("id", "x" * 201)])
def test_an_over_long_value_is_refused_and_the_valid_events_beside_it_are_kept(
        conn: QuickBooksConnection, realm: str, field: str, value: str) -> None:
    bad = {**_event(realm, "evt-bad"), field: value}
    body = json.dumps([_event(realm, "evt-1"), bad, _event(realm, "evt-2", entity_id="8")]).encode()

    response = _post(body)

    assert response.status_code == 400
    answer = response.json()
    assert answer["stored"] == 2 and len(answer["rejected"]) == 1
    assert "longer than" in answer["rejected"][0] and answer["rejected"][0].startswith("Event 1")
    assert sorted(WebhookEvent.objects.values_list("entity_id", flat=True)) == ["7", "8"]
    # Intuit delivers a refused body again: the valid events are not stored twice.
    assert _post(body).json()["stored"] == 0
    assert WebhookEvent.objects.count() == 2


def test_legacy_entries_with_over_long_values_are_refused_one_by_one(conn: QuickBooksConnection, realm: str) -> None:
    entities = [{"name": "Item", "id": "7", "operation": "Update", "lastUpdated": "2026-01-10T21:31:25Z"},
                {"name": "Item", "id": "8", "operation": "U" * 21, "lastUpdated": "2026-01-10T21:31:25Z"},
                {"name": "Item", "id": "1" * 41, "operation": "Update", "lastUpdated": "2026-01-10T21:31:25Z"}]
    body = json.dumps({"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": entities}},
                                              {"realmId": "9" * 50, "dataChangeEvent": {"entities": []}}]}).encode()

    response = _post(body)

    assert response.status_code == 400
    rejected = response.json()["rejected"]
    assert [r.split(":")[0] for r in rejected] == ["eventNotifications[0].entities[1]",
                                                   "eventNotifications[0].entities[2]", "eventNotifications[1]"]
    assert list(WebhookEvent.objects.values_list("entity_id", "operation")) == [("7", "Update")]


def test_a_valid_delivery_is_still_a_200(conn: QuickBooksConnection, realm: str) -> None:
    response = _post(json.dumps([_event(realm)]).encode())
    assert response.status_code == 200
    assert response.json() == {"received": 1, "stored": 1}
