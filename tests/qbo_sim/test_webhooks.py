"""Webhook deliveries: formats, intuit-signature, Intuit's retry schedule (time-scaled),
duplicates. A tiny receiver runs in the test process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from quickbooks.client import QuickBooks

from qbo_sim.testing import SimControl, wait_for
from qbo_sim.webhooks import RETRY_SCHEDULE_S, sign

from .test_crud import new_customer, new_invoice, new_item

TOKEN = "verify_me"


class Receiver:
    def __init__(self) -> None:
        self.hits: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []   # answers to give, in order; 200 once exhausted
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.hits.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/qbo/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, realm: str) -> list[dict[str, Any]]:
        out = []
        with self.lock:
            for _, body in self.hits:
                data = json.loads(body)
                items = data if isinstance(data, list) else data["eventNotifications"]
                out += [e for e in items if realm in (e.get("intuitaccountid"), e.get("realmId"))]
        return out


@pytest.fixture
def receiver(control: SimControl) -> Iterator[Receiver]:
    rec = Receiver()
    control.config(webhook_url=rec.url, verifier_token=TOKEN, webhook_format="cloudevents", webhook_time_scale=0.01)
    yield rec
    control.config(webhook_url=None, webhook_duplicate=False, webhook_out_of_order=False,
                   webhook_format="cloudevents", webhook_time_scale=1.0)
    rec.server.shutdown()


def test_signature_matches_reference_vector() -> None:
    assert sign(b'{"stuff":"5"}', "verify_me") == "nfPLN16u3vMvv08ghDs+dOkLuirEVDy5wAeG/lmM2OA="
    assert QuickBooks().validate_webhook_signature('{"stuff":"5"}', sign(b'{"stuff":"5"}', TOKEN), TOKEN)


def test_cloudevents_for_each_change_signed_over_exact_bytes(receiver: Receiver, qb: Any, realm: str,
                                                             control: SimControl) -> None:
    cust = new_customer(qb, "Webhook Customer")
    inv = new_invoice(qb, cust, new_item(qb, "Webhook Item", 10.0), qty=1)
    inv.void(qb=qb)
    control.entities(realm, "Customer", {"Id": cust.Id, "Notes": "bookkeeper edit"})
    item_id = inv.Line[0].SalesItemLineDetail.ItemRef.value
    expected = {("qbo.customer.created.v1", cust.Id), ("qbo.item.created.v1", item_id),
                ("qbo.invoice.created.v1", inv.Id), ("qbo.invoice.voided.v1", inv.Id),
                ("qbo.customer.updated.v1", cust.Id)}
    got = wait_for(lambda: expected <= {(e["type"], e["intuitentityid"]) for e in receiver.events(realm)})
    assert got, receiver.events(realm)
    for headers, body in receiver.hits:
        assert QuickBooks().validate_webhook_signature(body.decode(), headers["intuit-signature"], TOKEN)
    event = receiver.events(realm)[0]
    assert event["specversion"] == "1.0" and len(event["id"]) == 36 and event["intuitaccountid"] == realm


def test_legacy_format(receiver: Receiver, qb: Any, realm: str, control: SimControl) -> None:
    control.config(webhook_format="legacy")
    cust = new_customer(qb, "Legacy Hook")
    assert wait_for(lambda: receiver.events(realm))
    note = receiver.events(realm)[0]
    entity = note["dataChangeEvent"]["entities"][0]
    assert note["realmId"] == realm and entity["name"] == "Customer" and entity["id"] == cust.Id
    assert entity["operation"] == "Create" and entity["lastUpdated"][-5] in "+-"


def test_retries_follow_intuit_schedule_scaled(receiver: Receiver, qb: Any, realm: str,
                                               control: SimControl) -> None:
    assert RETRY_SCHEDULE_S[:4] == (0, 10, 20, 30)
    receiver.statuses = [500, 503]
    new_customer(qb, "Retry Me")
    assert wait_for(lambda: len(receiver.hits) >= 3, timeout=15)
    bodies = {body for _, body in receiver.hits}
    assert len(bodies) == 1, "a retry re-sends the very same bytes"
    # The simulator logs an attempt once the receiver's answer is back, just after the receiver saw it.
    def log() -> list[dict[str, Any]]:
        return [e for e in control.webhooks()["log"] if e["realm"] == realm]

    assert wait_for(lambda: len(log()) >= 3, timeout=15)
    assert [e["attempt"] for e in log()] == [1, 2, 3] and [e["ok"] for e in log()] == [False, False, True]


def test_duplicate_and_out_of_order_switches(receiver: Receiver, qb: Any, realm: str,
                                             control: SimControl) -> None:
    control.config(webhook_duplicate=True, webhook_out_of_order=True, webhook_reorder_ms=200)
    ids = [new_customer(qb, f"Shuffled {n}").Id for n in range(5)]
    assert wait_for(lambda: len(receiver.events(realm)) >= 10)
    events = receiver.events(realm)
    assert sorted(e["intuitentityid"] for e in events) == sorted(ids * 2)
    assert len({e["id"] for e in events}) == 5  # duplicates carry the same CloudEvents id


def test_bookkeeper_merge_delete_and_void_fire_events(receiver: Receiver, qb: Any, realm: str,
                                                      control: SimControl) -> None:
    keep, dupe = new_customer(qb, "Merge Target"), new_customer(qb, "Merge Target (2)")
    item = new_item(qb, "Merge Item", 25.0)
    moved = new_invoice(qb, dupe, item, qty=1)
    control.merge(realm, "Customer", dupe.Id, keep.Id)
    assert control.object(realm, "Invoice", moved.Id)["CustomerRef"]["value"] == keep.Id
    assert control.object(realm, "Customer", dupe.Id)["_sim"]["deleted"] is True
    assert control.stats(realm)["objects"]["Customer"]["deleted"] == 1
    control.void_entity(realm, "Invoice", moved.Id)
    control.delete_entity(realm, "Invoice", moved.Id)
    wanted = {("qbo.customer.merged.v1", keep.Id), ("qbo.invoice.voided.v1", moved.Id),
              ("qbo.invoice.deleted.v1", moved.Id)}
    assert wait_for(lambda: wanted <= {(e["type"], e["intuitentityid"]) for e in receiver.events(realm)})
    merged = next(e for e in receiver.events(realm) if e["type"] == "qbo.customer.merged.v1")
    assert merged["data"] == {"deletedId": dupe.Id}
