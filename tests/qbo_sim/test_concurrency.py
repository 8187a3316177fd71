"""20 threads hammering one company: state stays exact and the simulator never lets more than
10 requests in flight or more than 500 in a minute (asserted from its own stats)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from quickbooks.exceptions import QuickbooksException, ValidationException
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice

from qbo_sim.testing import SimControl, SimulatorProcess, make_qb_client

from .test_crud import new_customer, new_invoice, new_item

THREADS, CREATES, UPDATES = 20, 2, 1
HOT = range(0, THREADS, 2)  # half the threads also fight over one record (bounded 5010 retries)
T = TypeVar("T")


def patiently(call: Callable[[], T], rng: random.Random) -> T:
    """Retry on 429 (too many in flight) with a short jittered pause."""
    while True:
        try:
            return call()
        except ValidationException as exc:
            if exc.error_code != 3001:
                raise
            time.sleep(rng.uniform(0.005, 0.03))


def change_saver(qb: Any, change: Customer) -> Callable[[], Customer]:
    return lambda: change.save(qb=qb)


def bump(qb: Any, ident: str, note: str, rng: random.Random) -> None:
    """Sparse update that re-reads on 5010, like a sync engine should."""
    while True:
        current = patiently(lambda: Customer.get(ident, qb=qb), rng)
        change = Customer()
        change.Id, change.SyncToken, change.sparse, change.Notes = ident, current.SyncToken, True, note
        try:
            patiently(change_saver(qb, change), rng)
            return
        except QuickbooksException as exc:
            if exc.error_code != 5010:
                raise


def worker(n: int, qb: Any, shared_id: str, item: Any, out: dict[str, Any], errors: list[BaseException]) -> None:
    rng = random.Random(n)
    try:
        mine: list[Customer] = []
        for k in range(CREATES):
            c = Customer()
            c.DisplayName = f"Thread {n:02d} Customer {k}"
            mine.append(patiently(partial(c.save, qb=qb, request_id=f"t{n}-c{k}"), rng))
        for cust in mine:
            for u in range(UPDATES):
                bump(qb, cust.Id, f"update {u}", rng)
            out[cust.Id] = UPDATES
        if n in HOT:
            bump(qb, shared_id, f"thread {n}", rng)
        out[f"invoice-{n}"] = patiently(lambda: new_invoice(qb, mine[0], item, qty=1), rng).DocNumber
    except BaseException as exc:  # noqa: BLE001 - reported by the main thread
        errors.append(exc)


def test_twenty_threads_keep_state_exact_and_limits_respected(sim: SimulatorProcess, control: SimControl,
                                                             realm: str, qb: Any) -> None:
    shared, item = new_customer(qb, "Shared Hot Spot"), new_item(qb, "Concurrent Item", 40.0)
    control.set_faults(realm, latency_ms=8)  # make requests overlap so the in-flight limit bites
    tokens = control.connect(realm)
    clients = [make_qb_client(sim.url, realm, tokens["access_token"]) for _ in range(THREADS)]
    out: dict[str, Any] = {}
    errors: list[BaseException] = []
    threads = [threading.Thread(target=worker, args=(n, clients[n], shared.Id, item, out, errors))
               for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    control.clear_faults(realm)
    assert errors == []

    customers = {c["Id"]: c for c in control.objects(realm, "Customer")}
    assert len(customers) == THREADS * CREATES + 1  # exact: no lost and no doubled create
    for ident, updates in ((k, v) for k, v in out.items() if not k.startswith("invoice-")):
        assert customers[ident]["SyncToken"] == str(updates)
    assert customers[shared.Id]["SyncToken"] == str(len(HOT))  # every contender's update landed once
    doc_numbers = [v for k, v in out.items() if k.startswith("invoice-")]
    assert len(set(doc_numbers)) == THREADS == len(Invoice.all(qb=qb, max_results=1000))

    stats = control.stats(realm)
    assert stats["throttle"]["max_in_flight"] <= 10
    assert stats["throttle"]["max_requests_per_minute"] <= 500
    assert stats["duplicate_counts"] == {"Customer": 0, "Item": 0, "Invoice": 0}
    admitted = sum(v for k, v in stats["requests"]["by_status"].items() if k != "429")
    assert admitted <= 500 and stats["throttle"]["rejected"] == stats["throttled_429"]
